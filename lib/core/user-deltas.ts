import type { Activity } from './activity.js';

/** One user's share of a batch: what to add, and which Kafka positions it covers. */
export interface UserDelta {
  userId: string;
  delta: number;
  /** Per topic-partition ("<topic>:<partition>"), the lowest and highest offset of this user's events. */
  spans: Map<string, OffsetSpan>;
  /** The scored events themselves, kept so a partly applied redelivery can be re-cut by offset. */
  events: ScoredEvent[];
}

export interface OffsetSpan {
  topic: string;
  partition: number;
  min: number;
  max: number;
  /** The newest record timestamp among these events (-1 when none has one). */
  newest: number;
  /** The oldest known record timestamp among these events; absent when none has one. */
  oldest?: number;
  /** The lowest offset among events whose timestamp cannot tell a copy from a new event (see positions.ts). */
  firstUndecidable?: number;
}

export interface ScoredEvent {
  topic: string;
  partition: number;
  offset: number;
  /** Record timestamp in ms, -1 when unknown. */
  timestamp: number;
  /** The broker set the timestamp (LogAppendTime): when the record reached this log, not when it happened. */
  brokerTimestamp?: boolean;
  score: number;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** Combines a batch's activities into one delta per user, in first-seen order. */
export function combineByUser(activities: Iterable<Activity>): Map<string, UserDelta> {
  const byUser = new Map<string, UserDelta>();
  for (const a of activities) {
    let user = byUser.get(a.userId);
    if (user === undefined) {
      user = emptyDelta(a.userId);
      byUser.set(a.userId, user);
    }
    addEvent(user, a);
  }
  return byUser;
}

/**
 * Cuts a user's delta into parts of at most `maxPartitions` topic-partitions each, so one write's
 * expressions stay within DynamoDB's limits; each part still carries the offsets guarding its events.
 */
export function splitByPartitions(user: UserDelta, maxPartitions: number): UserDelta[] {
  if (user.spans.size <= maxPartitions) return [user];
  const partOf = new Map<string, number>();
  for (const key of user.spans.keys()) partOf.set(key, Math.floor(partOf.size / maxPartitions));
  const parts: UserDelta[] = Array.from({ length: Math.ceil(user.spans.size / maxPartitions) }, () =>
    emptyDelta(user.userId),
  );
  for (const e of user.events) addEvent(parts[partOf.get(partitionKey(e.topic, e.partition))!]!, e);
  return parts;
}

export function emptyDelta(userId: string): UserDelta {
  return { userId, delta: 0, spans: new Map(), events: [] };
}

/** A timestamp absent, or set by the broker: it cannot tell a copy of a counted event from a new one. */
export function undecidable(e: ScoredEvent): boolean {
  return e.timestamp < 0 || e.brokerTimestamp === true;
}

export function addEvent(user: UserDelta, e: ScoredEvent): void {
  user.delta += e.score;
  const event: ScoredEvent = {
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    timestamp: e.timestamp,
    score: e.score,
  };
  if (e.brokerTimestamp === true) event.brokerTimestamp = true;
  user.events.push(event);
  const key = partitionKey(e.topic, e.partition);
  let span = user.spans.get(key);
  if (span === undefined) {
    span = { topic: e.topic, partition: e.partition, min: e.offset, max: e.offset, newest: e.timestamp };
    user.spans.set(key, span);
  } else {
    if (e.offset < span.min) span.min = e.offset;
    if (e.offset > span.max) span.max = e.offset;
    if (e.timestamp > span.newest) span.newest = e.timestamp;
  }
  if (e.timestamp >= 0 && (span.oldest === undefined || e.timestamp < span.oldest)) span.oldest = e.timestamp;
  if (undecidable(e) && (span.firstUndecidable === undefined || e.offset < span.firstUndecidable))
    span.firstUndecidable = e.offset;
}
