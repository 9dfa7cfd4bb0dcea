// The format of a popular-users run on Kafka: its users, then one run-end marker; and how a consumer
// tells a complete run from a partial one. Pure: the Kafka adapters are lib/adapters/popular-publish.ts and
// lib/adapters/popular-reader.ts.
import type { MessageHeaders, OutgoingMessage } from './kafka-message.js';
import { RECORD_BATCH_OVERHEAD, recordBytes } from './record-size.js';

/** A run's key is `<prefix>_<unix seconds of the run start>`: the all-time set's, and the trending set's. */
export const POPULAR_KEY_PREFIX = 'popular';
export const TRENDING_KEY_PREFIX = 'trending';

export interface PopularUser {
  userId: string;
  score: number;
}

/** What every message of one run carries, so consumers can tell runs apart. */
export interface PopularRun {
  runId: string;
  /** `popular_<unix seconds of the run start>`: the key of every message of the run, marker included. */
  key: string;
  startedAt: Date;
  percentile: number;
  /** Who published the run: the job's Kafka client id, `<service>-<stage>-popular` on AWS, so every message names its stage. */
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

const POPULAR_HEADER = { runId: 'run_id', startedAt: 'run_started_at', runEnd: 'run_end', source: 'run_source' } as const;

function runHeaders(run: PopularRun): MessageHeaders {
  const headers: MessageHeaders = [
    [POPULAR_HEADER.runId, run.runId],
    [POPULAR_HEADER.startedAt, run.startedAt.toISOString()],
  ];
  if (run.source !== undefined) headers.push([POPULAR_HEADER.source, run.source]);
  return headers;
}

export function popularUserMessage(user: PopularUser, run: PopularRun, cutoff: number): OutgoingMessage {
  return {
    key: run.key,
    value: JSON.stringify({ user_id: user.userId, score: user.score, cutoff, percentile: run.percentile }),
    headers: runHeaders(run),
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
  return { key: run.key, value: JSON.stringify(value), headers: [...runHeaders(run), [POPULAR_HEADER.runEnd, 'true']] };
}

/**
 * The largest user message the job can send for a user id the scorer accepts (128 characters, each
 * escaped by JSON to 6 bytes at worst) and any score, from a given source: what PUBLISH_BATCH_SIZE is checked against.
 */
export function maxUserRecordBytes(source?: string, keyPrefix = POPULAR_KEY_PREFIX): number {
  return recordBytes(
    popularUserMessage(
      { userId: '\u0001'.repeat(128), score: -Number.MAX_VALUE },
      {
        runId: '00000000-0000-0000-0000-000000000000',
        key: `${keyPrefix}_${8.64e12}`,
        startedAt: new Date(8.64e15),
        percentile: 2.2250738585072014e-308,
        source,
      },
      -Number.MAX_VALUE,
    ),
  );
}

/** The bound without a source header. */
export const MAX_USER_RECORD_BYTES = maxUserRecordBytes();

/** The largest PUBLISH_BATCH_SIZE whose produce requests always fit a broker's message.max.bytes. */
export function maxPublishBatch(messageMaxBytes: number, source?: string, keyPrefix = POPULAR_KEY_PREFIX): number {
  return Math.floor((messageMaxBytes - RECORD_BATCH_OVERHEAD) / maxUserRecordBytes(source, keyPrefix));
}

/** One message of the topic, as a consumer decodes it. */
export type PopularMessage =
  | { kind: 'user'; runId: string; key: string; startedAt: string; source?: string; user: PopularUser }
  | { kind: 'end'; runId: string; key: string; startedAt: string; source?: string; end: RunEnd };

/** Decodes a message of popular_users; undefined for anything that is not part of a run. */
export function decodePopularMessage(key: string | null, value: string | null, headers: Record<string, string | undefined>): PopularMessage | undefined {
  const runId = headers[POPULAR_HEADER.runId];
  const startedAt = headers[POPULAR_HEADER.startedAt];
  if (key === null || value === null || runId === undefined || startedAt === undefined) return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(value) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (headers[POPULAR_HEADER.runEnd] === 'true') {
    if (body.run_id !== runId || typeof body.count !== 'number' || typeof body.users_scanned !== 'number') return undefined;
    const cutoff = typeof body.cutoff === 'number' ? body.cutoff : null;
    const end: RunEnd = { runId, count: body.count, cutoff, percentile: Number(body.percentile), usersScanned: body.users_scanned };
    if (typeof body.window_start === 'string' && typeof body.window_end === 'string') end.window = { start: body.window_start, end: body.window_end };
    return { kind: 'end', runId, key, startedAt, source: headers[POPULAR_HEADER.source], end };
  }
  if (typeof body.user_id !== 'string' || typeof body.score !== 'number') return undefined;
  return { kind: 'user', runId, key, startedAt, source: headers[POPULAR_HEADER.source], user: { userId: body.user_id, score: body.score } };
}

export interface CompleteRun extends RunEnd {
  key: string;
  startedAt: string;
  /** The publishing job's client id, when its messages carry one. */
  source?: string;
  users: PopularUser[];
}

/**
 * Groups a topic's messages by run and answers with the latest complete run: its marker read and
 * exactly `count` distinct users of its run id. Runs older than a complete one are let go as it
 * completes, so memory follows the newest runs only.
 */
export class RunCollector {
  private readonly runs = new Map<string, { key: string; startedAt: string; source?: string; users: Map<string, number>; end?: RunEnd }>();
  private latest?: CompleteRun;

  add(message: PopularMessage): void {
    if (this.latest !== undefined && message.startedAt < this.latest.startedAt) return;
    let run = this.runs.get(message.runId);
    if (run === undefined) {
      run = { key: message.key, startedAt: message.startedAt, source: message.source, users: new Map() };
      this.runs.set(message.runId, run);
    }
    if (message.kind === 'end') run.end = message.end;
    else run.users.set(message.user.userId, message.user.score); // a duplicate delivery counts once
    if (run.end !== undefined && run.users.size === run.end.count) this.completed(message.runId);
  }

  private completed(runId: string): void {
    const run = this.runs.get(runId)!;
    const candidate: CompleteRun = {
      ...run.end!,
      key: run.key,
      startedAt: run.startedAt,
      source: run.source,
      users: [...run.users].map(([userId, score]) => ({ userId, score })),
    };
    if (this.latest === undefined || candidate.startedAt >= this.latest.startedAt) this.latest = candidate;
    for (const [id, other] of this.runs) if (other.startedAt <= this.latest.startedAt) this.runs.delete(id);
  }

  latestComplete(): CompleteRun | undefined {
    return this.latest;
  }
}
