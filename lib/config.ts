// The one place that reads configuration: environment -> typed, validated settings.
// Every problem is collected and reported together, each naming the setting and the fix.
import { decimalOf, parseDecimal, sameDecimal } from './decimal.js';
import { MAX_USER_RECORD_BYTES, maxPublishBatch } from './popular-run.js';

export type Env = Record<string, string | undefined>;

export const DEFAULT_SCORE_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  'profile.picture.like': 2,
  'profile.view': 1,
  'message.private': 3,
});

/** Largest weight SCORE_WEIGHTS accepts: even then a user needs about 9 billion events to reach 2^53. */
export const MAX_SCORE_WEIGHT = 1_000_000;

export type SaslMechanism = 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'aws-iam';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl: SaslMechanism;
  username?: string;
  password?: string;
  region?: string;
}

export interface ScorerConfig {
  scoresTable: string;
  weights: Readonly<Record<string, number>>;
  dlqTopic: string;
  writeConcurrency: number;
  kafka: KafkaSettings;
}

export interface PopularConfig {
  scoresTable: string;
  /** Parsed from decimal text; its shortest decimal form is exactly the text the operator wrote. */
  percentile: number;
  scanSegments: number;
  popularTopic: string;
  publishBatchSize: number;
  /** Users the job may hold in memory at once; above it the publish streams from a further scan. */
  maxHeldUsers: number;
  /** The broker's message.max.bytes: no produce request's record batch may be larger. */
  messageMaxBytes: number;
  kafka: KafkaSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads settings from an environment, remembering every problem instead of stopping at the first. */
class SettingsReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  required(name: string, fix: string): string {
    const value = this.raw(name);
    if (value === undefined) this.problems.push(`${name} is not set; ${fix}`);
    return value ?? '';
  }

  text(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max) {
      this.problems.push(`${name}=${value} is not an integer from ${min} to ${max}; set it in that range or unset it for the default ${fallback}`);
      return fallback;
    }
    return n;
  }

  number(name: string, fallback: number, isValid: (n: number) => boolean, range: string): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || !isValid(n)) {
      this.problems.push(`${name}=${value} is not a number ${range}; set it in that range or unset it for the default ${fallback}`);
      return fallback;
    }
    return n;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.problems.push(`${name}=${value} is not a boolean; set it to true or false`);
    return fallback;
  }

  /** Whether the setting was given at all (its default then came from elsewhere). */
  isSet(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}=${value} is not one of ${allowed.join(', ')}; pick one of them`);
    return fallback;
  }

  weights(name: string): Readonly<Record<string, number>> {
    const value = this.raw(name);
    if (value === undefined) return DEFAULT_SCORE_WEIGHTS;
    const example = `e.g. ${name}='${JSON.stringify(DEFAULT_SCORE_WEIGHTS)}'`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      this.problems.push(`${name} is not valid JSON; set it to a JSON object of activity -> integer score, ${example}`);
      return DEFAULT_SCORE_WEIGHTS;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
      this.problems.push(`${name} must be a non-empty JSON object of activity -> integer score, ${example}`);
      return DEFAULT_SCORE_WEIGHTS;
    }
    // Integer weights keep every running sum exact, in JavaScript and in DynamoDB alike.
    const bad = Object.entries(parsed).filter(([, w]) => !Number.isSafeInteger(w));
    if (bad.length > 0) {
      this.problems.push(`${name} has non-integer scores for ${bad.map(([k]) => JSON.stringify(k)).join(', ')}; every score must be an integer, ${example}`);
      return DEFAULT_SCORE_WEIGHTS;
    }
    // Positive, and small enough that a batch's delta is exact and a score needs billions of events to near 2^53.
    const outOfRange = Object.entries(parsed as Record<string, number>).filter(([, w]) => w < 1 || w > MAX_SCORE_WEIGHT);
    if (outOfRange.length > 0) {
      const list = outOfRange.map(([k, w]) => `${JSON.stringify(k)}: ${w}`).join(', ');
      this.problems.push(
        `${name} has scores outside 1-${MAX_SCORE_WEIGHT} (${list}); every score must be a positive integer up to ${MAX_SCORE_WEIGHT}, ${example}`,
      );
      return DEFAULT_SCORE_WEIGHTS;
    }
    return Object.freeze({ ...(parsed as Record<string, number>) });
  }

  brokers(name: string): string[] {
    const list = this.required(name, 'set it to a comma-separated list of host:port Kafka bootstrap brokers (npm run stack writes one to .local/stack.env)')
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b !== '');
    const bad = list.filter((b) => !/^[^:\s]+:\d{1,5}$/.test(b));
    if (bad.length > 0) this.problems.push(`${name} has entries that are not host:port: ${bad.join(', ')}`);
    const badPorts = list.filter((b) => !bad.includes(b) && !isPort(Number(b.slice(b.lastIndexOf(':') + 1))));
    if (badPorts.length > 0)
      this.problems.push(`${name} has ports outside 1-65535: ${badPorts.join(', ')}; use the brokers' listener ports (9092 plaintext, 9098 MSK IAM)`);
    return list;
  }

  /** A topic name Kafka accepts: 1-249 of [a-zA-Z0-9._-], and not "." or "..". */
  topic(name: string, fallback: string): string {
    const value = this.text(name, fallback);
    const problem = topicNameProblem(value);
    if (problem !== undefined)
      this.problems.push(`${name}=${value} is not a topic name Kafka accepts (${problem}); use 1-249 characters of a-z, A-Z, 0-9, ".", "_" and "-"`);
    return value;
  }

  /** A decimal number strictly between 0 and 100, kept exactly: no hex, exponents, or more digits than a double holds. */
  percentile(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const decimal = /^\d+(\.\d+)?$/.test(value) ? parseDecimal(value) : undefined;
    const inRange = decimal !== undefined && decimal.digits > 0n && decimal.digits < 100n * 10n ** BigInt(decimal.scale);
    if (!inRange) {
      this.problems.push(
        `${name}=${value} is not a number strictly between 0 and 100 written as a decimal (e.g. 95 or 99.9); set it in that range or unset it for the default ${fallback}`,
      );
      return fallback;
    }
    const n = Number(value);
    if (!sameDecimal(decimalOf(n), decimal)) {
      this.problems.push(`${name}=${value} has more significant digits than the job can hold exactly; use at most 15, e.g. ${String(n)}`);
      return fallback;
    }
    return n;
  }

  /** AWS_REGION may be unset (the SDK's own chain then applies) but never blank. */
  region(required?: string): string | undefined {
    const present = this.env.AWS_REGION;
    if (present !== undefined && present.trim() === '') {
      this.problems.push('AWS_REGION is set but empty; set it to the region of the table and the cluster (e.g. eu-west-1), or unset it');
      return undefined;
    }
    if (present === undefined && required !== undefined) this.problems.push(`AWS_REGION is not set; ${required}`);
    return present?.trim();
  }

  done<T>(value: T): T {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return value;
  }
}

function readKafka(r: SettingsReader, clientId: string): KafkaSettings {
  const sasl = r.oneOf<SaslMechanism>('KAFKA_SASL_MECHANISM', 'none', ['none', 'plain', 'scram-sha-256', 'scram-sha-512', 'aws-iam']);
  const settings: KafkaSettings = {
    brokers: r.brokers('KAFKA_BROKERS'),
    clientId: r.text('KAFKA_CLIENT_ID', clientId),
    // MSK's IAM and SCRAM listeners are TLS-only, so those imply TLS unless told otherwise.
    ssl: r.boolean('KAFKA_SSL', sasl !== 'none'),
    sasl,
  };
  if (sasl === 'plain' || sasl === 'scram-sha-256' || sasl === 'scram-sha-512') {
    settings.username = r.required('KAFKA_SASL_USERNAME', `KAFKA_SASL_MECHANISM=${sasl} needs a user name`);
    settings.password = r.required('KAFKA_SASL_PASSWORD', `KAFKA_SASL_MECHANISM=${sasl} needs a password`);
  }
  const region = r.region(sasl === 'aws-iam' ? 'KAFKA_SASL_MECHANISM=aws-iam signs with the region of the MSK cluster' : undefined);
  if (sasl === 'aws-iam') {
    settings.region = region ?? '';
    // MSK's IAM listener (port 9098) speaks TLS only: a plaintext connection can never authenticate.
    if (!settings.ssl)
      r.problems.push("KAFKA_SSL=false with KAFKA_SASL_MECHANISM=aws-iam can never connect: MSK's IAM listener is TLS-only; set KAFKA_SSL=true or unset it");
  }
  return settings;
}

const isPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65_535;

/** Why Kafka would refuse a topic name, or undefined when it accepts it. */
export function topicNameProblem(topic: string): string | undefined {
  if (topic === '.' || topic === '..') return `"${topic}" is reserved`;
  if (topic.length > 249) return `${topic.length} characters, over 249`;
  if (!/^[a-zA-Z0-9._-]+$/.test(topic)) return 'characters outside [a-zA-Z0-9._-]';
  return undefined;
}

const TABLE_FIX = 'set it to the DynamoDB table holding per-user scores (the local stack creates "scores")';

export function loadScorerConfig(env: Env = process.env): ScorerConfig {
  const r = new SettingsReader(env);
  const config: ScorerConfig = {
    scoresTable: r.required('SCORES_TABLE', TABLE_FIX),
    weights: r.weights('SCORE_WEIGHTS'),
    dlqTopic: r.topic('DLQ_TOPIC', 'activity-dlq'),
    writeConcurrency: r.integer('WRITE_CONCURRENCY', 32, 1, 1024),
    kafka: readKafka(r, 'activity-scorer'),
  };
  refuseDeadLetterLoop(r, config.dlqTopic, r.topic('ACTIVITY_TOPIC', 'activity'));
  return r.done(config);
}

/** Dead letters produced to the activity topic would come back to the scorer, be rejected again, and loop forever. */
function refuseDeadLetterLoop(r: SettingsReader, dlqTopic: string, activityTopic: string): void {
  if (dlqTopic === activityTopic) {
    r.problems.push(
      `DLQ_TOPIC=${dlqTopic} is the activity topic (ACTIVITY_TOPIC=${activityTopic}): rejected records would be scored again forever; set DLQ_TOPIC to a topic of its own, e.g. ${activityTopic}-dlq`,
    );
  }
}

/** MSK's default message.max.bytes, which a produce request's record batch may not exceed. */
export const DEFAULT_MESSAGE_MAX_BYTES = 1_048_588;

export function loadPopularConfig(env: Env = process.env): PopularConfig {
  const r = new SettingsReader(env);
  const config: PopularConfig = {
    scoresTable: r.required('SCORES_TABLE', TABLE_FIX),
    percentile: r.percentile('PERCENTILE', 95),
    scanSegments: r.integer('SCAN_SEGMENTS', 8, 1, 1024),
    popularTopic: r.topic('POPULAR_TOPIC', 'popular_users'),
    publishBatchSize: r.integer('PUBLISH_BATCH_SIZE', 1000, 1, 100_000),
    maxHeldUsers: r.integer('MAX_HELD_USERS', 250_000, 1_000, 50_000_000),
    messageMaxBytes: r.integer('KAFKA_MESSAGE_MAX_BYTES', DEFAULT_MESSAGE_MAX_BYTES, 1024, 2 ** 31 - 1),
    kafka: readKafka(r, 'popular-users-job'),
  };
  // Every request must fit the broker's limit whatever the user ids, or the run fails on every retry.
  const fits = maxPublishBatch(config.messageMaxBytes);
  if (config.publishBatchSize > fits) {
    r.problems.push(
      `PUBLISH_BATCH_SIZE=${config.publishBatchSize} can exceed the broker's message.max.bytes (KAFKA_MESSAGE_MAX_BYTES=${config.messageMaxBytes}): ` +
        `a message takes up to ${MAX_USER_RECORD_BYTES} bytes; set PUBLISH_BATCH_SIZE to ${fits} or less, or KAFKA_MESSAGE_MAX_BYTES to the broker's real limit`,
    );
  }
  return r.done(config);
}

export interface StackConfig {
  scoresTable: string;
  activityTopic: string;
  activityPartitions: number;
  popularTopic: string;
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
    dlqTopic: r.topic('DLQ_TOPIC', 'activity-dlq'),
  };
  refuseDeadLetterLoop(r, config.dlqTopic, config.activityTopic);
  return r.done(config);
}

export type StartingPosition = 'trim_horizon' | 'latest';

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

/** The local event source mapping's settings, named after AWS's (BatchSize, MaximumBatchingWindowInSeconds, StartingPosition). */
export function loadMappingConfig(env: Env = process.env): MappingConfig {
  const r = new SettingsReader(env);
  const windowSeconds = r.number('ESM_BATCHING_WINDOW_SECONDS', 0.5, (s) => s >= 0 && s <= 300, 'from 0 to 300 seconds');
  const arn = r.text('ESM_EVENT_SOURCE_ARN', '');
  const config: MappingConfig = {
    activityTopic: r.topic('ACTIVITY_TOPIC', 'activity'),
    groupId: r.text('ESM_GROUP_ID', 'activity-scorer-mapping'),
    batchSize: r.integer('ESM_BATCH_SIZE', 100, 1, 10_000),
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

/** AWS takes -1 (no limit) or 60 to 604,800 seconds. */
function recordAge(r: SettingsReader): number {
  const age = r.integer('ESM_MAXIMUM_RECORD_AGE_SECONDS', -1, -1, 604_800);
  if (age !== -1 && age < 60) {
    r.problems.push(`ESM_MAXIMUM_RECORD_AGE_SECONDS=${age} is below AWS's minimum of 60; set -1 (no limit) or 60 to 604800`);
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
