// Reads a topic from the beginning with a throwaway consumer group until enough matching messages
// came: the one topic reader of the tests, the benchmarks and the demo.
import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';

export interface ReadOptions {
  /** Only messages this accepts count towards `count` and are returned. */
  accept?: (message: KafkaMessage) => boolean;
  timeoutMs?: number;
}

/** Resolves with `count` accepted messages (each with its partition), or rejects after the timeout saying how many came. */
export async function readFromBeginning(
  kafka: Kafka,
  topic: string,
  count: number,
  options: ReadOptions = {},
): Promise<Array<KafkaMessage & { partition: number }>> {
  const { accept = () => true, timeoutMs = 20_000 } = options;
  const messages: Array<KafkaMessage & { partition: number }> = [];
  if (count === 0) return messages;
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID().slice(0, 8)}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${count} messages from ${topic} in ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          if (messages.length >= count || !accept(message)) return;
          messages.push({ ...message, partition });
          if (messages.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** The next offset to be written, per partition: what a consumer must reach to have read everything. */
export async function topicEnds(kafka: Kafka, topic: string): Promise<{ partition: number; end: number }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, end: Number(high) }));
  } finally {
    await admin.disconnect();
  }
}

/** Every message up to the topic's end offsets at the time of the call. */
export async function readToEnd(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<Array<KafkaMessage & { partition: number }>> {
  const total = (await topicEnds(kafka, topic)).reduce((sum, { end }) => sum + end, 0);
  return readFromBeginning(kafka, topic, total, { timeoutMs });
}

/** A message with its key and headers as text, as a test compares them. */
export interface TextMessage {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

export function asText(message: KafkaMessage & { partition: number }): TextMessage {
  return {
    key: message.key?.toString() ?? null,
    value: message.value,
    headers: headersAsText(message.headers),
    partition: message.partition,
    offset: message.offset,
  };
}

/** A repeated header's values joined by commas. */
function headersAsText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = Array.isArray(v) ? v.map(String).join(',') : (v?.toString() ?? '');
  return out;
}
