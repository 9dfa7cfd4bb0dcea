// The stand-in's on-failure topic through the retry policy: a send the broker may take later is
// tried again until it is, one that no retry can fix is tried once and leaves the batch in place.
import { MultipleErrors, NetworkError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { OnFailureTopic } from '../../local/event-source-mapping/on-failure-topic.js';
import { refusal, ScriptedKafka } from '../support/scripted-kafka.js';

const backoff = { initialMs: 1, maxMs: 5, multiplier: 2, jitter: 0 };
const failure = { reason: 'retries_exhausted', attempts: 3, error: 'scorer unavailable' } as const;
const batch: ConsumedMessage[] = [0, 1].map((offset) => ({
  topic: 'activity',
  partition: 0,
  offset,
  timestamp: 1_700_000_000_000,
  key: null,
  value: Buffer.from(`record ${offset}`),
  headers: [],
  leaderEpoch: 0,
}));

function onFailureTopic(kafka: ScriptedKafka) {
  const errors: string[] = [];
  const topic = new OnFailureTopic(kafka, 'activity-failed', { backoff, onError: (what) => errors.push(what) });
  return { topic, errors };
}

describe('the on-failure topic', () => {
  it('sends again after a failure the broker may get over, until the records are acknowledged', async () => {
    let sends = 0;
    const down = () =>
      new MultipleErrors('Producing messages failed.', [new NetworkError('Connection to b-1:9098 failed.')]);
    const { topic, errors } = onFailureTopic(
      new ScriptedKafka({ send: () => (++sends <= 2 ? Promise.reject(down()) : Promise.resolve({})) }),
    );

    await expect(topic.send('activity', 0, batch, failure, new AbortController().signal)).resolves.toBe(true);

    expect(sends).toBe(3);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      /^sending a failed batch of activity-0 to activity-failed failed: sending 2 message\(s\) to activity-failed failed/,
    );
  });

  it('tries refused credentials once, says no retry can fix it, and keeps the batch', async () => {
    let connects = 0;
    const { topic, errors } = onFailureTopic(
      new ScriptedKafka({
        init: () => {
          connects++;
          return Promise.reject(refusal());
        },
      }),
    );

    await expect(topic.send('activity', 0, batch, failure, new AbortController().signal)).resolves.toBe(false);

    expect(connects).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^sending a failed batch of activity-0 to activity-failed failed, and no retry can fix it: Kafka refused to authenticate/,
    );
  });

  it('stops sending once the batch is abandoned', async () => {
    let sends = 0;
    const abandon = new AbortController();
    const { topic } = onFailureTopic(
      new ScriptedKafka({
        send: () => {
          if (++sends === 2) abandon.abort();
          return Promise.reject(new NetworkError('Connection to b-1:9098 failed.'));
        },
      }),
    );

    await expect(topic.send('activity', 0, batch, failure, abandon.signal)).resolves.toBe(false);
    expect(sends).toBe(2);
  });
});
