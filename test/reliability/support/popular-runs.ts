// Reading popular-users runs back as a consumer would, from any broker, and the exact set to compare with.
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { decodePopularMessage, type RunEnd } from '../../../lib/popular-run.js';
import { seedUserId } from '../../../local/seed-scores.js';

/** A user of a run, or (with `end`) the run's end marker. */
export interface PublishedMessage {
  key: string;
  runId: string;
  userId: string;
  score: number;
  end?: RunEnd;
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
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString()]));
          const decoded = decodePopularMessage(message.key?.toString() ?? null, message.value?.toString() ?? null, headers);
          if (decoded === undefined) throw new Error(`not a popular-users message at offset ${message.offset}`);
          if (decoded.kind === 'end') messages.push({ key: decoded.key, runId: decoded.runId, userId: '', score: 0, end: decoded.end });
          else messages.push({ key: decoded.key, runId: decoded.runId, userId: decoded.user.userId, score: decoded.user.score });
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

export const usersOf = (messages: PublishedMessage[]) => new Map(messages.filter((m) => m.end === undefined).map((m) => [m.userId, m.score]));

/** The run's end marker, if it got out. */
export const endOf = (messages: PublishedMessage[]) => messages.find((m) => m.end !== undefined)?.end;
