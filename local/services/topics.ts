// The four topics the deployment needs, with settings fit for the job, created through the Kafka
// admin API (MSK creates nothing on first use). Existing topics are left alone and reported,
// with any setting that differs from the plan; a compacted popular- or trending-users topic is an error.
import { ConfigResourceTypes, type Admin } from '@platformatic/kafka';
import { ensureTopics, type TopicSpec } from './kafka-topics.js';

const DAY_MS = 24 * 3600_000;

export interface TopicPlanOptions {
  /**
   * Prefix of the topics a stage writes: "<service>-<stage>-" as serverless.yml names them, or "" for the bare names.
   */
  prefix: string;
  activityTopic: string;
  activityPartitions: number;
  replicationFactor: number;
}

export interface PlannedTopic extends TopicSpec {
  role: 'activity' | 'popular' | 'trending' | 'dlq';
  /** Settings an existing topic must have for the job to work (not just to be tidy). */
  required: Record<string, string>;
}

export function topicPlan(o: TopicPlanOptions): PlannedTopic[] {
  // Acknowledged by all in-sync replicas (the functions produce with acks=-1) needs at least two of three.
  const minIsr = String(Math.min(2, o.replicationFactor));
  const common = { replicationFactor: o.replicationFactor };
  const runs = (role: 'popular' | 'trending', topic: string): PlannedTopic => ({
    role,
    topic,
    // A run's messages share one key, so one run is one partition; more only spreads runs.
    partitions: 1,
    ...common,
    // Consumers want the latest complete run; a day keeps hundreds of runs. Compaction by key would keep one user per
    // run.
    configs: { 'cleanup.policy': 'delete', 'retention.ms': String(1 * DAY_MS), 'min.insync.replicas': minIsr },
    required: { 'cleanup.policy': 'delete' },
  });
  return [
    {
      role: 'activity',
      topic: o.activityTopic,
      partitions: o.activityPartitions,
      ...common,
      // A week of history: the scorer may be stopped (retrying a batch) for days before records expire.
      configs: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS), 'min.insync.replicas': minIsr },
      required: { 'cleanup.policy': 'delete' },
    },
    runs('popular', `${o.prefix}popular_users`),
    runs('trending', `${o.prefix}trending_users`),
    {
      role: 'dlq',
      topic: `${o.prefix}activity-dlq`,
      partitions: 1,
      ...common,
      // Dead letters wait for a person: two weeks to look at them.
      configs: { 'cleanup.policy': 'delete', 'retention.ms': String(14 * DAY_MS), 'min.insync.replicas': minIsr },
      required: {},
    },
  ];
}

export interface TopicReport {
  topic: string;
  role: PlannedTopic['role'];
  created: boolean;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  /** Settings of an existing topic that differ from the plan ("name: is -> planned"). */
  differences: string[];
  /** Differences the job cannot work with. */
  problems: string[];
}

/** Creates what is missing, then describes every planned topic as the cluster has it. */
export async function applyTopicPlan(admin: Admin, plan: PlannedTopic[]): Promise<TopicReport[]> {
  const created = new Set(await ensureTopics(admin, plan));
  const metadata = await admin.metadata({ topics: plan.map((p) => p.topic), forceUpdate: true });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: plan.map((p) => ({
      resourceType: ConfigResourceTypes.TOPIC,
      resourceName: p.topic,
      configurationKeys: Object.keys(p.configs ?? {}),
    })),
  });
  return plan.map((p) => {
    const meta = metadata.topics.get(p.topic)!;
    const entries = described.find((r) => r.resourceName === p.topic)?.configs ?? [];
    const configs = Object.fromEntries(entries.map((e) => [e.name, e.value ?? '']));
    const differences = Object.entries(p.configs ?? {})
      .filter(([name, value]) => configs[name] !== value)
      .map(([name, value]) => `${name}: ${configs[name]} -> ${value}`);
    if (meta.partitions.length !== p.partitions)
      differences.push(`partitions: ${meta.partitions.length} -> ${p.partitions}`);
    const problems = Object.entries(p.required)
      .filter(([name, value]) => configs[name] !== value)
      .map(
        ([name, value]) =>
          `${name} is ${configs[name]}, must be ${value}${p.role === 'popular' || p.role === 'trending' ? ' (compaction by key would keep one user per run)' : ''}`,
      );
    return {
      topic: p.topic,
      role: p.role,
      created: created.has(p.topic),
      partitions: meta.partitions.length,
      replicationFactor: meta.partitions[0]?.replicas.length ?? 0,
      configs,
      differences,
      problems,
    };
  });
}
