// Consumed capacity, measured: the write units the scorer's own writes cost per event and the read
// units the job's own scan costs per 1,000 users, as DynamoDB Local reports them
// (ReturnConsumedCapacity, counted by bench/consumed-capacity.ts) and as the item sizes predict them.
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MSKEvent } from 'aws-lambda';
import { DEFAULT_SCORE_WEIGHTS, type ScorerConfig } from '../lib/core/config.js';
import { mapWithConcurrency } from '../lib/core/concurrency.js';
import { scanPageItems, scanScores } from '../lib/adapters/scan.js';
import { positionAttribute, SCORE_ATTRIBUTE, USER_KEY } from '../lib/adapters/score-item.js';
import { createKafka } from '../lib/adapters/kafka-client.js';
import { LazyProducer } from '../lib/adapters/producer.js';
import { createScoreHandler } from '../lib/score-batch.js';
import type { LocalStack } from '../local/services/stack.js';
import { localDynamoClient } from '../local/services/clients.js';
import { ensureScoresTable } from '../local/services/tables.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN, type KafkaRecord } from '../local/event-source-mapping/msk-event.js';
import {
  asKafkaRecords,
  FIRST_TIMESTAMP,
  seededRandom,
  silentLogger,
  staticDataSet,
  usersFrom1000,
  type ActivityRow,
  type UserShape,
} from '../local/fixtures/index.js';
import { trackConsumedCapacity } from './consumed-capacity.js';
import { itemBytes, pageReadUnits, writeUnits } from './dynamo-units.js';
import { capacitySection } from './capacity-report.js';
import { count, type Log, type Section } from './report.js';

export interface CapacityBenchOptions {
  events: number;
  users: number;
  /** The deployed batch size (serverless.yml's batchSize). */
  batchSize: number;
  partitions: number[];
  concurrency: number;
  /** Segments of the job's scan (the deployed SCAN_SEGMENTS). */
  segments: number;
}

/** What one table state cost: the scorer's writes over the row's events, then one job scan of the table. */
export interface CapacityPhase {
  writeUnits: number;
  /** Σ over the handler's writes of writeUnits(item before, item after), from the items' sizes. */
  predictedWriteUnits: number;
  meanItemBytes: number;
  users: number;
  readUnits: number;
  /**
   * The same scan's pages read in full: each page's bytes in 4 KB units, rounded up, halved (eventually consistent).
   */
  predictedReadUnits: number;
}

export interface CapacityRow {
  shape: UserShape;
  partitions: number;
  keyed: boolean;
  events: number;
  invocations: number;
  writes: number;
  /** A fresh table: each user's first events. */
  first: CapacityPhase;
  /**
   * Every user's item already holds a position for each partition its events arrive on: one when keyed by user, all of
   * them when not.
   */
  longRun: CapacityPhase;
  exact: boolean;
}

/** The deployed topic name: the position attributes carry it, so it weighs on every item. */
const TOPIC = 'activity';
const FIRST_OFFSET = 1_000_000;
const PRIMED_SCORE = 100;

export async function benchCapacity(stack: LocalStack, options: CapacityBenchOptions, log: Log): Promise<Section> {
  const kafka = {
    brokers: stack.kafkaBrokers.split(','),
    clientId: 'bench-capacity',
    ssl: false,
    sasl: 'none' as const,
  };
  const measuredClient = localDynamoClient(stack.dynamoEndpoint);
  const tally = trackConsumedCapacity(measuredClient);
  const setup = localDynamoClient(stack.dynamoEndpoint);
  const deadLetters = new LazyProducer(createKafka(kafka));
  const stamp = Date.now().toString(36);
  const rows: CapacityRow[] = [];
  try {
    for (const shape of ['uniform', 'skewed'] as const) {
      const events = [
        ...staticDataSet(
          options.events,
          usersFrom1000(options.users),
          seededRandom(shape === 'uniform' ? 31 : 32),
          shape,
        ),
      ];
      for (const partitions of options.partitions) {
        for (const keyed of [true, false]) {
          const random = seededRandom(partitions);
          const records = asKafkaRecords(events, {
            topic: TOPIC,
            partitions,
            firstOffset: FIRST_OFFSET,
            firstTimestamp: FIRST_TIMESTAMP,
            partitionOf: keyed ? (row) => row.userId % partitions : () => Math.floor(random() * partitions),
          });
          const batches = partitionBatches(records, partitions, options.batchSize);
          const name = `${shape}-${partitions}-${keyed ? 'keyed' : 'unkeyed'}`;
          const firstTable = `bench-capacity-first-${name}-${stamp}`;
          const first = await phase(firstTable, batches);
          const longRunTable = `bench-capacity-long-${name}-${stamp}`;
          const touched = await primeLongRun(setup, firstTable, longRunTable, events, partitions, keyed);
          const longRun = await phase(longRunTable, batches);
          const expected = events.reduce((sum, e) => sum + DEFAULT_SCORE_WEIGHTS[e.activity]!, 0);
          const exact = first.total === expected && longRun.total === expected + PRIMED_SCORE * touched;
          rows.push({
            shape,
            partitions,
            keyed,
            events: events.length,
            invocations: batches.length,
            writes: first.writes,
            first: first.phase,
            longRun: longRun.phase,
            exact,
          });
          log(
            `capacity: ${name}: ${(first.writes / events.length).toFixed(3)} writes/event; WRU/event first ${(first.phase.writeUnits / events.length).toFixed(3)}, ` +
              `long run ${(longRun.phase.writeUnits / events.length).toFixed(3)} (items ${count(longRun.phase.meanItemBytes)} B); ` +
              `scan RRU per 1,000 users ${((longRun.phase.readUnits / longRun.phase.users) * 1000).toFixed(2)}`,
          );
        }
      }
    }
  } finally {
    await deadLetters.disconnect();
    measuredClient.destroy();
    setup.destroy();
  }
  return capacitySection(rows, options);

  async function phase(
    table: string,
    batches: MSKEvent[],
  ): Promise<{ phase: CapacityPhase; writes: number; total: number }> {
    await ensureScoresTable(setup, table);
    const before = await readItems(setup, table);
    const config: ScorerConfig = {
      scoresTable: table,
      weights: DEFAULT_SCORE_WEIGHTS,
      dlqTopic: 'activity-dlq',
      writeConcurrency: options.concurrency,
      kafka,
    };
    const handle = createScoreHandler({ config, dynamo: measuredClient, deadLetters }, silentLogger);
    tally.reset();
    let writes = 0;
    const writtenUsers: string[][] = [];
    for (const batch of batches) {
      writes += (await handle(batch)).writes;
      writtenUsers.push(usersOf(batch));
    }
    const writeUnitsMeasured = tally.writeUnits;
    if (tally.failed > 0)
      log(`capacity: ${tally.failed} requests failed in ${table}; their units are not in the count`);
    const after = await readItems(setup, table);
    // An item only grows, so its final size bounds what each write saw after it.
    let predictedWriteUnits = 0;
    for (const users of writtenUsers)
      for (const user of users)
        predictedWriteUnits += writeUnits(before.get(user)?.bytes ?? 0, after.get(user)?.bytes ?? 0);
    tally.reset();
    await scanScores(measuredClient, table, options.segments, () => {}, scanPageItems(options.segments));
    const items = [...after.values()];
    const bytes = items.reduce((n, i) => n + i.bytes, 0);
    return {
      writes,
      total: items.reduce((n, i) => n + Number(i.item[SCORE_ATTRIBUTE]?.N ?? 0), 0),
      phase: {
        writeUnits: writeUnitsMeasured,
        predictedWriteUnits,
        meanItemBytes: bytes / items.length,
        users: items.length,
        readUnits: tally.readUnits,
        predictedReadUnits: await scanUnitsFromSizes(setup, table, options.segments, scanPageItems(options.segments)),
      },
    };
  }
}

/**
 * Each partition's records in batches of at most `batchSize`, one partition per event as the mapping sends them,
 * partitions taking turns.
 */
function partitionBatches(records: KafkaRecord[], partitions: number, batchSize: number): MSKEvent[] {
  const byPartition = Array.from({ length: partitions }, () => [] as KafkaRecord[]);
  for (const r of records) byPartition[r.partition]!.push(r);
  const source = { eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: 'localhost:9092' };
  const batches: MSKEvent[] = [];
  for (let start = 0; byPartition.some((p) => p.length > start); start += batchSize) {
    for (const p of byPartition)
      if (p.length > start) batches.push(buildMskEvent(p.slice(start, start + batchSize), source));
  }
  return batches;
}

/**
 * The distinct users of a batch: one write each, as the scorer combines a batch per user (one partition per batch
 * here).
 */
function usersOf(batch: MSKEvent): string[] {
  const users = new Set<string>();
  for (const records of Object.values(batch.records)) {
    for (const r of records)
      users.add(String((JSON.parse(Buffer.from(r.value, 'base64').toString('utf8')) as { user_id: number }).user_id));
  }
  return [...users];
}

async function readItems(
  client: DynamoDBClient,
  table: string,
): Promise<Map<string, { item: Record<string, AttributeValue>; bytes: number }>> {
  const items = new Map<string, { item: Record<string, AttributeValue>; bytes: number }>();
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    for (const item of out.Items ?? []) items.set(item[USER_KEY]!.S!, { item, bytes: itemBytes(item) });
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/**
 * What the job's scan should cost by the documented arithmetic: the same segments and pages, read whole to weigh them.
 */
async function scanUnitsFromSizes(
  client: DynamoDBClient,
  table: string,
  segments: number,
  pageLimit: number,
): Promise<number> {
  let units = 0;
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const out = await client.send(
          new ScanCommand({
            TableName: table,
            Segment: segment,
            TotalSegments: segments,
            Limit: pageLimit,
            ExclusiveStartKey: startKey,
          }),
        );
        units += pageReadUnits(
          (out.Items ?? []).reduce((n, item) => n + itemBytes(item), 0),
          false,
        );
        startKey = out.LastEvaluatedKey;
      } while (startKey !== undefined);
    }),
  );
  return units;
}

/**
 * A table where each user the events touch already holds what a long history leaves: a score and a
 * position for every partition its events arrive on (its own when keyed by user, all when not). The
 * items are copies of one the scorer itself wrote, so any attribute it keeps besides the positions
 * comes along. Returns the users primed.
 */
async function primeLongRun(
  client: DynamoDBClient,
  writtenTable: string,
  table: string,
  events: ActivityRow[],
  partitions: number,
  keyed: boolean,
): Promise<number> {
  await ensureScoresTable(client, table);
  const written = await readItems(client, writtenTable);
  const template: Record<string, AttributeValue> = { ...[...written.values()][0]!.item };
  for (let p = 0; p < partitions; p++)
    for (const field of ['offset', 'newest', 'previousOffset', 'previousNewest'] as const)
      delete template[positionAttribute(field, TOPIC, p)];
  const users = [...new Set(events.map((e) => e.userId))];
  const items = users.map((userId) => {
    const item: Record<string, AttributeValue> = {
      ...template,
      [USER_KEY]: { S: String(userId) },
      [SCORE_ATTRIBUTE]: { N: String(PRIMED_SCORE) },
    };
    for (const p of keyed ? [userId % partitions] : Array.from({ length: partitions }, (_, i) => i)) {
      item[positionAttribute('offset', TOPIC, p)] = { N: String(FIRST_OFFSET - 1) };
      item[positionAttribute('newest', TOPIC, p)] = { N: String(FIRST_TIMESTAMP - 1) };
    }
    return item;
  });
  const chunks: Record<string, AttributeValue>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  await mapWithConcurrency(chunks, 8, async (chunk) => {
    let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []).map((r) => ({ PutRequest: { Item: r.PutRequest!.Item! } }));
    }
  });
  return users.length;
}
