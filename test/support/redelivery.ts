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
import { activityRecords, expectedSums, readSums, seededRandom, silentLogger, sorted } from '../../local/fixtures/index.js';

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
}

export interface RedeliveryOutcome {
  invocations: number;
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

/** Cuts every partition's log at the same fractions, so one event holds a slice of each partition as AWS may send it. */
function sliceAll(logs: KafkaRecord[][], from: number, to: number): KafkaRecord[] {
  return logs.flatMap((log) => log.slice(Math.round(from * log.length), Math.round(to * log.length)));
}

export async function runRedeliveryCase(dynamo: DynamoDBClient, spec: RedeliveryCase): Promise<RedeliveryOutcome> {
  const topic = uniqueName('redeliver');
  const logOptions = { topic, partitions: spec.partitions ?? 4, partitionBy: spec.spread ?? 'user' };
  const records = activityRecords(spec.events, spec.users, { ...logOptions, seed: spec.seed });
  const logsInOrder = [partitionLogs(records)];
  const all = [...records];
  if (spec.recreated) {
    // Offsets start again at 0, so most of the new log lies at or below the offsets stored from the old one.
    const again = activityRecords(spec.events, spec.users, { ...logOptions, seed: spec.seed + 100, firstTimestamp: records.at(-1)!.timestamp! + DAY_MS });
    logsInOrder.push(partitionLogs(again));
    all.push(...again);
  }
  const config: ScorerConfig = {
    scoresTable: await freshScoresTable(dynamo, 'redeliver'),
    weights: DEFAULT_SCORE_WEIGHTS,
    dlqTopic: await freshTopic('redeliver-dlq'),
    writeConcurrency: 32,
    kafka: testKafkaSettings('redeliver'),
  };
  const deadLetters = new LazyProducer(createKafka(config.kafka));
  const handle = createScoreHandler({ config, dynamo, deadLetters }, silentLogger);
  const deliver = (batch: KafkaRecord[]) => handle(eventOf(batch));

  const outcome: RedeliveryOutcome = { invocations: 0, duplicateSummaries: [], shiftedSummaries: [] };
  const batches = Math.ceil(spec.events / spec.batchSize);
  const step = 1 / batches;
  const deliverLog = async (logs: KafkaRecord[][]) => {
    for (let k = 0; k < batches; k++) {
      const batch = sliceAll(logs, k * step, (k + 1) * step);
      await deliver(batch);
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
  return outcome;
}
