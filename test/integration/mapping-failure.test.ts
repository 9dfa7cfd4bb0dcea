// The stand-in's error handling on the local broker, setting by setting, as the template sets AWS's
// mapping: MaximumRetryAttempts, MaximumRecordAgeInSeconds and a Kafka on-failure topic.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/core/errors.js';
import type { BatchReport } from '../../local/event-source-mapping/mapping.js';
import { RETRIES_WITH_DESTINATION } from '../../local/event-source-mapping/failure-policy.js';
import { FAILURE_HEADER } from '../../local/event-source-mapping/on-failure-topic.js';
import { mappingsStoppedAfterEach, produce, recorder, recordsOf, valueOf } from '../support/mappings.js';
import { freshTopic, readTopic } from '../support/stack.js';

const mapping = mappingsStoppedAfterEach('esm-failure-test', {
  batchingWindowMs: 0,
  backoff: { initialMs: 10, maxMs: 50 },
});

class NotRetriable extends AppError {}

/** A target that fails every batch holding a value in `poison`. */
const target = (poison: Set<string>) =>
  recorder((event) => recordsOf(event).some((r) => poison.has(valueOf(r))), 'DynamoDB unavailable');

describe('the stand-in gives up on a batch as AWS does', () => {
  it('after maximumRetryAttempts retries, skips the batch and goes on with the partition', async () => {
    const topic = await freshTopic('activity');
    await produce(topic, [{ partition: 0, value: 'bad' }]);
    const t = target(new Set(['bad']));
    const reports: BatchReport[] = [];
    const m = await mapping({ topic, invoke: t.invoke, maximumRetryAttempts: 2, onBatch: (r) => reports.push(r) });
    await m.caughtUp();
    await produce(topic, [{ partition: 0, value: 'good' }]);
    await m.caughtUp();

    // One attempt and two retries, then the next record, which succeeds.
    expect(t.values()).toEqual([['bad'], ['bad'], ['bad'], ['good']]);
    expect(reports.filter((r) => r.gaveUp !== undefined).map((r) => [r.gaveUp, r.attempt, r.firstOffset])).toEqual([
      ['retries_exhausted', 3, 0],
    ]);
    expect(m.stats()).toMatchObject({ recordsCommitted: 2, recordsGivenUp: 1, committed: { 0: 2 } });
  });

  it('retries a function error whatever the error says of itself, as AWS does', async () => {
    const topic = await freshTopic('activity');
    await produce(topic, [{ partition: 0, value: 'bad' }]);
    let calls = 0;
    const invoke = async () => {
      calls++;
      throw new NotRetriable('no retry can help, says the function');
    };
    const reports: BatchReport[] = [];
    const m = await mapping({ topic, invoke, maximumRetryAttempts: 2, onBatch: (r) => reports.push(r) });
    await m.caughtUp();

    expect(calls).toBe(3);
    expect(reports.at(-1)).toMatchObject({
      gaveUp: 'retries_exhausted',
      attempt: 3,
      error: { message: 'no retry can help, says the function' },
    });
  });

  it("retries without limit by default (the template's -1)", async () => {
    const topic = await freshTopic('activity');
    await produce(topic, [{ partition: 0, value: 'bad' }]);
    const t = target(new Set(['bad']));
    const m = await mapping({ topic, invoke: t.invoke });
    const deadline = Date.now() + 30_000;
    while (t.values().length < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(t.values().length).toBeGreaterThanOrEqual(25);
    expect(m.stats()).toMatchObject({ recordsCommitted: 0, recordsGivenUp: 0 });
  });

  it('sends a batch it gives up on to the on-failure topic, records intact with the reason, before committing past it', async () => {
    const topic = await freshTopic('activity');
    const failed = await freshTopic('activity-failed');
    await produce(topic, [
      { partition: 0, key: 'k1', value: 'bad', headers: [['trace', 't-1']] },
      { partition: 0, key: 'k2', value: 'also-in-the-batch' },
    ]);
    const t = target(new Set(['bad']));
    const m = await mapping({ topic, invoke: t.invoke, maximumRetryAttempts: 1, onFailureTopic: failed });
    await m.caughtUp();

    const out = await readTopic(failed, 2);
    expect(out.map((o) => [o.key, o.value?.toString()])).toEqual([
      ['k1', 'bad'],
      ['k2', 'also-in-the-batch'],
    ]);
    expect(out[0]!.headers).toMatchObject({
      trace: 't-1',
      [FAILURE_HEADER.reason]: 'retries_exhausted',
      [FAILURE_HEADER.error]: 'DynamoDB unavailable',
      [FAILURE_HEADER.attempts]: '2',
      [FAILURE_HEADER.topic]: topic,
      [FAILURE_HEADER.partition]: '0',
      [FAILURE_HEADER.offset]: '0',
    });
    expect(m.stats()).toMatchObject({ recordsGivenUp: 2, committed: { 0: 2 } });
  });

  it("with an on-failure topic, turns unlimited retries into AWS's ten", async () => {
    const topic = await freshTopic('activity');
    await produce(topic, [{ partition: 0, value: 'bad' }]);
    const t = target(new Set(['bad']));
    const m = await mapping({ topic, invoke: t.invoke, onFailureTopic: await freshTopic('activity-failed') });
    await m.caughtUp();
    expect(t.values().length).toBe(1 + RETRIES_WITH_DESTINATION);
  });

  it('never invokes with a record older than maximumRecordAgeSeconds, and sends it to the on-failure topic', async () => {
    const topic = await freshTopic('activity');
    const failed = await freshTopic('activity-failed');
    const twoHoursAgo = Date.now() - 2 * 3600_000;
    await produce(topic, [{ partition: 0, key: 'old', value: 'stale', timestamp: twoHoursAgo }]);
    const t = target(new Set());
    const m = await mapping({ topic, invoke: t.invoke, maximumRecordAgeSeconds: 3600, onFailureTopic: failed });
    await m.caughtUp();
    await produce(topic, [{ partition: 0, key: 'new', value: 'fresh' }]);
    await m.caughtUp();

    expect(t.values()).toEqual([['fresh']]);
    const [out] = await readTopic(failed, 1);
    expect(out!.headers).toMatchObject({
      [FAILURE_HEADER.reason]: 'record_too_old',
      [FAILURE_HEADER.attempts]: '0',
      [FAILURE_HEADER.offset]: '0',
    });
    expect(m.stats()).toMatchObject({ recordsGivenUp: 1, committed: { 0: 2 } });
  });

  it('refuses settings AWS refuses', async () => {
    const topic = await freshTopic('activity');
    const invoke = async () => ({});
    await expect(mapping({ topic, invoke, maximumRetryAttempts: -2 })).rejects.toThrow(
      'maximumRetryAttempts -2 must be -1 or an integer from 0 to 10,000',
    );
    await expect(mapping({ topic, invoke, maximumRecordAgeSeconds: 30 })).rejects.toThrow(
      'maximumRecordAgeSeconds 30 must be -1 or an integer from 60 to 604,800',
    );
  });
});
