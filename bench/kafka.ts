// The local Kafka broker's own limits on this machine, measured in the run they sit beside: how
// fast it takes and serves records, how quickly the stack starts, and what the broker's JVM holds.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Message } from 'kafkajs';
import type { LocalStack } from '../local/services/stack.js';
import { kafkaVersion } from '../local/services/kafka-broker.js';
import { ensureTopicsOn } from '../local/services/kafka-topics.js';
import { startEventSourceMapping } from '../local/esm/esm.js';
import { activityMessage, defaultPopulation, randomActivity, seededRandom } from '../local/fixtures/index.js';
import { count, mib, type Log, type Section } from './report.js';

export interface KafkaBenchOptions {
  records: number;
  /** Seconds `startLocalStack` took in this run. */
  stackStartSeconds: number;
}

const PARTITIONS = 4;
const REQUEST_RECORDS = 10_000;

/** Resident and peak resident memory of a process, from Linux's /proc. */
function processMemory(pid: number | undefined): { rss: number; peak: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

export async function benchKafka(stack: LocalStack, options: KafkaBenchOptions, log: Log): Promise<Section> {
  const kafka = new Kafka({ brokers: stack.kafkaBrokers.split(','), clientId: 'bench-kafka', logLevel: logLevel.NOTHING });
  const topic = `bench-kafka-${randomUUID().slice(0, 8)}`;
  await ensureTopicsOn(stack.kafkaBrokers, [{ topic, partitions: PARTITIONS }]);
  const population = defaultPopulation({ users: 100_000 });
  const random = seededRandom(5);
  const requests: Message[][] = [];
  for (let i = 0; i < options.records; i += REQUEST_RECORDS) {
    requests.push(Array.from({ length: Math.min(REQUEST_RECORDS, options.records - i) }, () => activityMessage(randomActivity(population, random))));
  }
  const bytes = requests.flat().reduce((n, m) => n + Buffer.byteLength(m.value as string) + Buffer.byteLength(m.key as string), 0);

  log(`kafka: producing ${count(options.records)} activity records (idempotent, acks=all, ${count(REQUEST_RECORDS)} per request, 4 in flight)`);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const produceStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < requests.length) await producer.send({ topic, acks: -1, messages: requests[next++]! });
    }),
  );
  const produceSeconds = (performance.now() - produceStarted) / 1000;
  await producer.disconnect();

  log('kafka: consuming them back with a plain consumer group');
  const consumeSeconds = await timeConsume(kafka, topic, options.records);

  log('kafka: the event source mapping stand-in, feeding a function that does nothing, 10,000-record batches');
  let delivered = 0;
  const mappingStarted = performance.now();
  const mapping = await startEventSourceMapping({
    kafka,
    bootstrapServers: stack.kafkaBrokers,
    topic,
    groupId: `bench-esm-${randomUUID().slice(0, 8)}`,
    batchSize: 10_000,
    batchingWindowMs: 50,
    invoke: async (event) => {
      for (const records of Object.values(event.records)) delivered += records.length;
    },
  });
  await mapping.caughtUp();
  const mappingSeconds = (performance.now() - mappingStarted) / 1000;
  await mapping.stop();
  if (delivered < options.records) throw new Error(`the stand-in delivered ${delivered} of ${options.records} records`);

  const memory = processMemory(stack.kafka.pid());
  const rate = (n: number, s: number) => `${count(n / s)}/s`;
  return {
    title: `Kafka: the local broker's raw limits (Apache Kafka ${kafkaVersion()}, one KRaft node)`,
    method: [
      `${count(options.records)} activity records (${mib(bytes)} of keys and values) to a ${PARTITIONS}-partition topic on the broker \`npm run stack\` starts. ` +
        'Produce: one idempotent producer, acks=all. Consume: a plain KafkaJS consumer group from the beginning. ' +
        'Stand-in: `local/esm/esm.ts` building MSK events for a function that does nothing, the ceiling of the scoring path on the Kafka side.',
    ],
    header: ['measure', 'value', 'rate'],
    rows: [
      ['local stack start (DynamoDB Local + broker + topics + table)', `${options.stackStartSeconds.toFixed(1)} s`, ''],
      [
        'produce',
        `${produceSeconds.toFixed(2)} s`,
        `${rate(options.records, produceSeconds)} records, ${(bytes / 1024 / 1024 / produceSeconds).toFixed(1)} MiB/s`,
      ],
      ['consume', `${consumeSeconds.toFixed(2)} s`, `${rate(options.records, consumeSeconds)} records`],
      ['stand-in to a no-op function', `${mappingSeconds.toFixed(2)} s`, `${rate(options.records, mappingSeconds)} records`],
      ['broker JVM resident memory now / peak', memory ? `${mib(memory.rss)} / ${mib(memory.peak)}` : 'n/a (no /proc)', 'heap capped at 512 MiB'],
    ],
    notes: ["The scorer rates in the next sections stay far below these: DynamoDB Local's conditional writes, not Kafka, bound the pipeline here."],
    plots: [],
  };
}

async function timeConsume(kafka: Kafka, topic: string, total: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-read-${randomUUID().slice(0, 8)}`, maxBytes: 32 << 20, maxBytesPerPartition: 8 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const started = performance.now();
  let read = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        read += batch.messages.length;
        if (read >= total) resolve();
      },
    });
  });
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return seconds;
}
