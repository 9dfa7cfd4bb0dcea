// Both sets exact on the local stack: events over TRENDING_DAYS and three days more, scored through the
// real handler with every batch delivered twice and again at shifted boundaries, then the job at p50,
// p90 and p99; both runs read back from Kafka as a consumer reads them, against the oracles.
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import { runPopularJob } from '../../lib/popular-job.js';
import { RunClock } from '../../lib/core/run-clock.js';
import { loadPopularConfig } from '../../lib/core/config.js';
import { exactPopular, exactTrending, expectedSums, windowDates } from '../../local/fixtures/index.js';
import { freshTopic, stackEndpoints, testDynamo, testKafka, testKafkaSettings } from '../support/stack.js';
import { runRedeliveryCase } from './support/redelivery.js';

const dynamo = testDynamo();
const producer = new LazyProducer(createKafka(testKafkaSettings('trending-test')));
afterAll(async () => {
  await producer.disconnect();
  dynamo.destroy();
});

const NOW = Date.UTC(2026, 5, 15, 18);
const asMap = (users: Array<{ userId: string; score: number }> | undefined) => new Map(users?.map((u) => [u.userId, u.score]));

describe('both sets exact after redelivery, on DynamoDB Local and Kafka', () => {
  it.each([1, 7, 90])(
    'TRENDING_DAYS=%i: the all-time and the trending run at p50, p90 and p99 are what sorting gives',
    async (days) => {
      const scored = await runRedeliveryCase(dynamo, {
        events: 8_000,
        users: 500,
        batchSize: 2_000,
        seed: 30 + days,
        trending: { days, now: NOW, overDays: days + 3 },
      });
      const popularTopic = await freshTopic('popular-trending');
      const trendingTopic = await freshTopic('trending');
      // A run a few hours after the scorer, the same day: the window ends with that day.
      let second = 0;
      const clock = new RunClock(() => NOW + 3 * 3_600_000 + 1000 * second++);
      for (const percentile of [50, 90, 99]) {
        const config = loadPopularConfig({
          SCORES_TABLE: scored.table,
          KAFKA_BROKERS: stackEndpoints().kafkaBrokers,
          KAFKA_CLIENT_ID: 'trending-test',
          PERCENTILE: String(percentile),
          TRENDING_DAYS: String(days),
          POPULAR_TOPIC: popularTopic,
          TRENDING_TOPIC: trendingTopic,
        });
        const summary = await runPopularJob({ config, dynamo, producer, clock });
        const at = Date.parse(summary.startedAt);
        const allTime = exactPopular(expectedSums(scored.records), percentile);
        const trending = exactTrending(scored.records, { at, days, percentile, scorerNow: NOW });
        expect(trending.users.size).toBeGreaterThan(0);

        const popularRun = await readLatestCompleteRun(testKafka(), popularTopic);
        const trendingRun = await readLatestCompleteRun(testKafka(), trendingTopic);
        expect(popularRun).toMatchObject({ runId: summary.runId, cutoff: allTime.cutoff, count: allTime.users.size });
        expect(asMap(popularRun?.users)).toEqual(allTime.users);
        const window = windowDates(at, days);
        expect(trendingRun).toMatchObject({
          runId: summary.trending!.runId,
          key: summary.runKey.replace('popular_', 'trending_'),
          cutoff: trending.cutoff,
          count: trending.users.size,
          percentile,
          window: { start: window[0], end: window.at(-1) },
        });
        expect(asMap(trendingRun?.users)).toEqual(trending.users);
        // One scan for both sets at these sizes.
        expect(summary.passes).toBe(1);
      }
    },
    180_000,
  );
});
