// The scorer's side of the trending window: which day bucket of a user item each event adds to, and
// which days an item may still hold. Buckets are kept from TRENDING_DAYS days before the scorer's own
// UTC day to the day after it, TRENDING_DAYS + 2 in all: the window of a run that starts on the
// scorer's day or the day before is inside them, and an event stamped up to an hour ahead may fall on
// the next day. Older events count in the all-time score only.
import { dayOf } from './utc-days.js';

/** An event stamped more than this ahead of the scorer's clock is a future event: counted on the scorer's own day. */
export const FUTURE_TOLERANCE_MS = 3_600_000;
/**
 * Days before the kept range that every write removes without reading the item first: as many as the
 * window is long, and a week at least. An item last written up to that many days before holds no
 * older bucket, so such a user costs one write; an item idle longer fails the write's condition and
 * is cleared by one re-cut write.
 */
export const MIN_CLEARED_DAYS = 7;

export function clearedDayCount(days: number): number {
  return Math.max(MIN_CLEARED_DAYS, days);
}

/**
 * What one batch's writes keep: fixed from the scorer's clock once per invocation, so every write and re-cut of it
 * agrees.
 */
export interface BucketPlan {
  /** TRENDING_DAYS. */
  days: number;
  /** The scorer's clock, ms. */
  now: number;
  /** The scorer's UTC day. */
  today: number;
  /** The oldest day kept: today - days. Every item's buckets are at or after it once written. */
  keepFrom: number;
}

/** The plan for a batch scored at `now`; undefined when trending is off (TRENDING_DAYS=0): no buckets at all. */
export function bucketPlan(days: number, now: number): BucketPlan | undefined {
  if (days <= 0) return undefined;
  const today = dayOf(now);
  return { days, now, today, keepFrom: today - days };
}

/**
 * How an event's timestamp places it: on its own day, on the scorer's day (future), or in no bucket (late, or without a
 * timestamp).
 */
export type EventTime = 'dated' | 'future' | 'late' | 'undated';

export interface Placement {
  time: EventTime;
  /** The bucket's day; absent for late and undated events, which count in the all-time score only. */
  day?: number;
}

export function placeEvent(timestamp: number, plan: BucketPlan): Placement {
  if (timestamp < 0) return { time: 'undated' };
  if (timestamp > plan.now + FUTURE_TOLERANCE_MS) return { time: 'future', day: plan.today };
  const day = dayOf(timestamp);
  return day < plan.keepFrom ? { time: 'late' } : { time: 'dated', day };
}

/** A batch's events by how their timestamps placed them (all of them, as delivered). */
export interface EventTimes {
  late: number;
  future: number;
  undated: number;
}

export function countEventTimes(timestamps: Iterable<number>, plan: BucketPlan | undefined): EventTimes {
  const counts: EventTimes = { late: 0, future: 0, undated: 0 };
  if (plan === undefined) return counts;
  for (const t of timestamps) {
    const { time } = placeEvent(t, plan);
    if (time !== 'dated') counts[time]++;
  }
  return counts;
}

/** Each bucket's share of the events: day -> summed score. */
export function bucketDeltas(
  events: Iterable<{ timestamp: number; score: number }>,
  plan: BucketPlan,
): Map<number, number> {
  const deltas = new Map<number, number>();
  for (const e of events) {
    const { day } = placeEvent(e.timestamp, plan);
    if (day !== undefined) deltas.set(day, (deltas.get(day) ?? 0) + e.score);
  }
  return deltas;
}

/** The days just before the kept range that a first write removes blind. */
export function clearedDays(plan: BucketPlan): number[] {
  const cleared = clearedDayCount(plan.days);
  return Array.from({ length: cleared }, (_, i) => plan.keepFrom - cleared + i);
}
