// Reads one run of the popular-users job back from Kafka, the way a consumer of the topic would.
import type { Kafka } from 'kafkajs';
import { readFromBeginning } from './topic-reader.js';

export interface PopularUser {
  userId: string;
  score: number;
}

/** Collects the `expected` messages keyed `runKey`, skipping other runs. */
export async function readPopularRun(kafka: Kafka, topic: string, runKey: string, expected: number, timeoutMs = 60_000): Promise<PopularUser[]> {
  const messages = await readFromBeginning(kafka, topic, expected, { accept: (m) => m.key?.toString() === runKey && m.value !== null, timeoutMs });
  return messages.map((m) => {
    const body = JSON.parse(m.value!.toString()) as { user_id: string; score: number };
    return { userId: body.user_id, score: body.score };
  });
}
