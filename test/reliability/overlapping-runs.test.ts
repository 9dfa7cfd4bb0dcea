import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGE_MAX_BYTES, type PopularConfig } from '../../lib/core/config.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { runPopularJob } from '../../lib/popular-job.js';
import { exactPopular, seedShapedScores, writeUserScores } from '../../local/fixtures/index.js';
import { freshScoresTable, freshTopic, stackEndpoints, testDynamo, testKafkaSettings } from '../support/stack.js';
import { byRun, endOf, readPublished, usersOf } from '../support/popular-runs.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';

const dynamo = testDynamo();
// Two schedules firing together would be two Lambda containers: two producers.
const producers = [
  new LazyProducer(createKafka(testKafkaSettings('overlap-a'))),
  new LazyProducer(createKafka(testKafkaSettings('overlap-b'))),
] as const;
afterAll(async () => {
  await Promise.all(producers.map((p) => p.disconnect()));
  dynamo.destroy();
});

describe('reliability: two popular-users runs overlapping', () => {
  it('consumers can tell the runs apart, each run is complete by its marker, and no key mixes two runs', async () => {
    const scores = seedShapedScores(4_000, 31);
    const config: PopularConfig = {
      scoresTable: await freshScoresTable(dynamo, 'overlap'),
      percentile: 90,
      scanSegments: 4,
      popularTopic: await freshTopic('overlap-popular'),
      // Small produce requests, so the two runs' messages interleave on the topic.
      publishBatchSize: 10,
      maxHeldUsers: 250_000,
      messageMaxBytes: DEFAULT_MESSAGE_MAX_BYTES,
      kafka: testKafkaSettings('overlap'),
    };
    await writeUserScores(dynamo, config.scoresTable, scores);
    await Promise.all(producers.map((p) => p.get()));

    // Start both just after a second begins, as two schedules firing together would.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const [a, b] = await Promise.all([
      runPopularJob({ config, dynamo, producer: producers[0] }),
      runPopularJob({ config, dynamo, producer: producers[1] }),
    ]);

    const expected = exactPopular(scores, config.percentile).users;
    expect([a.published, b.published]).toEqual([expected.size, expected.size]);
    const messages = await readPublished(stackEndpoints().kafkaBrokers, config.popularTopic);
    const runs = byRun(messages);
    expect(new Set(runs.keys())).toEqual(new Set([a.runId, b.runId]));
    for (const [, run] of runs) {
      // Users first, the marker last, and the marker counts exactly the users before it.
      expect(run.at(-1)!.end).toMatchObject({ count: run.length - 1 });
      expect(endOf(run.slice(0, -1))).toBeUndefined();
      expect(usersOf(run)).toEqual(expected);
    }
    const latest = await readLatestCompleteRun(createKafka(testKafkaSettings('overlap-reader')), config.popularTopic, {
      source: config.kafka.clientId,
    });
    expect([a.runId, b.runId]).toContain(latest?.runId);
    expect(new Map(latest!.users.map((u) => [u.userId, u.score]))).toEqual(expected);
    // A consumer keyed on the message key (compaction, keyed grouping) must never see two runs under one key.
    const runsPerKey = new Map<string, Set<string>>();
    for (const m of messages) runsPerKey.set(m.key, (runsPerKey.get(m.key) ?? new Set()).add(m.runId));
    const mixed = [...runsPerKey]
      .filter(([, ids]) => ids.size > 1)
      .map(([key, ids]) => `${key}: ${[...ids].join(', ')}`);
    expect(mixed, 'keys that carry two runs').toEqual([]);
  });
});
