// Both sets exact on the local stack (issue 16's "done when"): events stamped over TRENDING_DAYS and
// three days more are produced to the broker with those CreateTimes, and the stand-in feeds them to the
// real scorer, which applies half of every batch and fails, applies all of it and fails again, and is
// handed it a third time: partly applied, re-cut and redelivered batches. Then the job at p50, p90 and
// p99; both runs read back from Kafka as a consumer reads them, against the oracles.
import { describe, expect, it } from 'vitest';
import type { MSKEvent } from 'aws-lambda';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import { createScoreHandler, type BatchSummary } from '../../lib/score-batch.js';
import { runPopularJob } from '../../lib/popular-job.js';
import { RunClock } from '../../lib/core/run-clock.js';
import { POPULAR_KEY_PREFIX, TRENDING_KEY_PREFIX } from '../../lib/core/popular-run.js';
import { DEFAULT_SCORE_WEIGHTS, loadPopularConfig, type ScorerConfig } from '../../lib/core/config.js';
import {
  activityRecords,
  exactPopular,
  exactTrending,
  expectedWindows,
  expectedSums,
  readWindows,
  readSums,
  silentLogger,
  sorted,
  sortedWindows,
  windowDates,
} from '../../local/fixtures/index.js';
import { mappingsStoppedAfterEach } from '../support/mappings.js';
import {
  freshScoresTable,
  freshTopic,
  produceRecords,
  stackEndpoints,
  testKafka,
  testKafkaSettings,
  stackClients,
} from '../support/stack.js';

const { dynamo, producer } = stackClients('trending-test');
const mapping = mappingsStoppedAfterEach('trending-test', {
  backoff: { initialMs: 10, maxMs: 50 },
  batchingWindowMs: 100,
});

const DAY_MS = 86_400_000;
const asMap = (users: Array<{ userId: string; score: number }> | undefined) =>
  new Map(users?.map((u) => [u.userId, u.score]));

/** The first half of each partition's records: what a scorer that died mid-batch may have written. */
function firstHalf(event: MSKEvent): MSKEvent {
  const records = Object.fromEntries(
    Object.entries(event.records).map(([key, rs]) => [key, rs.slice(0, Math.ceil(rs.length / 2))]),
  );
  return { ...event, records };
}

/** Scores the topic through the stand-in; every batch is delivered three times, as described above. */
async function scoreThroughBroker(topic: string, days: number, scorerNow: number) {
  const config: ScorerConfig = {
    scoresTable: await freshScoresTable(dynamo, 'trending'),
    weights: DEFAULT_SCORE_WEIGHTS,
    dlqTopic: await freshTopic('trending-dlq'),
    writeConcurrency: 16,
    kafka: testKafkaSettings('trending-scorer'),
    trendingDays: days,
  };
  const deadLetters = new LazyProducer(createKafka(config.kafka));
  const handle = createScoreHandler({ config, dynamo, deadLetters, now: () => scorerNow }, silentLogger);
  const attempts = new Map<string, number>();
  const summaries: BatchSummary[][] = [[], [], []];
  const invoke = async (event: MSKEvent) => {
    const first = Object.values(event.records).flat()[0]!;
    const attempt = (attempts.get(`${first.partition}:${first.offset}`) ?? 0) + 1;
    attempts.set(`${first.partition}:${first.offset}`, attempt);
    const summary = await handle(attempt === 1 ? firstHalf(event) : event);
    summaries[Math.min(attempt, 3) - 1]!.push(summary);
    if (attempt < 3) throw new Error(attempt === 1 ? 'died after half the batch' : 'died before the acknowledgement');
    return summary;
  };
  try {
    const esm = await mapping({ topic, invoke, batchSize: 1_000 });
    await esm.caughtUp();
  } finally {
    await deadLetters.disconnect();
  }
  return { table: config.scoresTable, summaries };
}

describe('both sets exact after redelivery, on DynamoDB Local and Kafka', () => {
  it.each([1, 7, 90])(
    'TRENDING_DAYS=%i: through the broker and the stand-in, the all-time and the trending run at p50, p90 and p99 are what sorting gives',
    async (days) => {
      // The scorer's clock fixed at yesterday 18:00 UTC, the events before it: in the broker's past, so it
      // accepts their CreateTimes (and keeps them: the newest is a day old), and as many in every window.
      const scorerNow = Math.floor(Date.now() / DAY_MS) * DAY_MS - 6 * 3_600_000;
      const topic = await freshTopic('trending-activity', 4);
      const records = activityRecords(8_000, 500, {
        topic,
        seed: 30 + days,
        overDays: { days: days + 3, until: scorerNow - 60_000 },
      });
      await produceRecords(topic, records, undefined, { withTimestamps: true });
      const scored = await scoreThroughBroker(topic, days, scorerNow);

      const [halves, recuts, again] = scored.summaries;
      expect(halves!.length).toBeGreaterThan(0);
      expect(recuts!.some((s) => s.redeliveredUsers > s.alreadyAppliedUsers)).toBe(true);
      for (const s of again!) expect(s.alreadyAppliedUsers).toBe(s.distinctUsers);
      expect(recuts!.some((s) => s.lateEvents > 0)).toBe(true);
      expect(sorted(await readSums(dynamo, scored.table))).toEqual(sorted(expectedSums(records)));
      expect(sortedWindows(await readWindows(dynamo, scored.table, days))).toEqual(
        sortedWindows(expectedWindows(records, { scorerNow, days })),
      );

      const popularTopic = await freshTopic('popular-trending');
      const trendingTopic = await freshTopic('trending');
      // Runs a few hours after the scorer, the same day: the window ends with that day.
      let second = 0;
      const clock = new RunClock(() => scorerNow + 3 * 3_600_000 + 1000 * second++);
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
        const allTime = exactPopular(expectedSums(records), percentile);
        const trending = exactTrending(records, { at, days, percentile, scorerNow });
        expect(trending.users.size).toBeGreaterThan(0);

        const popularRun = await readLatestCompleteRun(testKafka(), popularTopic, {
          source: 'trending-test',
          keyPrefix: POPULAR_KEY_PREFIX,
        });
        const trendingRun = await readLatestCompleteRun(testKafka(), trendingTopic, {
          source: 'trending-test',
          keyPrefix: TRENDING_KEY_PREFIX,
        });
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
