// The popular-users job's test kit: a job config on the local stack with a fresh topic, a run read back
// from Kafka and checked message by message, a topic's message count, and the scheduler's event.
import { expect } from 'vitest';
import type { ScheduledEvent } from 'aws-lambda';
import { DEFAULT_MESSAGE_MAX_BYTES, type PopularConfig } from '../../lib/core/config.js';
import type { PopularRunSummary } from '../../lib/popular-job.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import { topicBounds } from '../../lib/adapters/topic-scan.js';
import { freshTopic, readTopic, testKafka, testKafkaSettings } from './stack.js';

export async function jobConfig(scoresTable: string, overrides: Partial<PopularConfig> = {}): Promise<PopularConfig> {
  return {
    scoresTable,
    percentile: 95,
    scanSegments: 8,
    popularTopic: await freshTopic('popular'),
    publishBatchSize: 1000,
    maxHeldUsers: 250_000,
    messageMaxBytes: DEFAULT_MESSAGE_MAX_BYTES,
    kafka: testKafkaSettings('popular-test'),
    ...overrides,
  };
}

interface PublishedUser {
  user_id: string;
  score: number;
  cutoff: number;
  percentile: number;
}

/**
 * Reads a run's messages back from Kafka with a consumer: its users, each carrying the run's
 * identity, then its run-end marker; and checks the lib reader returns the same run as complete.
 */
export async function readRun(summary: PopularRunSummary): Promise<Map<string, number>> {
  const messages = (await readTopic(summary.topic, summary.published + 1)).filter((m) => m.key === summary.runKey);
  expect(messages).toHaveLength(summary.published + 1);
  const marker = messages.at(-1)!;
  // run_source: the job's client id, which names the stage on AWS (<service>-<stage>-popular).
  expect(marker.headers).toEqual({
    run_id: summary.runId,
    run_started_at: summary.startedAt,
    run_source: 'popular-test',
    run_end: 'true',
  });
  expect(JSON.parse(marker.value!.toString())).toEqual({
    run_id: summary.runId,
    count: summary.published,
    cutoff: summary.cutoff,
    percentile: summary.percentile,
    users_scanned: summary.usersScanned,
  });
  const users = new Map<string, number>();
  for (const message of messages.slice(0, -1)) {
    expect(message.headers).toEqual({
      run_id: summary.runId,
      run_started_at: summary.startedAt,
      run_source: 'popular-test',
    });
    const value = JSON.parse(message.value!.toString()) as PublishedUser;
    expect(value).toEqual({
      user_id: value.user_id,
      score: value.score,
      cutoff: summary.cutoff,
      percentile: summary.percentile,
    });
    users.set(value.user_id, value.score);
  }
  expect(users.size).toBe(messages.length - 1); // nobody twice

  const latest = await readLatestCompleteRun(testKafka(), summary.topic, { source: 'popular-test' });
  if (latest?.runId === summary.runId) {
    expect(latest).toMatchObject({
      key: summary.runKey,
      startedAt: summary.startedAt,
      source: 'popular-test',
      count: summary.published,
      cutoff: summary.cutoff,
      usersScanned: summary.usersScanned,
    });
    expect(new Map(latest.users.map((u) => [u.userId, u.score]))).toEqual(users);
  }
  return users;
}

/** Messages on a topic, read from its offsets: proves that nothing was published. */
export async function messagesOn(topic: string): Promise<number> {
  return (await topicBounds(testKafka(), topic)).reduce((sum, b) => sum + b.end - b.start, 0);
}

export const scheduledEvent = {
  id: 'schedule-1',
  time: new Date().toISOString(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
} as ScheduledEvent;
