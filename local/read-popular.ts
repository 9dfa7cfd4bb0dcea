// Reads one run of the popular-users job back from Kafka, the way a consumer of the topic would.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface PopularUser {
  userId: string;
  score: number;
}

/** Collects the `expected` messages keyed `runKey`, skipping other runs; rejects after `timeoutMs` with what arrived. */
export async function readPopularRun(kafka: Kafka, topic: string, runKey: string, expected: number, timeoutMs = 60_000): Promise<PopularUser[]> {
  const users: PopularUser[] = [];
  if (expected === 0) return users;
  const consumer = kafka.consumer({ groupId: `popular-reader-${randomUUID().slice(0, 8)}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${users.length} of ${expected} messages of run ${runKey} from ${topic} in ${timeoutMs / 1000} s`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.key?.toString() !== runKey || message.value === null) return;
          const body = JSON.parse(message.value.toString()) as { user_id: string; score: number };
          users.push({ userId: body.user_id, score: body.score });
          if (users.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return users;
}
