// Settings of the local pieces (the stack, the event source mapping stand-in, the topics tool),
// read with the functions' reader so a bad value is reported the same way.
import { refuseDeadLetterLoop } from '../../lib/core/config.js';
import { readKafka, type KafkaSettings } from '../../lib/core/kafka-settings.js';
import { SettingsReader, type Env } from '../../lib/core/settings-reader.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_BATCHING_WINDOW_MS,
  MAX_BATCH_SIZE,
  type MappingOptions,
  type MskInvoker,
  type StartingPosition,
} from '../event-source-mapping/mapping-options.js';

export interface StackConfig {
  scoresTable: string;
  activityTopic: string;
  activityPartitions: number;
  popularTopic: string;
  trendingTopic: string;
  dlqTopic: string;
}

/** Names the local stack creates; the same variables name them for the functions. */
export function loadStackConfig(env: Env = process.env): StackConfig {
  const r = new SettingsReader(env);
  const config: StackConfig = {
    scoresTable: r.text('SCORES_TABLE', 'scores'),
    activityTopic: r.topic('ACTIVITY_TOPIC', 'activity'),
    activityPartitions: r.integer('ACTIVITY_PARTITIONS', 4, 1, 256),
    popularTopic: r.topic('POPULAR_TOPIC', 'popular_users'),
    trendingTopic: r.topic('TRENDING_TOPIC', 'trending_users'),
    dlqTopic: r.topic('DLQ_TOPIC', 'activity-dlq'),
  };
  refuseDeadLetterLoop(r, config.dlqTopic, config.activityTopic);
  return r.done(config);
}

export interface MappingConfig {
  activityTopic: string;
  groupId: string;
  batchSize: number;
  batchingWindowMs: number;
  startingPosition: StartingPosition;
  eventSourceArn?: string;
  /** AWS's MaximumRetryAttempts, MaximumRecordAgeInSeconds and on-failure Kafka topic; -1 = no limit. */
  maximumRetryAttempts: number;
  maximumRecordAgeSeconds: number;
  onFailureTopic?: string;
  kafka: KafkaSettings;
}

/**
 * The local event source mapping's settings, named after AWS's (BatchSize, MaximumBatchingWindowInSeconds,
 * StartingPosition).
 */
export function loadMappingConfig(env: Env = process.env): MappingConfig {
  const r = new SettingsReader(env);
  const windowSeconds = r.number(
    'ESM_BATCHING_WINDOW_SECONDS',
    DEFAULT_BATCHING_WINDOW_MS / 1000,
    (s) => s >= 0 && s <= 300,
    'from 0 to 300 seconds',
  );
  const arn = r.text('ESM_EVENT_SOURCE_ARN', '');
  const config: MappingConfig = {
    activityTopic: r.topic('ACTIVITY_TOPIC', 'activity'),
    groupId: r.text('ESM_GROUP_ID', 'activity-scorer-mapping'),
    batchSize: r.integer('ESM_BATCH_SIZE', DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE),
    batchingWindowMs: Math.round(windowSeconds * 1000),
    startingPosition: r.oneOf<StartingPosition>('ESM_STARTING_POSITION', 'trim_horizon', ['trim_horizon', 'latest']),
    maximumRetryAttempts: r.integer('ESM_MAXIMUM_RETRY_ATTEMPTS', -1, -1, 10_000),
    maximumRecordAgeSeconds: recordAge(r),
    kafka: readKafka(r, 'activity-mapping'),
  };
  if (arn !== '') config.eventSourceArn = arn;
  const onFailureTopic = r.text('ESM_ON_FAILURE_TOPIC', '');
  if (onFailureTopic !== '') config.onFailureTopic = onFailureTopic;
  return r.done(config);
}

/** The stand-in's options from these settings, around the function it invokes. */
export function mappingOptions(config: MappingConfig, invoke: MskInvoker): MappingOptions {
  const {
    kafka,
    activityTopic: topic,
    groupId,
    batchSize,
    batchingWindowMs,
    startingPosition,
    eventSourceArn,
  } = config;
  const { maximumRetryAttempts, maximumRecordAgeSeconds, onFailureTopic } = config;
  return {
    kafka,
    topic,
    groupId,
    batchSize,
    batchingWindowMs,
    startingPosition,
    eventSourceArn,
    invoke,
    maximumRetryAttempts,
    maximumRecordAgeSeconds,
    onFailureTopic,
  };
}

/** AWS takes -1 (no limit) or 60 to 604,800 seconds. */
function recordAge(r: SettingsReader): number {
  const age = r.integer('ESM_MAXIMUM_RECORD_AGE_SECONDS', -1, -1, 604_800);
  if (age !== -1 && age < 60) {
    r.problems.push(
      `ESM_MAXIMUM_RECORD_AGE_SECONDS=${age} is below AWS's minimum of 60; set -1 (no limit) or 60 to 604800`,
    );
    return -1;
  }
  return age;
}

export interface TopicsToolConfig {
  partitions: number;
  replicationFactor: number;
  kafka: KafkaSettings;
}

/** `npm run topics`: the cluster to create the topics on, and how wide and how replicated the activity topic is. */
export function loadTopicsToolConfig(env: Env = process.env): TopicsToolConfig {
  const r = new SettingsReader(env);
  return r.done({
    partitions: r.integer('TOPICS_PARTITIONS', 12, 1, 1000),
    replicationFactor: r.integer('TOPICS_REPLICATION', 3, 1, 16),
    kafka: readKafka(r, 'topics-tool'),
  });
}
