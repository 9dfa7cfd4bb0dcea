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
}

export interface ScoredEvent {
  topic: string;
  partition: number;
  offset: number;
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
      user = { userId: a.userId, delta: 0, spans: new Map(), events: [] };
      byUser.set(a.userId, user);
    }
    addEvent(user, a);
  }
  return byUser;
}

/** Rebuilds a user's delta from the events still to apply (those above the offsets already stored). */
export function remainingDelta(user: UserDelta, applied: (topic: string, partition: number) => number | undefined): UserDelta | undefined {
  const rest: UserDelta = { userId: user.userId, delta: 0, spans: new Map(), events: [] };
  for (const e of user.events) {
    const done = applied(e.topic, e.partition);
    if (done === undefined || e.offset > done) addEvent(rest, e);
  }
  return rest.events.length > 0 ? rest : undefined;
}

function addEvent(user: UserDelta, e: ScoredEvent): void {
  user.delta += e.score;
  user.events.push(e);
  const key = partitionKey(e.topic, e.partition);
  const span = user.spans.get(key);
  if (span === undefined) user.spans.set(key, { topic: e.topic, partition: e.partition, min: e.offset, max: e.offset });
  else {
    if (e.offset < span.min) span.min = e.offset;
    if (e.offset > span.max) span.max = e.offset;
  }
}
