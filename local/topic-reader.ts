// Reads a topic from the beginning with a throwaway consumer group until enough matching messages came.
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

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
