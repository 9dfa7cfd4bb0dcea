// The redelivery case shared by the quick and slow suites: every batch handed to the real scorer
// twice, then again cut at shifted boundaries, on DynamoDB Local; the sums must stay exact.
import { expect } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { createScoreHandler, type BatchSummary } from '../../lib/score-batch.js';
import { DEFAULT_SCORE_WEIGHTS, type ScorerConfig } from '../../lib/core/config.js';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { eventOf } from './scorer.js';
import { freshScoresTable, freshTopic, testKafkaSettings, uniqueName } from './stack.js';
import {
  activityRecords,
  expectedWindows,
  expectedSums,
  readWindows,
  readSums,
  seededRandom,
  silentLogger,
  sorted,
  sortedWindows,
} from '../../local/fixtures/index.js';

export interface RedeliveryCase {
  events: number;
  users: number;
  batchSize: number;
  seed: number;
  /** 4 unless given; with 'random' spread every user has events in many partitions of a batch. */
  partitions?: number;
  spread?: 'user' | 'random';
  /** Then the topic is recreated: a second log of as many events, offsets from 0 again, newer timestamps. */
  recreated?: boolean;
  /**
   * TRENDING_DAYS `days` and the scorer's clock at `now`, the events spread over the `overDays` days
   * before it: then every window sum is checked against the oracle too. Trending is off otherwise.
   */
  trending?: { days: number; now: number; overDays: number };
}

export interface RedeliveryOutcome {
  /** The scores table, its sums (and window sums) checked. */
  table: string;
  /** Every record delivered, each counted once. */
  records: KafkaRecord[];
  invocations: number;
  /** Each batch's first delivery. */
  firstSummaries: BatchSummary[];
  duplicateSummaries: BatchSummary[];
  shiftedSummaries: BatchSummary[];
}

const DAY_MS = 86_400_000;

/** Each partition's records in log order. */
function partitionLogs(records: KafkaRecord[]): KafkaRecord[][] {
  const logs: KafkaRecord[][] = [];
  for (const r of records) (logs[r.partition] ??= []).push(r);
  return logs.map((log) => log.sort((a, b) => a.offset - b.offset));
}

/**
 * Cuts every partition's log at the same fractions, so one event holds a slice of each partition as AWS may send it.
 */
function sliceAll(logs: KafkaRecord[][], from: number, to: number): KafkaRecord[] {
  return logs.flatMap((log) => log.slice(Math.round(from * log.length), Math.round(to * log.length)));
}

export async function runRedeliveryCase(dynamo: DynamoDBClient, spec: RedeliveryCase): Promise<RedeliveryOutcome> {
  const topic = uniqueName('redeliver');
  const logOptions = { topic, partitions: spec.partitions ?? 4, partitionBy: spec.spread ?? 'user' };
  const { trending } = spec;
  // With a recreated topic each log takes half the days, the new one the later half, every record newer than the old
  // log's.
  const span = trending === undefined ? undefined : trending.overDays / (spec.recreated ? 2 : 1);
  const overDays = (until: number) =>
    trending === undefined || span === undefined ? {} : { overDays: { days: span, until } };
  const records = activityRecords(spec.events, spec.users, {
    ...logOptions,
    seed: spec.seed,
    ...overDays((trending?.now ?? 0) - (spec.recreated ? (span ?? 0) * DAY_MS + 1000 : 0)),
  });
  const logsInOrder = [partitionLogs(records)];
  const all = [...records];
  if (spec.recreated) {
    // Offsets start again at 0, so most of the new log lies at or below the offsets stored from the old one.
    const later =
      trending === undefined ? { firstTimestamp: records.at(-1)!.timestamp! + DAY_MS } : overDays(trending.now);
    const again = activityRecords(spec.events, spec.users, { ...logOptions, seed: spec.seed + 100, ...later });
    logsInOrder.push(partitionLogs(again));
    all.push(...again);
  }
  const config: ScorerConfig = {
    scoresTable: await freshScoresTable(dynamo, 'redeliver'),
    weights: DEFAULT_SCORE_WEIGHTS,
    dlqTopic: await freshTopic('redeliver-dlq'),
    writeConcurrency: 32,
    kafka: testKafkaSettings('redeliver'),
    ...(trending !== undefined && { trendingDays: trending.days }),
  };
  const deadLetters = new LazyProducer(createKafka(config.kafka));
  const now = trending === undefined ? {} : { now: () => trending.now };
  const handle = createScoreHandler({ config, dynamo, deadLetters, ...now }, silentLogger);
  const deliver = (batch: KafkaRecord[]) => handle(eventOf(batch));

  const outcome: RedeliveryOutcome = {
    table: config.scoresTable,
    records: all,
    invocations: 0,
    firstSummaries: [],
    duplicateSummaries: [],
    shiftedSummaries: [],
  };
  const batches = Math.ceil(spec.events / spec.batchSize);
  const step = 1 / batches;
  const deliverLog = async (logs: KafkaRecord[][]) => {
    for (let k = 0; k < batches; k++) {
      const batch = sliceAll(logs, k * step, (k + 1) * step);
      outcome.firstSummaries.push(await deliver(batch));
      outcome.duplicateSummaries.push(await deliver(batch));
      // Half of batch k (applied) and half of batch k+1 (not yet): the re-cut path of the store.
      outcome.shiftedSummaries.push(await deliver(sliceAll(logs, (k + 0.5) * step, Math.min(1, (k + 1.5) * step))));
      outcome.invocations += 3;
    }
    // A last full pass at random boundaries: everything is old by now and must add nothing.
    const random = seededRandom(spec.seed + 1);
    for (let at = 0; at < 1;) {
      const next = Math.min(1, at + step * (0.3 + random() * 1.4));
      await deliver(sliceAll(logs, at, next));
      outcome.invocations++;
      at = next;
    }
  };
  try {
    for (const logs of logsInOrder) await deliverLog(logs);
  } finally {
    await deadLetters.disconnect();
  }

  expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expectedSums(all)));
  if (trending !== undefined) {
    const windows = expectedWindows(all, { scorerNow: trending.now, days: trending.days });
    expect(sortedWindows(await readWindows(dynamo, config.scoresTable, trending.days))).toEqual(sortedWindows(windows));
  }
  return outcome;
}
