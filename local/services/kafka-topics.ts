// Topics made through the Kafka admin API, as on MSK, where nothing is created on first use.
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/** Creates the topics that do not exist yet, waiting for their leaders; returns the names it created. */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length === 0) return [];
  const topics: ITopicConfig[] = missing.map((s) => ({
    topic: s.topic,
    numPartitions: s.partitions,
    replicationFactor: s.replicationFactor ?? 1,
    configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
  }));
  await admin.createTopics({ topics, waitForLeaders: true });
  return missing.map((s) => s.topic);
}

/** ensureTopics through a short-lived admin client, for tools and tests that have only the brokers. */
export async function ensureTopicsOn(bootstrapServers: string, specs: readonly TopicSpec[]): Promise<string[]> {
  const admin = new Kafka({ brokers: bootstrapServers.split(','), clientId: 'topic-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await ensureTopics(admin, specs);
  } finally {
    await admin.disconnect();
  }
}
