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
}

export interface ScoredEvent {
  topic: string;
  partition: number;
  offset: number;
  /** Record timestamp in ms, -1 when unknown. */
  timestamp: number;
  score: number;
}

/** What a user item holds for one topic-partition: the highest offset applied and the newest timestamp applied. */
export interface StoredPosition {
  offset: number;
  /** Absent on items written before timestamps were kept. */
  newest?: number;
}

/** A topic-partition whose offsets started again below the stored ones: a recreated topic or another cluster. */
export interface OffsetRestart {
  userId: string;
  topic: string;
  partition: number;
  storedOffset: number;
  storedNewest: number;
  firstOffset: number;
  lastOffset: number;
  newest: number;
}

function partitionKey(topic: string, partition: number): string {
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
  const parts: UserDelta[] = Array.from({ length: Math.ceil(user.spans.size / maxPartitions) }, () => emptyDelta(user.userId));
  for (const e of user.events) addEvent(parts[partOf.get(partitionKey(e.topic, e.partition))!]!, e);
  return parts;
}

/**
 * Rebuilds a user's delta from the events not yet applied, given what the item stores per
 * topic-partition. An event at or below the stored offset was applied before, unless it is newer
 * than every event applied there: then the partition's log started again (topic recreated, or
 * another cluster) and all of this batch's events of that partition are new.
 */
export function remainingDelta(
  user: UserDelta,
  stored: (topic: string, partition: number) => StoredPosition | undefined,
): { rest: UserDelta | undefined; restarts: OffsetRestart[] } {
  const restarts: OffsetRestart[] = [];
  for (const span of user.spans.values()) {
    const position = stored(span.topic, span.partition);
    if (position?.newest === undefined || span.min > position.offset) continue;
    const restarted = user.events.some(
      (e) => e.topic === span.topic && e.partition === span.partition && e.offset <= position.offset && e.timestamp > position.newest!,
    );
    if (restarted) {
      restarts.push({
        userId: user.userId,
        topic: span.topic,
        partition: span.partition,
        storedOffset: position.offset,
        storedNewest: position.newest,
        firstOffset: span.min,
        lastOffset: span.max,
        newest: span.newest,
      });
    }
  }
  const restartedKeys = new Set(restarts.map((r) => partitionKey(r.topic, r.partition)));
  const rest = emptyDelta(user.userId);
  for (const e of user.events) {
    const done = stored(e.topic, e.partition)?.offset;
    if (done === undefined || e.offset > done || restartedKeys.has(partitionKey(e.topic, e.partition))) addEvent(rest, e);
  }
  return { rest: rest.events.length > 0 ? rest : undefined, restarts };
}

function emptyDelta(userId: string): UserDelta {
  return { userId, delta: 0, spans: new Map(), events: [] };
}

function addEvent(user: UserDelta, e: ScoredEvent): void {
  user.delta += e.score;
  user.events.push({ topic: e.topic, partition: e.partition, offset: e.offset, timestamp: e.timestamp, score: e.score });
  const key = partitionKey(e.topic, e.partition);
  const span = user.spans.get(key);
  if (span === undefined) user.spans.set(key, { topic: e.topic, partition: e.partition, min: e.offset, max: e.offset, newest: e.timestamp });
  else {
    if (e.offset < span.min) span.min = e.offset;
    if (e.offset > span.max) span.max = e.offset;
    if (e.timestamp > span.newest) span.newest = e.timestamp;
  }
}
