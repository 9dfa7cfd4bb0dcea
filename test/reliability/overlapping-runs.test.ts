import { afterAll, describe, expect, it } from 'vitest';
import type { PopularConfig } from '../../lib/config.js';
import { createKafka } from '../../lib/kafka.js';
import { LazyProducer } from '../../lib/publish.js';
import { runPopularJob } from '../../lib/popular-job.js';
import { seedShapedScores, writeUserScores } from '../../local/seed-scores.js';
import { freshScoresTable, freshTopic, stackEndpoints, testDynamo, testKafkaSettings, uniqueName } from '../support/stack.js';
import { byRun, exactPopular, readPublished, usersOf } from './support/popular-runs.js';

const dynamo = testDynamo();
// Two schedules firing together would be two Lambda containers: two producers.
const producers = [new LazyProducer(createKafka(testKafkaSettings('overlap-a'))), new LazyProducer(createKafka(testKafkaSettings('overlap-b')))] as const;
afterAll(async () => {
  await Promise.all(producers.map((p) => p.disconnect()));
  dynamo.destroy();
});

describe('reliability: two popular-users runs overlapping', () => {
  it('consumers can tell the runs apart, each run is complete by its run_size, and no key mixes two runs', async () => {
    const scores = seedShapedScores(4_000, 31);
    const config: PopularConfig = {
      scoresTable: await freshScoresTable(dynamo, 'overlap'),
      percentile: 90,
      scanSegments: 4,
      popularTopic: await freshTopic('overlap-popular'),
      // Small produce requests, so the two runs' messages interleave on the topic.
      publishBatchSize: 10,
      kafka: testKafkaSettings('overlap'),
    };
    await writeUserScores(dynamo, config.scoresTable, scores);
    await Promise.all(producers.map((p) => p.get()));

    // Start both just after a second begins, as two schedules firing together would.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const [a, b] = await Promise.all([runPopularJob({ config, dynamo, producer: producers[0] }), runPopularJob({ config, dynamo, producer: producers[1] })]);

    const expected = exactPopular(scores, config.percentile);
    expect([a.published, b.published]).toEqual([expected.size, expected.size]);
    const messages = await readPublished(stackEndpoints().kafkaBrokers, config.popularTopic);
    const runs = byRun(messages);
    expect(new Set(runs.keys())).toEqual(new Set([a.runId, b.runId]));
    for (const [, run] of runs) {
      expect(run.every((m) => m.runSize === run.length)).toBe(true);
      expect(usersOf(run)).toEqual(expected);
    }
    // A consumer keyed on the message key (compaction, keyed grouping) must never see two runs under one key.
    const runsPerKey = new Map<string, Set<string>>();
    for (const m of messages) runsPerKey.set(m.key, (runsPerKey.get(m.key) ?? new Set()).add(m.runId));
    const mixed = [...runsPerKey].filter(([, ids]) => ids.size > 1).map(([key, ids]) => `${key}: ${[...ids].join(', ')}`);
    expect(mixed, 'keys that carry two runs').toEqual([]);
  });
});
