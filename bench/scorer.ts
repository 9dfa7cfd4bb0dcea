// Scorer throughput: the handler alone and the whole local path (broker -> stand-in -> handler ->
// DynamoDB Local), each bracketed by raw UpdateItem/s samples from the same client, same run.
import { ensureTopicsOn } from '../local/services/kafka-topics.js';
import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MSKEvent } from 'aws-lambda';
import { DEFAULT_SCORE_WEIGHTS, type KafkaSettings, type ScorerConfig } from '../lib/core/config.js';
import { createKafka } from '../lib/adapters/kafka-client.js';
import { LazyProducer } from '../lib/adapters/producer.js';
import { createScoreHandler, type BatchSummary } from '../lib/score-batch.js';
import { mapWithConcurrency } from '../lib/core/concurrency.js';
import { scanScores } from '../lib/adapters/scan.js';
import { SCORE_ATTRIBUTE, USER_KEY } from '../lib/adapters/score-item.js';
import type { LocalStack } from '../local/services/stack.js';
import { localDynamoClient } from '../local/services/clients.js';
import { ensureScoresTable } from '../local/services/tables.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN } from '../local/event-source-mapping/msk-event.js';
import { connectActivityProducer } from '../local/generators/generate.js';
import { startEventSourceMapping } from '../local/event-source-mapping/mapping.js';
import {
  activityMessage,
  type ActivityRow,
  asKafkaRecords,
  seededRandom,
  silentLogger,
  staticDataSet,
  usersFrom1000,
  type UserShape,
} from '../local/fixtures/index.js';
import { barChartSvg } from './svg-plot.js';
import { count, median, ratio, type Log, type Section } from './report.js';

export interface ScorerBenchOptions {
  /** Events per configuration (shape x batch size x path). */
  events: number;
  users: number;
  batchSizes: number[];
  /** Writes in flight: the scorer's WRITE_CONCURRENCY default, used for the raw replay too. */
  concurrency: number;
}

interface Measurement {
  shape: UserShape;
  batchSize: number;
  path: 'handler alone' | 'whole path';
  events: number;
  invocations: number;
  writes: number;
  seconds: number;
  /** UpdateItem/s of the raw replay of the same per-batch deltas, taking turns with the handler batch by batch. */
  raw: number;
  exact: boolean;
}

const PARTITIONS = 4;
const SHAPES: UserShape[] = ['uniform', 'skewed'];

/**
 * The raw limit for one batch: the same per-user deltas written as plain unconditional ADDs (no
 * offsets, no condition), same keys, same requests in flight. Returns the writes sent.
 */
export async function rawReplay(client: DynamoDBClient, table: string, deltas: ReadonlyMap<number, number>, concurrency: number): Promise<number> {
  await mapWithConcurrency(deltas, concurrency, async ([userId, delta]) => {
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { [USER_KEY]: { S: String(userId) } },
        UpdateExpression: 'ADD #s :d',
        ExpressionAttributeNames: { '#s': SCORE_ATTRIBUTE },
        ExpressionAttributeValues: { ':d': { N: String(delta) } },
      }),
    );
  });
  return deltas.size;
}

/** `count` seeded events of `users` users drawn with the given shape. */
function activityEvents(count: number, users: number, shape: UserShape, seed: number): ActivityRow[] {
  return [...staticDataSet(count, usersFrom1000(users), seededRandom(seed), shape)];
}

/** Distinct users among the events: the fewest writes any batching could reach. */
function distinctUsers(events: readonly ActivityRow[]): number {
  return new Set(events.map((e) => e.userId)).size;
}

/** Each batch's events summed per user, as the raw replay writes them. */
function deltasPerBatch(events: readonly ActivityRow[], batchSize: number): Map<number, number>[] {
  const batches: Map<number, number>[] = [];
  for (let i = 0; i < events.length; i += batchSize) {
    const deltas = new Map<number, number>();
    for (const e of events.slice(i, i + batchSize)) deltas.set(e.userId, (deltas.get(e.userId) ?? 0) + DEFAULT_SCORE_WEIGHTS[e.activity]!);
    batches.push(deltas);
  }
  return batches;
}

function expectedTotal(events: readonly ActivityRow[]): number {
  return events.reduce((sum, e) => sum + DEFAULT_SCORE_WEIGHTS[e.activity]!, 0);
}

async function tableTotal(client: DynamoDBClient, table: string): Promise<number> {
  let total = 0;
  await scanScores(client, table, 4, (_, page) => {
    for (const s of page.scores) total += s;
  });
  return total;
}

export async function benchScorer(stack: LocalStack, options: ScorerBenchOptions, log: Log): Promise<Section> {
  const kafka: KafkaSettings = { brokers: stack.kafkaBrokers.split(','), clientId: 'bench-scorer', ssl: false, sasl: 'none' };
  const kafkaClient = createKafka(kafka);
  const dynamo = localDynamoClient(stack.dynamoEndpoint);
  const deadLetters = new LazyProducer(kafkaClient);
  const stamp = Date.now().toString(36);
  const { users, concurrency } = options;
  const results: Measurement[] = [];

  const freshTable = async (name: string) => {
    const table = `bench-${name}-${stamp}`;
    await ensureScoresTable(dynamo, table);
    return table;
  };
  const handlerFor = (table: string) => {
    const config: ScorerConfig = { scoresTable: table, weights: DEFAULT_SCORE_WEIGHTS, dlqTopic: 'activity-dlq', writeConcurrency: concurrency, kafka };
    return createScoreHandler({ config, dynamo, deadLetters }, silentLogger);
  };

  const producer = await connectActivityProducer(kafkaClient);
  try {
    log('scorer: warming the JVM and the connection pool');
    const warmUp = await freshTable('warm-up');
    for (const deltas of deltasPerBatch(activityEvents(3_000, users, 'uniform', 99), 1_000)) await rawReplay(dynamo, warmUp, deltas, concurrency);
    for (const shape of SHAPES) {
      for (const batchSize of options.batchSizes) {
        const name = `${shape}-${batchSize}`;
        // At least one full batch, so the largest batch size is really exercised.
        const events = activityEvents(Math.max(options.events, batchSize), users, shape, batchSize + (shape === 'uniform' ? 1 : 2));
        const deltas = deltasPerBatch(events, batchSize);

        // Handler alone: the MSK events are built first, so only the handler's own work is timed.
        const records = asKafkaRecords(events, { topic: `activity-${stamp}`, partitions: PARTITIONS });
        const batches: MSKEvent[] = [];
        for (let i = 0; i < records.length; i += batchSize) {
          batches.push(buildMskEvent(records.slice(i, i + batchSize), { eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: stack.kafkaBrokers }));
        }
        const table = await freshTable(`alone-${name}`);
        const rawTable = await freshTable(`raw-${name}`);
        const handle = handlerFor(table);
        // Raw and handler take turns batch by batch, so load from other work lands on both alike.
        let writes = 0;
        let rawWrites = 0;
        let handlerMs = 0;
        let rawMs = 0;
        for (let i = 0; i < batches.length; i++) {
          const raw = async () => {
            const started = performance.now();
            rawWrites += await rawReplay(dynamo, rawTable, deltas[i]!, concurrency);
            rawMs += performance.now() - started;
          };
          const handler = async () => {
            const started = performance.now();
            writes += (await handle(batches[i]!)).writes;
            handlerMs += performance.now() - started;
          };
          // Rows alternate too, so even a one-batch row does not always hand the raw side the colder start.
          if ((i + results.length / 2) % 2 === 0) {
            await raw();
            await handler();
          } else {
            await handler();
            await raw();
          }
        }
        const seconds = handlerMs / 1000;
        const raw = rawWrites / (rawMs / 1000);
        const exact = (await tableTotal(dynamo, table)) === expectedTotal(events);
        results.push({ shape, batchSize, path: 'handler alone', events: events.length, invocations: batches.length, writes, seconds, raw, exact });
        log(
          `scorer: ${shape}, batch ${batchSize}: raw ${count(raw)} UpdateItem/s; handler alone ${count(writes / seconds)} UpdateItem/s, ${count(events.length / seconds)} events/s`,
        );

        results.push(await wholePath(name, shape, batchSize, events, raw));
      }
    }
  } finally {
    await producer.close();
    await deadLetters.disconnect();
    dynamo.destroy();
  }
  return scorerSection(results, options);

  async function wholePath(name: string, shape: UserShape, batchSize: number, events: ActivityRow[], raw: number): Promise<Measurement> {
    const topic = `bench-path-${name}-${stamp}`;
    await ensureTopicsOn(stack.kafkaBrokers, [{ topic, partitions: PARTITIONS }]);
    for (let i = 0; i < events.length; i += 10_000) {
      await producer.send(topic, events.slice(i, i + 10_000).map(activityMessage));
    }
    const table = await freshTable(`path-${name}`);
    const handle = handlerFor(table);
    let firstInvoke: number | undefined;
    let writes = 0;
    const mapping = await startEventSourceMapping({
      kafka,
      topic,
      groupId: `bench-${topic}`,
      batchSize,
      invoke: async (event) => {
        firstInvoke ??= performance.now();
        const summary: BatchSummary = await handle(event);
        writes += summary.writes;
        return summary;
      },
    });
    // Timed from the first invocation to the last commit: the consumer group's join is left out.
    await mapping.caughtUp(20);
    const seconds = (performance.now() - (firstInvoke ?? performance.now())) / 1000;
    const { invocations, failedInvocations } = mapping.stats();
    await mapping.stop();
    if (failedInvocations > 0) log(`scorer: ${failedInvocations} failed invocations on the whole path (${name})`);
    const exact = (await tableTotal(dynamo, table)) === expectedTotal(events);
    log(`scorer: ${shape}, batch ${batchSize}: whole path ${count(events.length / seconds)} events/s in ${invocations} invocations`);
    return { shape, batchSize, path: 'whole path', events: events.length, invocations, writes, seconds, raw, exact };
  }
}

function scorerSection(results: Measurement[], options: ScorerBenchOptions): Section {
  const rawOf = (m: Measurement) => m.raw;
  const rows = results.map((m) => {
    const writeRate = m.writes / m.seconds;
    return [
      `${m.shape}, batch ${count(m.batchSize)}`,
      m.path,
      count(m.events),
      count(m.invocations),
      (m.writes / m.events).toFixed(3),
      count(m.events / m.seconds),
      count(writeRate),
      count(rawOf(m)),
      ratio(writeRate / rawOf(m)),
      m.exact ? 'yes' : '**NO**',
    ];
  });
  const alone = results.filter((m) => m.path === 'handler alone');
  const worst = alone.reduce((a, b) => (b.writes / b.seconds / rawOf(b) < a.writes / a.seconds / rawOf(a) ? b : a));
  const worstRatio = worst.writes / worst.seconds / rawOf(worst);
  const ratios = alone.map((m) => m.writes / m.seconds / rawOf(m));
  const rawMedian = median(results.filter((m) => m.path === 'handler alone').map(rawOf));
  const series = (shape: UserShape, path: Measurement['path']) => ({
    name: `${path}, ${shape}`,
    values: options.batchSizes.map((b) => {
      const m = results.find((r) => r.shape === shape && r.path === path && r.batchSize === b);
      return m ? m.events / m.seconds : NaN;
    }),
  });
  const exampleDistinct = distinctUsers(activityEvents(Math.min(10_000, options.events), options.users, 'skewed', 7));

  return {
    title: 'Scorer',
    method: [
      `${count(options.events)} events per row (at least one full batch) over ${count(options.users)} users, weights 1 to 3; uniform users (the seed's shape) and skewed users (Zipf, s = 1: ` +
        `${count(exampleDistinct)} distinct users in ${count(Math.min(10_000, options.events))} events). Each row writes a fresh table; "exact" checks the table's total against plain arithmetic.`,
      `*Handler alone*: \`createScoreHandler\` called with pre-built MSK events one after another (one invocation in flight). *Whole path*: the events produced to a ${PARTITIONS}-partition topic, ` +
        'then the stand-in (`local/event-source-mapping/mapping.ts`, 0.5 s batching window) feeds the same handler; timed from its first invocation to its last commit, so the consumer group join is left out. ' +
        `Its ${PARTITIONS} partitions are ${PARTITIONS} lanes in flight at once, as AWS runs one invocation per partition.`,
      `*Raw*: the same per-batch user deltas written as plain unconditional \`ADD score :d\` UpdateItems (no offsets, no condition) into a fresh table, ` +
        `with the same client (keep-alive, 64 sockets) and the same ${options.concurrency} requests in flight, taking turns with the handler batch by batch (alternating which goes first), ` +
        `so load from other work on the machine lands on both alike: the per-user write rate the scorer cannot beat. Median over rows: ${count(rawMedian)} UpdateItem/s. ` +
        'Whole-path rows are set against the raw rate of their handler row.',
    ],
    header: [
      'users, batch size',
      'path',
      'events',
      'invocations',
      'writes/event',
      'events/s',
      'UpdateItem/s',
      'raw UpdateItem/s (same writes)',
      'UpdateItem/s vs raw',
      'exact',
    ],
    rows,
    notes: [
      'The scorer writes once per distinct user per batch, so events/s = UpdateItem/s ÷ writes/event: bigger batches and skewed users raise events/s at the same write rate.',
      `Whole path with ${PARTITIONS} partitions: a batch never spans partitions, so a batch size above the records a partition holds yields smaller batches than asked.`,
    ],
    plots: [
      {
        file: 'scorer-throughput.svg',
        title: 'Scorer events/s by batch size, next to raw UpdateItem/s',
        svg: barChartSvg({
          title: 'Scorer events/s by batch size (DynamoDB Local)',
          categories: options.batchSizes.map((b) => `batch ${count(b)}`),
          series: [series('uniform', 'handler alone'), series('skewed', 'handler alone'), series('uniform', 'whole path'), series('skewed', 'whole path')],
          yLabel: 'events/s',
          references: [{ label: 'raw UpdateItem/s (median of rows)', value: rawMedian }],
          labelBars: true,
        }),
      },
      {
        file: 'scorer-vs-raw.svg',
        title: 'Scorer UpdateItem/s as a share of the raw replay of the same writes',
        svg: barChartSvg({
          title: 'Scorer UpdateItem/s ÷ raw UpdateItem/s of the same per-batch writes',
          categories: alone.map((m) => `${m.shape}, ${count(m.batchSize)}`),
          series: (['handler alone', 'whole path'] as const).map((path) => ({
            name: path,
            values: alone.map((a) => {
              const m = results.find((r) => r.path === path && r.shape === a.shape && r.batchSize === a.batchSize);
              return m ? m.writes / m.seconds / rawOf(m) : NaN;
            }),
          })),
          yLabel: 'ratio',
          references: [{ label: 'goal for the handler', value: 0.9 }],
          labelBars: true,
        }),
      },
    ],
    goals: [
      {
        claim: 'Scorer handler UpdateItem/s vs raw per-user write rate',
        goal: '>= 0.90x',
        measured: `${ratio(Math.min(...ratios))} to ${ratio(Math.max(...ratios))} (worst: ${worst.shape}, batch ${count(worst.batchSize)})`,
        met: worstRatio >= 0.9,
      },
    ],
  };
}
