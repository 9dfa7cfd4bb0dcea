// Reading popular-users runs back as a consumer would, from any broker, and the exact set to compare with.
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { POPULAR_HEADER } from '../../../lib/publish.js';
import { seedUserId } from '../../../local/seed-scores.js';

export interface PublishedMessage {
  key: string;
  runId: string;
  runSize: number;
  userId: string;
  score: number;
}

/** Every message on a topic, read from the beginning until the topic's end offsets at the time of the call. */
export async function readPublished(brokers: string, topic: string): Promise<PublishedMessage[]> {
  const kafka = new Kafka({ brokers: [brokers], clientId: 'reliability-reader', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  await admin.disconnect();
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const messages: PublishedMessage[] = [];
  if (total === 0) return messages;
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${total} messages from ${topic}`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const value = JSON.parse(message.value!.toString()) as { user_id: string; score: number };
          const header = (name: string) => message.headers?.[name]?.toString() ?? '';
          messages.push({ key: message.key?.toString() ?? '', runId: header(POPULAR_HEADER.runId), runSize: Number(header(POPULAR_HEADER.runSize)), userId: value.user_id, score: value.score });
          if (messages.length >= total) {
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

/** Messages grouped by run id, as a consumer tells runs apart. */
export function byRun(messages: PublishedMessage[]): Map<string, PublishedMessage[]> {
  const runs = new Map<string, PublishedMessage[]>();
  for (const m of messages) runs.set(m.runId, [...(runs.get(m.runId) ?? []), m]);
  return runs;
}

/** The popular set by definition: sort, nearest rank, strictly above. */
export function exactPopular(scores: ArrayLike<number>, percentile: number): Map<string, number> {
  const ascending = Float64Array.from(scores).sort();
  const cutoff = ascending[Math.max(1, Math.ceil((percentile * ascending.length) / 100)) - 1]!;
  const users = new Map<string, number>();
  for (let i = 0; i < scores.length; i++) if (scores[i]! > cutoff) users.set(seedUserId(i), scores[i]!);
  return users;
}

export const usersOf = (messages: PublishedMessage[]) => new Map(messages.map((m) => [m.userId, m.score]));
