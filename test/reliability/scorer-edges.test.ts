// The scorer at its edges, end to end: users in many partitions, a recreated topic, and dead letters
// larger together than one broker request, consumed by the mapping stand-in from the real broker.
import { afterAll, describe, expect, it } from 'vitest';
import { connectProducer } from '../../lib/adapters/producer.js';
import { DLQ_HEADER } from '../../lib/core/dead-letter.js';
import { DEFAULT_SCORE_WEIGHTS, type ScorerConfig } from '../../lib/core/config.js';
import { freshScoresTable, freshTopic, readTopic, testDynamo, testKafka, testKafkaSettings } from '../support/stack.js';
import { scoreTopicThroughStandIn } from '../support/scorer.js';
import { readSums, sorted } from '../../local/fixtures/index.js';
import { runRedeliveryCase } from '../support/redelivery.js';

const dynamo = testDynamo();
afterAll(() => dynamo.destroy());

describe('reliability: the scorer at its edges', () => {
  it('6 users spread over 200 partitions, every batch delivered twice and with shifted boundaries: sums exact', async () => {
    const outcome = await runRedeliveryCase(dynamo, {
      events: 6_000,
      users: 6,
      batchSize: 2_000,
      seed: 71,
      partitions: 200,
      spread: 'random',
    });
    for (const s of outcome.duplicateSummaries) expect(s.alreadyAppliedUsers).toBe(s.distinctUsers);
  });

  it('the topic recreated midway (offsets from 0 again, newer records), every batch redelivered: both logs counted once', async () => {
    const outcome = await runRedeliveryCase(dynamo, {
      events: 6_000,
      users: 80,
      batchSize: 2_000,
      seed: 73,
      recreated: true,
    });
    // A batch delivered again is never taken for a restart; the sums (checked inside) show the new log was counted.
    for (const s of outcome.duplicateSummaries)
      expect(s).toMatchObject({ offsetRestarts: 0, alreadyAppliedUsers: s.distinctUsers });
  });

  it('the same with TRENDING_DAYS=7 and the two logs stamped over 10 days: restarts still found, sums and every window sum exact', async () => {
    const trending = { days: 7, now: Date.UTC(2026, 5, 15, 18), overDays: 10 };
    const outcome = await runRedeliveryCase(dynamo, {
      events: 6_000,
      users: 80,
      batchSize: 2_000,
      seed: 74,
      recreated: true,
      trending,
    });
    for (const s of outcome.duplicateSummaries)
      expect(s).toMatchObject({ offsetRestarts: 0, alreadyAppliedUsers: s.distinctUsers });
    // The new log's first batches met offsets stored from the old one: the restart was seen, with window sums on the same
    // writes.
    expect(outcome.firstSummaries.some((s) => s.offsetRestarts > 0)).toBe(true);
  });

  it('40 bad records of 60 KiB among good ones, one dead-letter partition: no batch stalls, all 40 dead letters arrive', async () => {
    const topic = await freshTopic('edges', 2);
    const dlqTopic = await freshTopic('edges-dlq', 1);

    const good = Array.from({ length: 400 }, (_, i) => ({
      key: String(i % 40),
      value: JSON.stringify({ user_id: i % 40, activity: 'profile.view' }),
    }));
    const bad = Array.from({ length: 40 }, (_, i) => ({
      key: `bad-${i}`,
      value: `{"user_id": ${i}, "pad": "${'p'.repeat(60 * 1024)}`,
    }));
    const producer = await connectProducer(testKafka());
    // Ten at a time: the source topic has the same 1 MiB limit.
    const messages = [...good.slice(0, 200), ...bad, ...good.slice(200)];
    for (let i = 0; i < messages.length; i += 10) await producer.send(topic, messages.slice(i, i + 10));
    await producer.close();

    const config: ScorerConfig = {
      scoresTable: await freshScoresTable(dynamo, 'edges'),
      weights: DEFAULT_SCORE_WEIGHTS,
      dlqTopic,
      writeConcurrency: 16,
      kafka: testKafkaSettings('edges'),
    };
    await scoreTopicThroughStandIn(config, dynamo, { topic, groupPrefix: 'edges-group', batchSize: 500 });

    const dead = await readTopic(dlqTopic, 40);
    expect(new Set(dead.map((m) => m.partition))).toEqual(new Set([0]));
    expect(dead.map((m) => m.key).sort()).toEqual(bad.map((b) => b.key).sort());
    const sent = new Map(bad.map((b) => [b.key, b.value]));
    const altered = dead.filter(
      (m) => m.headers[DLQ_HEADER.reason] !== 'bad_json' || m.value?.toString() !== sent.get(m.key!),
    );
    expect(altered.map((m) => m.key)).toEqual([]);
    const expected = new Map<string, number>();
    for (const g of good) expected.set(g.key, (expected.get(g.key) ?? 0) + 1);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expected));
  });
});
