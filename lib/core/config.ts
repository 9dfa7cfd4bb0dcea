// The one place the functions read configuration: environment -> typed, validated settings,
// read once at cold start. Local commands read theirs in local/commands/settings.ts with the same reader.
import { maxPublishBatch, maxUserRecordBytes, POPULAR_KEY_PREFIX, TRENDING_KEY_PREFIX } from './popular-run.js';
import { readKafka, type KafkaSettings } from './kafka-settings.js';
import { SettingsReader, type Env } from './settings-reader.js';
import { repeatedTopLevelKeys } from './json-keys.js';

export { ConfigError, type Env } from './settings-reader.js';
export type { KafkaSettings, SaslMechanism } from './kafka-settings.js';

export const DEFAULT_SCORE_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  'profile.picture.like': 2,
  'profile.view': 1,
  'message.private': 3,
});

/** Largest weight SCORE_WEIGHTS accepts: even then a user needs about 9 billion events to reach 2^53. */
const MAX_SCORE_WEIGHT = 1_000_000;

export interface ScorerConfig {
  scoresTable: string;
  weights: Readonly<Record<string, number>>;
  dlqTopic: string;
  writeConcurrency: number;
  /** TRENDING_DAYS: the trending window's length in days, whose sums the scorer keeps; absent or 0 = none. */
  trendingDays?: number;
  kafka: KafkaSettings;
}

/** The trending set a run publishes beside the all-time set; absent when TRENDING_DAYS=0. */
export interface TrendingConfig {
  /** The window: this many UTC days ending with the run's start day. */
  days: number;
  percentile: number;
  topic: string;
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
  trending?: TrendingConfig;
  kafka: KafkaSettings;
}

const TABLE_FIX = 'set it to the DynamoDB table holding per-user scores (the local stack creates "scores")';

export function loadScorerConfig(env: Env = process.env): ScorerConfig {
  const r = new SettingsReader(env);
  const config: ScorerConfig = {
    scoresTable: r.required('SCORES_TABLE', TABLE_FIX),
    weights: readWeights(r, 'SCORE_WEIGHTS'),
    dlqTopic: r.topic('DLQ_TOPIC', 'activity-dlq'),
    writeConcurrency: r.integer('WRITE_CONCURRENCY', 32, 1, 1024),
    trendingDays: readTrendingDays(r),
    kafka: readKafka(r, 'activity-scorer'),
  };
  refuseDeadLetterLoop(r, config.dlqTopic, r.topic('ACTIVITY_TOPIC', 'activity'));
  return r.done(config);
}

/** Dead letters produced to the activity topic would come back to the scorer, be rejected again, and loop forever. */
export function refuseDeadLetterLoop(r: SettingsReader, dlqTopic: string, activityTopic: string): void {
  if (dlqTopic === activityTopic) {
    r.problems.push(
      `DLQ_TOPIC=${dlqTopic} is the activity topic (ACTIVITY_TOPIC=${activityTopic}): rejected records would be scored again forever; set DLQ_TOPIC to a topic of its own, e.g. ${activityTopic}-dlq`,
    );
  }
}

function readWeights(r: SettingsReader, name: string): Readonly<Record<string, number>> {
  const value = r.value(name);
  if (value === undefined) return DEFAULT_SCORE_WEIGHTS;
  const example = `e.g. ${name}='${JSON.stringify(DEFAULT_SCORE_WEIGHTS)}'`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    r.problems.push(`${name} is not valid JSON; set it to a JSON object of activity -> integer score, ${example}`);
    return DEFAULT_SCORE_WEIGHTS;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    r.problems.push(`${name} must be a non-empty JSON object of activity -> integer score, ${example}`);
    return DEFAULT_SCORE_WEIGHTS;
  }
  // JSON.parse would keep the last of the two silently: which weight was meant cannot be known.
  const repeated = repeatedTopLevelKeys(value);
  if (repeated.length > 0) {
    const list = repeated.map((k) => JSON.stringify(k)).join(', ');
    r.problems.push(`${name} names ${list} more than once; give every activity one score, ${example}`);
    return DEFAULT_SCORE_WEIGHTS;
  }
  // Integer weights keep every running sum exact, in JavaScript and in DynamoDB alike.
  const bad = Object.entries(parsed).filter(([, w]) => !Number.isSafeInteger(w));
  if (bad.length > 0) {
    r.problems.push(
      `${name} has non-integer scores for ${bad.map(([k]) => JSON.stringify(k)).join(', ')}; every score must be an integer, ${example}`,
    );
    return DEFAULT_SCORE_WEIGHTS;
  }
  // Positive, and small enough that a batch's delta is exact and a score needs billions of events to near 2^53.
  const outOfRange = Object.entries(parsed as Record<string, number>).filter(([, w]) => w < 1 || w > MAX_SCORE_WEIGHT);
  if (outOfRange.length > 0) {
    const list = outOfRange.map(([k, w]) => `${JSON.stringify(k)}: ${w}`).join(', ');
    r.problems.push(
      `${name} has scores outside 1-${MAX_SCORE_WEIGHT} (${list}); every score must be a positive integer up to ${MAX_SCORE_WEIGHT}, ${example}`,
    );
    return DEFAULT_SCORE_WEIGHTS;
  }
  return Object.freeze({ ...(parsed as Record<string, number>) });
}

/** Longest window: 92 window sums of about 14 bytes keep an item near 1.5 KB, far inside DynamoDB's 400 KB. */
const MAX_TRENDING_DAYS = 90;

/** Read by both functions: the scorer keeps each run day's window sum, the job reads its run day's. */
function readTrendingDays(r: SettingsReader): number {
  return r.integer('TRENDING_DAYS', 7, 0, MAX_TRENDING_DAYS);
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
    // 500 leaves room for a run_source header of any sensible client id within MSK's 1 MiB.
    publishBatchSize: r.integer('PUBLISH_BATCH_SIZE', 500, 1, 100_000),
    maxHeldUsers: r.integer('MAX_HELD_USERS', 250_000, 1_000, 50_000_000),
    messageMaxBytes: r.integer('KAFKA_MESSAGE_MAX_BYTES', DEFAULT_MESSAGE_MAX_BYTES, 1024, 2 ** 31 - 1),
    kafka: readKafka(r, 'popular-users-job'),
  };
  // Read (and checked) even with trending off, so a typo never waits for the day it is turned on.
  const trending: TrendingConfig = {
    days: readTrendingDays(r),
    percentile: r.percentile('TRENDING_PERCENTILE', config.percentile),
    topic: r.topic('TRENDING_TOPIC', 'trending_users'),
  };
  if (trending.days > 0) {
    config.trending = trending;
    if (trending.topic === config.popularTopic) {
      r.problems.push(
        `TRENDING_TOPIC=${trending.topic} is POPULAR_TOPIC too: the two sets' runs would mix, and a reader could take one for the other; give the trending set a topic of its own, e.g. trending_users`,
      );
    }
  }
  // Every request must fit the broker's limit whatever the user ids, or the run fails on every retry.
  const keyPrefix = config.trending === undefined ? POPULAR_KEY_PREFIX : TRENDING_KEY_PREFIX;
  const fits = maxPublishBatch(config.messageMaxBytes, config.kafka.clientId, keyPrefix);
  if (config.publishBatchSize > fits) {
    r.problems.push(
      `PUBLISH_BATCH_SIZE=${config.publishBatchSize} can exceed the broker's message.max.bytes (KAFKA_MESSAGE_MAX_BYTES=${config.messageMaxBytes}): ` +
        `a message takes up to ${maxUserRecordBytes(config.kafka.clientId, keyPrefix)} bytes; set PUBLISH_BATCH_SIZE to ${fits} or less, or KAFKA_MESSAGE_MAX_BYTES to the broker's real limit`,
    );
  }
  return r.done(config);
}
