// The local Kafka broker's own limits on this machine, measured in the run they sit beside: how
// fast it takes and serves records through our client, how fast the dead-letter path goes, how
// quickly the stack starts, and what the broker's JVM holds.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { MessagesStreamModes } from '@platformatic/kafka';
import type { MSKRecord } from 'aws-lambda';
import type { LocalStack } from '../local/services/stack.js';
import { kafkaVersion } from '../local/services/kafka-broker.js';
import { ensureTopicsOn } from '../local/services/kafka-topics.js';
import { startEventSourceMapping } from '../local/event-source-mapping/mapping.js';
import { activityMessage, defaultPopulation, randomActivity, seededRandom } from '../local/fixtures/index.js';
import { plainKafka, type KafkaClients } from '../lib/adapters/kafka-client.js';
import { connectProducer, LazyProducer } from '../lib/adapters/producer.js';
import { DeadLetterPublisher } from '../lib/adapters/dead-letter-publisher.js';
import type { Rejection } from '../lib/core/activity.js';
import type { OutgoingMessage } from '../lib/core/kafka-message.js';
import { count, mib, type Log, type Section } from './report.js';

export interface KafkaBenchOptions {
  records: number;
  /** Rejections sent through the dead-letter path. */
  deadLetters: number;
  /** Seconds `startLocalStack` took in this run. */
  stackStartSeconds: number;
}

const PARTITIONS = 4;
const REQUEST_RECORDS = 10_000;
const IN_FLIGHT = 4;

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
  const kafka = plainKafka(stack.kafkaBrokers, 'bench-kafka');
  const topic = `bench-kafka-${randomUUID().slice(0, 8)}`;
  const dlqTopic = `bench-dlq-${randomUUID().slice(0, 8)}`;
  await ensureTopicsOn(stack.kafkaBrokers, [
    { topic, partitions: PARTITIONS },
    { topic: dlqTopic, partitions: 1 },
  ]);
  const population = defaultPopulation({ users: 100_000 });
  const random = seededRandom(5);
  const requests: OutgoingMessage[][] = [];
  for (let i = 0; i < options.records; i += REQUEST_RECORDS) {
    requests.push(
      Array.from({ length: Math.min(REQUEST_RECORDS, options.records - i) }, () =>
        activityMessage(randomActivity(population, random)),
      ),
    );
  }
  const bytes = requests
    .flat()
    .reduce((n, m) => n + Buffer.byteLength(m.value as string) + Buffer.byteLength(m.key as string), 0);

  log(
    `kafka: producing ${count(options.records)} activity records (idempotent, acks=all, ${count(REQUEST_RECORDS)} per request)`,
  );
  const producer = await connectProducer(kafka);
  const produceStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < requests.length) await producer.send(topic, requests[next++]!);
    }),
  );
  const produceSeconds = (performance.now() - produceStarted) / 1000;
  await producer.close();

  log('kafka: consuming them back with a plain consumer group');
  const consumeSeconds = await timeConsume(kafka, topic, options.records);

  log('kafka: the event source mapping stand-in, feeding a function that does nothing, 10,000-record batches');
  let delivered = 0;
  const mappingStarted = performance.now();
  const mapping = await startEventSourceMapping({
    kafka,
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

  log(`kafka: the dead-letter path, ${count(options.deadLetters)} small rejected records in batches of 1,000`);
  const deadLetterSeconds = await timeDeadLetters(kafka, dlqTopic, options.deadLetters);

  const memory = processMemory(stack.kafka.pid());
  const rate = (n: number, s: number) => `${count(n / s)}/s`;
  return {
    title: `Kafka: the local broker's raw limits (Apache Kafka ${kafkaVersion()}, one KRaft node)`,
    method: [
      `${count(options.records)} activity records (${mib(bytes)} of keys and values) to a ${PARTITIONS}-partition topic on the broker \`npm run stack\` starts, ` +
        "through the functions' client (@platformatic/kafka). " +
        `Produce: our idempotent producer (\`lib/adapters/producer.ts\`), acks=all, ${count(REQUEST_RECORDS)} records per send, ${IN_FLIGHT} callers, which it serves one send at a time. Consume: a plain consumer group's message stream from the beginning. ` +
        'Stand-in: `local/event-source-mapping/mapping.ts` building MSK events for a function that does nothing, the ceiling of the scoring path on the Kafka side. ' +
        `Dead letters: \`DeadLetterPublisher\` (the scorer's own path, one publisher per container: the topic's limit read once, requests sized to it, each acknowledged before the next) for ${count(options.deadLetters)} rejected 50-byte records with two headers, 1,000 per call.`,
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
      [
        'stand-in to a no-op function',
        `${mappingSeconds.toFixed(2)} s`,
        `${rate(options.records, mappingSeconds)} records`,
      ],
      [
        'dead letters (DeadLetterPublisher)',
        `${deadLetterSeconds.toFixed(2)} s`,
        `${rate(options.deadLetters, deadLetterSeconds)} records`,
      ],
      [
        'broker JVM resident memory now / peak',
        memory ? `${mib(memory.rss)} / ${mib(memory.peak)}` : 'n/a (no /proc)',
        'heap capped at 512 MiB',
      ],
    ],
    notes: [
      "The scorer rates in the next sections stay far below these: DynamoDB Local's conditional writes, not Kafka, bound the pipeline here.",
    ],
    plots: [],
    figures: [
      {
        id: 'kafka.bytes-per-record',
        value: bytes / options.records,
        unit: 'bytes of key and value per activity record',
        row: 'Kafka › produce',
      },
    ],
  };
}

/** Seconds for a fresh consumer group to read `total` records from the start (joining the group included). */
async function timeConsume(kafka: KafkaClients, topic: string, total: number): Promise<number> {
  let failed: ((error: Error) => void) | undefined;
  const consumer = await kafka.consumer(
    { groupId: `bench-read-${randomUUID().slice(0, 8)}`, maxBytes: 32 << 20, maxBytesPerPartition: 8 << 20 },
    (error) => failed?.(error),
  );
  try {
    const started = performance.now();
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    let read = 0;
    await new Promise<void>((resolve, reject) => {
      failed = reject;
      stream.on('error', reject);
      stream.on('data', () => {
        if (++read === total) resolve();
      });
    });
    return (performance.now() - started) / 1000;
  } finally {
    await consumer.close(true);
  }
}

/** Seconds the dead-letter path takes for `total` rejections, sent 1,000 per call as the scorer sends a batch's. */
async function timeDeadLetters(kafka: KafkaClients, topic: string, total: number): Promise<number> {
  const headers: MSKRecord['headers'] = [{ trace: [...Buffer.from('abc-123')] }, { source: [...Buffer.from('web')] }];
  const rejection = (i: number): Rejection => ({
    reason: 'bad_json',
    detail: 'Unexpected end of JSON input',
    record: {
      topic: 'activity',
      partition: i % PARTITIONS,
      offset: i,
      timestamp: 1_700_000_000_000 + i,
      timestampType: 'CREATE_TIME',
      key: Buffer.from(String(1000 + (i % 5000))).toString('base64'),
      value: Buffer.from(`{"user_id": ${i}, "activity": "profile.view"`.padEnd(50, ' ')).toString('base64'),
      headers,
    },
  });
  const producer = new LazyProducer(kafka);
  const deadLetters = new DeadLetterPublisher(producer, topic);
  try {
    // The topic's limit is read and the producer connected once per container, as on a warm Lambda.
    await deadLetters.publish([rejection(-1)]);
    const started = performance.now();
    for (let i = 0; i < total; i += 1000) {
      await deadLetters.publish(Array.from({ length: Math.min(1000, total - i) }, (_, j) => rejection(i + j)));
    }
    return (performance.now() - started) / 1000;
  } finally {
    await producer.disconnect();
  }
}
