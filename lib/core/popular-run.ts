// The wire format of a run on Kafka: its users, then one run-end marker, every message keyed by the
// run and carrying its identity in headers. Pure: lib/adapters/popular-publish.ts sends it, a
// consumer decodes it (run-decoder.ts) and tells complete runs (run-collector.ts).
import type { MessageHeaders, OutgoingMessage } from './kafka-message.js';
import type { PopularUser } from './popular-user.js';
import { maxRecordsWithin, recordBytes } from './record-size.js';

/** What every message of one run carries, so consumers can tell runs apart. */
export interface PopularRun {
  runId: string;
  /**
   * `<prefix><unix seconds of the run start>` (`popular_...`, or `trending_...` for the trending set): the key of every
   * message of the run, marker included.
   */
  key: string;
  startedAt: Date;
  percentile: number;
  /**
   * Who published the run: the job's Kafka client id, `<service>-<stage>-popular` on AWS, so every message names its
   * stage.
   */
  source?: string;
}

/** The marker's value: what a consumer checks the run's users against. */
export interface RunEnd {
  runId: string;
  /** Users published before the marker. */
  count: number;
  /** Null when the table was empty. */
  cutoff: number | null;
  percentile: number;
  usersScanned: number;
  /** A trending run's window: its first and last UTC day, YYYY-MM-DD. */
  window?: RunWindow;
}

export interface RunWindow {
  start: string;
  end: string;
}

export const RUN_HEADER = {
  runId: 'run_id',
  startedAt: 'run_started_at',
  runEnd: 'run_end',
  source: 'run_source',
} as const;

/** The key prefix of the popular-users job's all-time runs. */
export const POPULAR_KEY_PREFIX = 'popular_';
/** The key prefix of its trending runs, on TRENDING_TOPIC: a byte longer, so their messages are too. */
export const TRENDING_KEY_PREFIX = 'trending_';

export function runKey(prefix: string, startedAt: Date): string {
  return `${prefix}${Math.floor(startedAt.getTime() / 1000)}`;
}

/** The headers every message of `run` carries; a sink builds them once for all its users. */
export function runHeaders(run: PopularRun): MessageHeaders {
  const headers: MessageHeaders = [
    [RUN_HEADER.runId, run.runId],
    [RUN_HEADER.startedAt, run.startedAt.toISOString()],
  ];
  if (run.source !== undefined) headers.push([RUN_HEADER.source, run.source]);
  return headers;
}

export function popularUserMessage(
  user: PopularUser,
  run: PopularRun,
  cutoff: number,
  headers: MessageHeaders = runHeaders(run),
): OutgoingMessage {
  return {
    key: run.key,
    value: JSON.stringify({ user_id: user.userId, score: user.score, cutoff, percentile: run.percentile }),
    headers,
  };
}

export function runEndMessage(run: PopularRun, end: Omit<RunEnd, 'runId' | 'percentile'>): OutgoingMessage {
  const value: Record<string, unknown> = {
    run_id: run.runId,
    count: end.count,
    cutoff: end.cutoff,
    percentile: run.percentile,
    users_scanned: end.usersScanned,
  };
  if (end.window !== undefined) {
    value.window_start = end.window.start;
    value.window_end = end.window.end;
  }
  return { key: run.key, value: JSON.stringify(value), headers: [...runHeaders(run), [RUN_HEADER.runEnd, 'true']] };
}

/**
 * The largest user message the job can send for a user id the scorer accepts (128 characters, each
 * escaped by JSON to 6 bytes at worst) and any score, from a given source under a run key with the given
 * prefix (the trending set's is the longer): what PUBLISH_BATCH_SIZE is checked against.
 */
export function largestUserMessage(source?: string, keyPrefix = POPULAR_KEY_PREFIX): OutgoingMessage {
  return popularUserMessage(
    { userId: '\u0001'.repeat(128), score: -Number.MAX_VALUE },
    {
      runId: '00000000-0000-0000-0000-000000000000',
      key: `${keyPrefix}${8.64e12}`,
      startedAt: new Date(8.64e15),
      percentile: 2.2250738585072014e-308,
      source,
    },
    -Number.MAX_VALUE,
  );
}

/** The bytes of the largest user message, as the first record of a batch. */
export function maxUserRecordBytes(source?: string, keyPrefix = POPULAR_KEY_PREFIX): number {
  return recordBytes(largestUserMessage(source, keyPrefix));
}

/** The largest PUBLISH_BATCH_SIZE whose produce requests always fit a broker's message.max.bytes. */
export function maxPublishBatch(messageMaxBytes: number, source?: string, keyPrefix = POPULAR_KEY_PREFIX): number {
  return maxRecordsWithin(largestUserMessage(source, keyPrefix), messageMaxBytes);
}
