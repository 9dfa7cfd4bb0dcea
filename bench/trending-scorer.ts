// The trending area's scorer rows: the same events scored with TRENDING_DAYS 0, 7 and 90 on fresh tables,
// writes, consumed write units and refused writes per event (bench/trending.ts reports them).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_SCORE_WEIGHTS, type KafkaSettings, type ScorerConfig } from '../lib/core/config.js';
import { createKafka } from '../lib/adapters/kafka-client.js';
import { LazyProducer } from '../lib/adapters/producer.js';
import { createScoreHandler } from '../lib/score-batch.js';
import type { LocalStack } from '../local/services/stack.js';
import { localDynamoClient } from '../local/services/clients.js';
import { ensureScoresTable } from '../local/services/tables.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN } from '../local/event-source-mapping/msk-event.js';
import { asKafkaRecords, seededRandom, silentLogger, staticDataSet, usersFrom1000 } from '../local/fixtures/index.js';
import type { Log } from './report.js';

/** Events of `users` users spread over `days` days, scored in batches as they would arrive. */
export interface ActivityPattern {
  name: string;
  users: number;
  events: number;
  days: number;
}

const DAY_MS = 86_400_000;
const WINDOW_DAYS = [0, 7, 90];

export interface ScorerRow {
  pattern: ActivityPattern;
  days: number;
  events: number;
  writes: number;
  /** Write units DynamoDB reported for the writes that succeeded (ReturnConsumedCapacity). */
  consumed: number;
  /** Writes refused by their condition: re-cuts, and items whose window sums one write could not clear. */
  refused: number;
  staleWindowUsers: number;
  lateEvents: number;
  /** The handler's time over every batch: one sample, to show what the window's wider writes cost, not a goal. */
  handlerMs: number;
}

/** Adds ReturnConsumedCapacity to every UpdateItem of this client and sums what DynamoDB reports. */
function capacityCounting(client: DynamoDBClient): { consumed: () => number; refused: () => number } {
  let consumed = 0;
  let refused = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'UpdateItemCommand') return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      try {
        const out = await next(args);
        consumed +=
          (out.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity?.CapacityUnits ?? 0;
        return out;
      } catch (err) {
        if ((err as { name?: string }).name === 'ConditionalCheckFailedException') refused++;
        throw err;
      }
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  return { consumed: () => consumed, refused: () => refused };
}

export async function scorerRows(
  stack: LocalStack,
  pattern: ActivityPattern,
  batchSize: number,
  log: Log,
): Promise<ScorerRow[]> {
  const kafka: KafkaSettings = {
    brokers: stack.kafkaBrokers.split(','),
    clientId: 'bench-trending',
    ssl: false,
    sasl: 'none',
  };
  const deadLetters = new LazyProducer(createKafka(kafka));
  const o = pattern;
  const rows = [...staticDataSet(o.events, usersFrom1000(o.users), seededRandom(61))];
  // The events as they would arrive: oldest first over the days, each batch scored a minute after its newest event.
  const until = Date.now();
  const records = asKafkaRecords(rows, {
    topic: 'activity',
    partitions: 4,
    firstTimestamp: until - o.days * DAY_MS,
    stepMs: (o.days * DAY_MS) / o.events,
  });
  const stamp = Date.now().toString(36);
  const out: ScorerRow[] = [];
  try {
    for (const days of WINDOW_DAYS) {
      const dynamo = localDynamoClient(stack.dynamoEndpoint);
      const capacity = capacityCounting(dynamo);
      const table = `bench-trending-scorer-${pattern.name}-${days}-${stamp}`;
      await ensureScoresTable(dynamo, table);
      let now = 0;
      const config: ScorerConfig = {
        scoresTable: table,
        weights: DEFAULT_SCORE_WEIGHTS,
        dlqTopic: 'activity-dlq',
        writeConcurrency: 32,
        kafka,
        trendingDays: days,
      };
      const handle = createScoreHandler({ config, dynamo, deadLetters, now: () => now }, silentLogger);
      const row: ScorerRow = {
        pattern,
        days,
        events: 0,
        writes: 0,
        consumed: 0,
        refused: 0,
        staleWindowUsers: 0,
        lateEvents: 0,
        handlerMs: 0,
      };
      for (let i = 0; i < records.length; i += batchSize) {
        const batch = records.slice(i, i + batchSize);
        now = batch.at(-1)!.timestamp! + 60_000;
        const event = buildMskEvent(batch, { eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: stack.kafkaBrokers });
        const started = performance.now();
        const summary = await handle(event);
        row.handlerMs += performance.now() - started;
        row.events += summary.accepted;
        row.writes += summary.writes;
        row.staleWindowUsers += summary.staleWindowUsers;
        row.lateEvents += summary.lateEvents;
      }
      row.consumed = capacity.consumed();
      row.refused = capacity.refused();
      dynamo.destroy();
      out.push(row);
      log(
        `trending: scorer, ${pattern.name}, TRENDING_DAYS=${days}: ${(row.writes / row.events).toFixed(3)} writes/event, ${(row.consumed / row.events).toFixed(3)} write units/event`,
      );
    }
  } finally {
    await deadLetters.disconnect();
  }
  return out;
}
