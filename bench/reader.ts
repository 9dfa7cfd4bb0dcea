// The consumers' reader (findLatestCompleteRun) on topics holding few and many runs, next to the raw
// fetch rate of the same broker: a call should cost about one run, however many the topic holds.
import { randomUUID } from 'node:crypto';
import type { LocalStack } from '../local/services/stack.js';
import { ensureTopicsOn } from '../local/services/kafka-topics.js';
import { plainKafka, type KafkaClients } from '../lib/adapters/kafka-client.js';
import { toClientMessage } from '../lib/adapters/kafka-messages.js';
import { PartitionFetcher } from '../lib/adapters/partition-fetch.js';
import { findLatestCompleteRun, type RunSearch } from '../lib/adapters/popular-reader.js';
import {
  popularUserMessage,
  runEndMessage,
  runKey,
  POPULAR_KEY_PREFIX,
  type PopularRun,
} from '../lib/core/popular-run.js';
import { batchBytes } from '../lib/core/record-size.js';
import type { OutgoingMessage } from '../lib/core/kafka-message.js';
import { count, median, ms, ratio, type GoalCheck, type Log, type Section } from './report.js';
import { atMost, measured, pairedRatios } from './measured.js';

export interface ReaderBenchOptions {
  /** Runs on each topic, e.g. [10, 300]. */
  runs: number[];
  /** Users per run. */
  users: number;
  /** Calls timed per topic; the median is shown. */
  calls: number;
}

const SOURCE = 'popular-users-bench-popular';
/** Runs every five minutes, as deployed; each run's messages stamped a few seconds after it started. */
const PERIOD_MS = 5 * 60_000;
const FILL_REQUEST_BYTES = 1_000_000;
const FILL_IN_FLIGHT = 4;

interface Row {
  runs: number;
  messages: number;
  fillSeconds: number;
  search: RunSearch;
  callMs: number[];
  /** A bare fetch loop reading the same number of messages from the same topic. */
  rawMs: number;
}

/** Fills a topic with `runs` complete runs of `users` users, as the job publishes them, oldest first. */
async function fillTopic(kafka: KafkaClients, topic: string, runs: number, users: number, log: Log): Promise<void> {
  const producer = await kafka.producer({ idempotent: false, acks: 1 });
  try {
    const values = Array.from({ length: users }, (_, i) => ({
      userId: `user-${String(i).padStart(8, '0')}`,
      score: 10_000 + i,
    }));
    const first = Date.now() - (runs + 1) * PERIOD_MS;
    for (let r = 0; r < runs; r++) {
      const startedAt = new Date(first + r * PERIOD_MS);
      const run: PopularRun = {
        runId: randomUUID(),
        key: runKey(POPULAR_KEY_PREFIX, startedAt),
        startedAt,
        percentile: 95,
        source: SOURCE,
      };
      const timestamp = startedAt.getTime() + 5_000;
      const messages: OutgoingMessage[] = values.map((u) => ({ ...popularUserMessage(u, run, 9_999), timestamp }));
      messages.push({ ...runEndMessage(run, { count: users, cutoff: 9_999, usersScanned: users * 20 }), timestamp });
      const perRequest = Math.max(1, Math.floor(FILL_REQUEST_BYTES / (batchBytes(messages.slice(0, 100)) / 100)));
      const requests: OutgoingMessage[][] = [];
      for (let i = 0; i < messages.length; i += perRequest) requests.push(messages.slice(i, i + perRequest));
      // The marker goes last, after every user is written, as the job sends it.
      const marker = requests.at(-1)!.pop()!;
      let next = 0;
      await Promise.all(
        Array.from({ length: FILL_IN_FLIGHT }, async () => {
          while (next < requests.length) {
            const request = requests[next++]!;
            if (request.length > 0) await producer.send({ messages: request.map((m) => toClientMessage(topic, m)) });
          }
        }),
      );
      await producer.send({ messages: [toClientMessage(topic, marker)] });
      if ((r + 1) % 50 === 0) log(`reader: ${r + 1} of ${runs} runs written`);
    }
  } finally {
    await producer.close();
  }
}

/**
 * Milliseconds a bare fetch loop takes to read `messages` records ending at the topic's end: the broker's raw rate
 * here.
 */
async function rawRead(kafka: KafkaClients, topic: string, messages: number): Promise<number> {
  const fetcher = await PartitionFetcher.open(kafka, topic);
  try {
    const [bounds] = await fetcher.bounds();
    const started = performance.now();
    let read = 0;
    await fetcher.read(0, Math.max(bounds!.start, bounds!.end - messages), bounds!.end, () => read++);
    return performance.now() - started;
  } finally {
    await fetcher.close();
  }
}

export async function benchReader(stack: LocalStack, options: ReaderBenchOptions, log: Log): Promise<Section> {
  const kafka = plainKafka(stack.kafkaBrokers, 'bench-reader');
  const rows: Row[] = [];
  for (const runs of options.runs) {
    const topic = `bench-runs-${runs}-${randomUUID().slice(0, 8)}`;
    // As `npm run topics` makes popular_users: one partition.
    await ensureTopicsOn(stack.kafkaBrokers, [{ topic, partitions: 1 }]);
    log(
      `reader: writing ${count(runs)} runs of ${count(options.users)} users (${count(runs * (options.users + 1))} messages)`,
    );
    const fillStarted = performance.now();
    await fillTopic(kafka, topic, runs, options.users, log);
    const fillSeconds = (performance.now() - fillStarted) / 1000;

    log(`reader: ${options.calls} calls on ${count(runs)} runs`);
    const callMs: number[] = [];
    let search: RunSearch | undefined;
    for (let c = 0; c < options.calls; c++) {
      const started = performance.now();
      search = await findLatestCompleteRun(kafka, topic, { source: SOURCE, timeoutMs: 600_000 });
      callMs.push(performance.now() - started);
      if (search.run?.count !== options.users)
        throw new Error(`the reader found ${search.run?.count ?? 'no'} users, not ${options.users}`);
    }
    const raw: number[] = [];
    for (let c = 0; c < 3; c++) raw.push(await rawRead(kafka, topic, search!.messagesRead));
    const rawMs = median(raw);
    rows.push({ runs, messages: runs * (options.users + 1), fillSeconds, search: search!, callMs, rawMs });
  }

  const few = rows[0]!;
  const many = rows.at(-1)!;
  const rate = (row: Row) => row.search.messagesRead / (row.rawMs / 1000);
  // Each call on the many-runs topic paired with one on the few-runs topic: one sample of the ratio.
  const goals: GoalCheck[] = [
    {
      claim: `Reader call on ${count(many.runs)} runs vs on ${count(few.runs)} runs (${count(options.users)} users each)`,
      goal: atMost(1.5, ratio),
      measured: measured(pairedRatios(many.callMs, few.callMs)),
      note: `${ms(median(many.callMs))} vs ${ms(median(few.callMs))}`,
    },
    {
      claim: `Messages a reader call reads, ${count(many.runs)} runs of ${count(options.users)} users`,
      // The same on every call: what the broker holds decides it, not timing.
      goal: atMost(2 * (options.users + 1), count),
      measured: measured([many.search.messagesRead]),
      note: `of ${count(many.messages)} on the topic`,
    },
  ];
  return {
    title: 'Reader: the latest complete run',
    method: [
      `Topics of one partition (as \`npm run topics\` makes \`popular_users\`) holding ${options.runs.map(count).join(' and ')} complete runs of ${count(options.users)} users, written as the job writes them ` +
        `and stamped five minutes apart. *Call*: \`findLatestCompleteRun\` (lib/adapters/popular-reader.ts) with the trusted source, median of ${options.calls} calls, each a fresh client: ` +
        "metadata, offsets, the steps back from the end, the time-index check, decoding and collecting. *Raw*: a bare fetch loop (`PartitionFetcher.read`, no decoding) over the same number of messages at the end of the same topic, the broker's rate here. " +
        '*Whole topic at the raw rate*: what a reader that reads everything would take at best.',
    ],
    header: [
      'runs on the topic',
      'messages on the topic',
      'call (median)',
      'messages read',
      'fetches',
      'raw read of those messages',
      'call vs raw',
      'whole topic at the raw rate',
    ],
    rows: rows.map((row) => [
      count(row.runs),
      count(row.messages),
      `${ms(median(row.callMs))} (${row.callMs.map((m) => Math.round(m)).join(', ')})`,
      count(row.search.messagesRead),
      count(row.search.fetches),
      `${ms(row.rawMs)} (${count(rate(row))}/s)`,
      ratio(median(row.callMs) / row.rawMs),
      ms((row.messages / rate(row)) * 1000),
    ]),
    notes: [
      `Writing the topics took ${rows.map((r) => `${r.fillSeconds.toFixed(0)} s`).join(' and ')} (a plain producer, acks=1, ${FILL_IN_FLIGHT} requests in flight); not part of any figure.`,
      'A call reads what was published since the latest complete run started, and the request it starts inside: about one run, whatever the retention holds.',
    ],
    plots: [],
    goals,
  };
}
