import { afterEach, describe, expect, it } from 'vitest';
import { deploymentProducer, PRODUCER_HEADER } from '../../lib/stamp.js';
import { publishPopularUsers, type LazyProducer } from '../../lib/publish.js';
import { freshTopic, readTopic, testKafka } from '../support/stack.js';

const producers: LazyProducer[] = [];
afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.disconnect()));
});

describe('popular-users messages a deployed job publishes', () => {
  it('say which deployment sent them, next to the headers they already carry', async () => {
    const topic = await freshTopic('popular');
    const producer = deploymentProducer(testKafka(), 'popular-users-dev');
    producers.push(producer);
    const run = { runId: 'run-1', key: 'popular_1764100000', startedAt: new Date('2026-11-25T20:00:00Z'), percentile: 95, cutoff: 7 };
    await publishPopularUsers(producer, topic, run, [{ userId: '1', score: 9 }, { userId: '2', score: 8 }], 1000);

    const messages = await readTopic(topic, 2);
    expect(messages.map((m) => m.headers)).toEqual([
      { run_id: 'run-1', run_size: '2', run_started_at: '2026-11-25T20:00:00.000Z', [PRODUCER_HEADER]: 'popular-users-dev' },
      { run_id: 'run-1', run_size: '2', run_started_at: '2026-11-25T20:00:00.000Z', [PRODUCER_HEADER]: 'popular-users-dev' },
    ]);
  });

  it('keep a producer header a message already has, and add theirs after it', async () => {
    const topic = await freshTopic('popular');
    const producer = deploymentProducer(testKafka(), 'popular-users-dev');
    producers.push(producer);
    await (await producer.get()).send({ topic, acks: -1, messages: [{ key: 'k', value: 'v', headers: { [PRODUCER_HEADER]: 'upstream' } }] });
    const [message] = await readTopic(topic, 1);
    expect(message!.headers).toEqual({ [PRODUCER_HEADER]: 'upstream,popular-users-dev' });
  });

  it('carry no producer header when no deployment is named (local runs)', async () => {
    const topic = await freshTopic('popular');
    const producer = deploymentProducer(testKafka(), undefined);
    producers.push(producer);
    await (await producer.get()).send({ topic, acks: -1, messages: [{ key: 'k', value: 'v', headers: { a: 'b' } }] });
    const [message] = await readTopic(topic, 1);
    expect(message!.headers).toEqual({ a: 'b' });
  });
});
