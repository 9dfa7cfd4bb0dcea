// A consumer's view of popular_users: read the topic up to its end and return the latest run that
// is provably complete (its run-end marker and exactly `count` users of its run id).
import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { RunCollector, decodePopularMessage, type CompleteRun } from '../core/popular-run.js';

export interface ReadRunOptions {
  /** Gives up, rejecting, when the topic's end is not reached in this time. */
  timeoutMs?: number;
}

function headersAsText(headers: IHeaders | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name] = Array.isArray(value) ? value.map(String).at(-1) : value?.toString();
  return out;
}

/**
 * Reads every partition of `topic` from its earliest offset to the end offset it had when called,
 * with a consumer group of its own that commits nothing; undefined when no run is complete.
 */
export async function readLatestCompleteRun(kafka: Kafka, topic: string, options: ReadRunOptions = {}): Promise<CompleteRun | undefined> {
  const { timeoutMs = 60_000 } = options;
  const admin = kafka.admin();
  await admin.connect();
  let offsets: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>;
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  // Partitions still to read, with the offset that ends each.
  const remaining = new Map(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high)]));
  const collector = new RunCollector();
  if (remaining.size === 0) return undefined;

  const consumer = kafka.consumer({ groupId: `popular-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${topic}: the end was not reached in ${timeoutMs} ms (partitions left: ${[...remaining.keys()].join(', ')})`)),
        timeoutMs,
      );
      void consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = remaining.get(partition);
            if (end === undefined) return;
            const decoded = decodePopularMessage(message.key?.toString() ?? null, message.value?.toString() ?? null, headersAsText(message.headers));
            if (decoded !== undefined) collector.add(decoded);
            if (Number(message.offset) + 1 >= end) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return collector.latestComplete();
}
