// Topics made through the Kafka admin API, as on MSK, where nothing is created on first use.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigResourceTypes,
  findErrorBy,
  IncrementalAlterConfigOperationTypes,
  type Admin,
} from '@platformatic/kafka';
import { plainKafka } from '../../lib/adapters/kafka-client.js';

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}

const LEADERS_TIMEOUT_MS = 30_000;

/** Creates the topics that do not exist yet, waiting for their leaders; returns the names it created. */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  const created: string[] = [];
  // One request per topic: the client applies a request's configs to all of its topics.
  for (const spec of missing) {
    try {
      await admin.createTopics({
        topics: [spec.topic],
        partitions: spec.partitions,
        replicas: spec.replicationFactor ?? 1,
        configs: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
      });
      created.push(spec.topic);
    } catch (err) {
      // Made meanwhile by someone else: it exists, which is all we asked for.
      if (findErrorBy(err as Error, 'apiId', 'TOPIC_ALREADY_EXISTS') === null) throw err;
    }
  }
  if (missing.length > 0)
    await waitForLeaders(
      admin,
      missing.map((s) => s.topic),
    );
  return created;
}

/**
 * A topic just created has no leader for a moment, and then a leader that does not serve it yet
 * (NOT_LEADER_OR_FOLLOWER): ready means every partition's leader answers for it.
 */
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (;;) {
    const metadata = await admin.metadata({ topics, forceUpdate: true }).catch(() => undefined);
    const counts = topics.map((topic) => metadata?.topics.get(topic)?.partitions ?? []);
    if (counts.every((partitions) => partitions.length > 0 && partitions.every((p) => p.leader >= 0))) {
      const request = topics.map((name, i) => ({
        name,
        partitions: counts[i]!.map((_, partitionIndex) => ({ partitionIndex, timestamp: -1n })),
      }));
      if (
        await admin.listOffsets({ topics: request }).then(
          () => true,
          () => false,
        )
      )
        return;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${topics.join(', ')} have no serving leader after ${LEADERS_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
}

/** ensureTopics through a short-lived admin client, for tools and tests that have only the brokers. */
export async function ensureTopicsOn(bootstrapServers: string, specs: readonly TopicSpec[]): Promise<string[]> {
  const admin = await plainKafka(bootstrapServers, 'topic-admin').admin();
  try {
    return await ensureTopics(admin, specs);
  } finally {
    await admin.close();
  }
}

/**
 * Sets topic settings as an operator would while everything runs, and waits until the broker
 * describes them so: a change takes effect on the broker a moment after it is accepted.
 */
export async function alterTopicConfigs(
  bootstrapServers: string,
  topic: string,
  configs: Record<string, string>,
): Promise<void> {
  const admin = await plainKafka(bootstrapServers, 'topic-admin').admin();
  try {
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: Object.entries(configs).map(([name, value]) => ({
            name,
            value,
            configOperation: IncrementalAlterConfigOperationTypes.SET,
          })),
        },
      ],
    });
    const deadline = Date.now() + LEADERS_TIMEOUT_MS;
    for (;;) {
      const [described] = await admin.describeConfigs({
        resources: [
          { resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: Object.keys(configs) },
        ],
        includeSynonyms: false,
      });
      const now = new Map((described?.configs ?? []).map((c) => [c.name, c.value]));
      if (Object.entries(configs).every(([name, value]) => now.get(name) === value)) return;
      if (Date.now() > deadline)
        throw new Error(`${topic}: ${JSON.stringify(configs)} not in effect after ${LEADERS_TIMEOUT_MS / 1000} s`);
      await sleep(50);
    }
  } finally {
    await admin.close();
  }
}
