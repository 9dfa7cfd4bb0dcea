// Scorer throughput: the handler alone and the whole local path (broker -> stand-in -> handler ->
// DynamoDB Local), each bracketed by raw UpdateItem/s samples from the same client, same run.
import { ensureTopicsOn } from '../local/services/kafka-topics.js';
import type { MSKEvent } from 'aws-lambda';
import { DEFAULT_SCORE_WEIGHTS, type KafkaSettings, type ScorerConfig } from '../lib/core/config.js';
import { createKafka } from '../lib/adapters/kafka-client.js';
import { LazyProducer } from '../lib/adapters/producer.js';
import { createScoreHandler, type BatchSummary } from '../lib/score-batch.js';
import type { LocalStack } from '../local/services/stack.js';
import { localDynamoClient } from '../local/services/clients.js';
import { ensureScoresTable } from '../local/services/tables.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN } from '../local/event-source-mapping/msk-event.js';
import { connectActivityProducer } from '../local/generators/generate.js';
import { startEventSourceMapping } from '../local/event-source-mapping/mapping.js';
import {
  activityMessage,
  asKafkaRecords,
  silentLogger,
  type ActivityRow,
  type UserShape,
} from '../local/fixtures/index.js';
import { count as countText, ratio, type Log, type Section } from './report.js';
import { formatMeasured, measured, pairedRatios, type Measured } from './measured.js';
import { scorerSection } from './scorer-report.js';
import {
  activityEvents,
  bodyBytes,
  deltasPerBatch,
  distinctUsers,
  expectedTotal,
  ownReplay,
  ownRequests,
  plainAdd,
  rawReplay,
  tableTotal,
} from './scorer-replay.js';

export interface ScorerBenchOptions {
  /** Events per row at the least; a row also runs at least `minInvocations` full batches. */
  events: number;
  /** Invocations per row at the least: each is one paired sample of the handler vs its raw replay. */
  minInvocations: number;
  users: number;
  batchSizes: number[];
  /** Writes in flight: the scorer's WRITE_CONCURRENCY default, used for the raw replay too. */
  concurrency: number;
}

export interface ScorerMeasurement {
  shape: UserShape;
  batchSize: number;
  path: 'handler alone' | 'whole path';
  events: number;
  invocations: number;
  writes: number;
  seconds: number;
  /** UpdateItem/s of the raw replay of the same per-batch deltas, taking turns with the handler batch by batch. */
  raw: number;
  /**
   * Handler UpdateItem/s ÷ raw UpdateItem/s: per invocation pair (handler alone), or the one timed run over each raw
   * batch (whole path).
   */
  vsRaw: Measured;
  /** UpdateItem/s of each raw batch. */
  rawRates: number[];
  /**
   * The floor (handler alone only): the handler's own requests replayed bare, in the same turns. `own` is its
   * UpdateItem/s, `vsOwn` handler ÷ own replay (what our code costs), `ownVsRaw` own replay ÷ plain raw (what the
   * exactly-once request costs), each per batch.
   */
  floor?: {
    own: number;
    vsOwn: Measured;
    ownVsRaw: Measured;
    rawBytes: number;
    ownBytes: number;
    rawCpuMsPerWrite: number;
    ownCpuMsPerWrite: number;
  };
  /** CPU time of this process per UpdateItem while the handler ran (handler alone only). */
  cpuMsPerWrite?: number;
  exact: boolean;
}

const PARTITIONS = 4;
const SHAPES: UserShape[] = ['uniform', 'skewed'];

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export async function benchScorer(stack: LocalStack, options: ScorerBenchOptions, log: Log): Promise<Section> {
  const kafka: KafkaSettings = {
    brokers: stack.kafkaBrokers.split(','),
    clientId: 'bench-scorer',
    ssl: false,
    sasl: 'none',
  };
  const kafkaClient = createKafka(kafka);
  const dynamo = localDynamoClient(stack.dynamoEndpoint);
  const deadLetters = new LazyProducer(kafkaClient);
  const stamp = Date.now().toString(36);
  const { users, concurrency } = options;
  const results: ScorerMeasurement[] = [];

  const freshTable = async (name: string) => {
    const table = `bench-${name}-${stamp}`;
    await ensureScoresTable(dynamo, table);
    return table;
  };
  const handlerFor = (table: string) => {
    const config: ScorerConfig = {
      scoresTable: table,
      weights: DEFAULT_SCORE_WEIGHTS,
      dlqTopic: 'activity-dlq',
      writeConcurrency: concurrency,
      kafka,
    };
    return createScoreHandler({ config, dynamo, deadLetters }, silentLogger);
  };

  const producer = await connectActivityProducer(kafkaClient);
  try {
    log('scorer: warming the JVM and the connection pool');
    const warmUp = await freshTable('warm-up');
    for (const deltas of deltasPerBatch(activityEvents(3_000, users, 'uniform', 99), 1_000))
      await rawReplay(dynamo, warmUp, deltas, concurrency);
    for (const shape of SHAPES) {
      for (const batchSize of options.batchSizes) {
        const name = `${shape}-${batchSize}`;
        const count = Math.max(options.events, options.minInvocations * batchSize);
        const events = activityEvents(count, users, shape, batchSize + (shape === 'uniform' ? 1 : 2));
        const alone = await handlerAlone(name, shape, batchSize, events);
        results.push(alone);
        log(
          `scorer: ${shape}, batch ${batchSize}: ${alone.invocations} invocations, raw ${countText(alone.raw)} UpdateItem/s; handler alone ${countText(alone.writes / alone.seconds)} UpdateItem/s, ` +
            `${countText(alone.events / alone.seconds)} events/s; vs raw ${formatMeasured(alone.vsRaw, ratio)}; ` +
            `own requests ${countText(alone.floor!.own)} UpdateItem/s, handler vs own ${formatMeasured(alone.floor!.vsOwn, ratio)}, own vs raw ${formatMeasured(alone.floor!.ownVsRaw, ratio)}`,
        );
        results.push(await wholePath(name, shape, batchSize, events, alone));
      }
    }
  } finally {
    await producer.close();
    await deadLetters.disconnect();
    dynamo.destroy();
  }
  const skewEvents = Math.min(10_000, options.events);
  return scorerSection(results, options, {
    events: skewEvents,
    distinct: distinctUsers(activityEvents(skewEvents, users, 'skewed', 7)),
  });

  async function handlerAlone(
    name: string,
    shape: UserShape,
    batchSize: number,
    events: ActivityRow[],
  ): Promise<ScorerMeasurement> {
    const deltas = deltasPerBatch(events, batchSize);
    // The MSK events are built first, so only the handler's own work is timed.
    const records = asKafkaRecords(events, { topic: `activity-${stamp}`, partitions: PARTITIONS });
    const batches: MSKEvent[] = [];
    for (let i = 0; i < records.length; i += batchSize) {
      batches.push(
        buildMskEvent(records.slice(i, i + batchSize), {
          eventSourceArn: LOCAL_CLUSTER_ARN,
          bootstrapServers: stack.kafkaBrokers,
        }),
      );
    }
    const table = await freshTable(`alone-${name}`);
    const rawTable = await freshTable(`raw-${name}`);
    const ownTable = await freshTable(`own-${name}`);
    const handle = handlerFor(table);
    // Raw, own replay and handler take turns batch by batch, so load from other work lands on all
    // alike; each turn is one paired sample of each ratio.
    const rates = { handler: [] as number[], raw: [] as number[], own: [] as number[] };
    const sent = { handler: 0, raw: 0, own: 0 };
    const took = { handler: 0, raw: 0, own: 0 };
    // This process's CPU per side: what the client spends on each request shape, apart from DynamoDB Local's share.
    const cpu = { handler: 0, raw: 0, own: 0 };
    const timed = async (side: keyof typeof rates, write: () => Promise<number>) => {
      const cpuBefore = cpuMs();
      const started = performance.now();
      const writes = await write();
      const ms = performance.now() - started;
      cpu[side] += cpuMs() - cpuBefore;
      sent[side] += writes;
      took[side] += ms;
      rates[side].push(writes / (ms / 1000));
    };
    const bytes = { raw: 0, own: 0 };
    for (let i = 0; i < batches.length; i++) {
      // The handler's own requests for this batch, built before its turns by the lib code the handler builds them with
      // (one batch at a time: at batch 10,000 all of them at once would hold hundreds of MB).
      const requests = ownRequests(batches[i]!, ownTable, DEFAULT_SCORE_WEIGHTS);
      bytes.own += bodyBytes(requests);
      bytes.raw += bodyBytes([...deltas[i]!].map(([user, delta]) => plainAdd(rawTable, user, delta)));
      const turns = [
        () => timed('raw', () => rawReplay(dynamo, rawTable, deltas[i]!, concurrency)),
        () => timed('own', () => ownReplay(dynamo, requests, concurrency)),
        () => timed('handler', async () => (await handle(batches[i]!)).writes),
      ];
      // Which goes first rotates by batch and by row, so no side always gets the colder start.
      const first = (i + results.length / 2) % turns.length;
      for (let t = 0; t < turns.length; t++) await turns[(first + t) % turns.length]!();
    }
    if (sent.own !== sent.handler)
      throw new Error(`scorer bench: the own replay sent ${sent.own} writes, the handler ${sent.handler} (${name})`);
    const exact =
      (await tableTotal(dynamo, table)) === expectedTotal(events) &&
      (await tableTotal(dynamo, ownTable)) === expectedTotal(events);
    const writes = sent.handler;
    return {
      shape,
      batchSize,
      path: 'handler alone',
      events: events.length,
      invocations: batches.length,
      writes,
      seconds: took.handler / 1000,
      raw: sent.raw / (took.raw / 1000),
      vsRaw: measured(pairedRatios(rates.handler, rates.raw)),
      rawRates: rates.raw,
      floor: {
        own: sent.own / (took.own / 1000),
        vsOwn: measured(pairedRatios(rates.handler, rates.own)),
        ownVsRaw: measured(pairedRatios(rates.own, rates.raw)),
        rawBytes: bytes.raw / sent.raw,
        ownBytes: bytes.own / sent.own,
        rawCpuMsPerWrite: cpu.raw / sent.raw,
        ownCpuMsPerWrite: cpu.own / sent.own,
      },
      cpuMsPerWrite: cpu.handler / writes,
      exact,
    };
  }

  async function wholePath(
    name: string,
    shape: UserShape,
    batchSize: number,
    events: ActivityRow[],
    alone: ScorerMeasurement,
  ): Promise<ScorerMeasurement> {
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
    const rate = writes / seconds;
    log(
      `scorer: ${shape}, batch ${batchSize}: whole path ${countText(events.length / seconds)} events/s in ${invocations} invocations`,
    );
    // One timed run: its spread is that of the raw rate, batch by batch, from the handler row.
    return {
      shape,
      batchSize,
      path: 'whole path',
      events: events.length,
      invocations,
      writes,
      seconds,
      raw: alone.raw,
      vsRaw: measured(alone.rawRates.map((r) => rate / r)),
      rawRates: alone.rawRates,
      exact,
    };
  }
}
