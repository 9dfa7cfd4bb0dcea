// A consumer's side of the run format (popular-run.ts): one message of the topic, decoded.
import type { PopularUser } from './popular-user.js';
import { RUN_HEADER, type RunEnd } from './popular-run.js';

/** What every message of a run says about the run it belongs to. */
interface RunIdentity {
  runId: string;
  key: string;
  startedAt: string;
  /** The run_source header: the publishing job's Kafka client id; absent on runs published before it existed. */
  source?: string;
}

/** One message of the topic, as a consumer decodes it. */
export type PopularMessage =
  (RunIdentity & { kind: 'user'; user: PopularUser }) | (RunIdentity & { kind: 'end'; end: RunEnd });

/**
 * Decodes a message of a runs topic; undefined for anything that is not part of a run. A repeated header counts with
 * its last value.
 */
export function decodePopularMessage(
  key: string | null,
  value: string | null,
  headers: Record<string, string | undefined>,
): PopularMessage | undefined {
  const runId = headers[RUN_HEADER.runId];
  const startedAt = headers[RUN_HEADER.startedAt];
  if (key === null || value === null || runId === undefined || startedAt === undefined) return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(value) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== 'object') return undefined;
  const identity: RunIdentity = { runId, key, startedAt };
  const source = headers[RUN_HEADER.source];
  if (source !== undefined) identity.source = source;
  if (headers[RUN_HEADER.runEnd] === 'true') {
    if (body.run_id !== runId || typeof body.count !== 'number' || typeof body.users_scanned !== 'number')
      return undefined;
    const cutoff = typeof body.cutoff === 'number' ? body.cutoff : null;
    const end: RunEnd = {
      runId,
      count: body.count,
      cutoff,
      percentile: Number(body.percentile),
      usersScanned: body.users_scanned,
    };
    // A trending run's marker names its window.
    if (typeof body.window_start === 'string' && typeof body.window_end === 'string')
      end.window = { start: body.window_start, end: body.window_end };
    return { ...identity, kind: 'end', end };
  }
  if (typeof body.user_id !== 'string' || typeof body.score !== 'number') return undefined;
  return { ...identity, kind: 'user', user: { userId: body.user_id, score: body.score } };
}
