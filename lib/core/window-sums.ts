// The scorer's side of the trending window. A user item holds, per run day R, the user's trending score
// for a run that starts on R: the sum of their events stamped on the TRENDING_DAYS days ending with R.
// Each event adds to every kept run day whose window holds its day, so the job reads one number per user
// whatever the window's length. Run days are kept from the day before the scorer's own (a run started
// just before midnight may still be scanning) to TRENDING_DAYS days after it (an event stamped up to an
// hour ahead may fall on tomorrow): TRENDING_DAYS + 2 in all. An event no kept run day's window holds
// (stamped before today - TRENDING_DAYS) counts in the all-time score only.
import { dayOf } from './utc-days.js';

/** An event stamped more than this ahead of the scorer's clock is a future event: counted on the scorer's own day. */
export const FUTURE_TOLERANCE_MS = 3_600_000;
/**
 * Run days before the kept range that every write removes without reading the item first: as many as
 * the window is long, and a week at least. An item last written up to that many days before holds no
 * older run day, so such a user costs one write; an item idle longer fails the write's condition and
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
export interface WindowPlan {
  /** TRENDING_DAYS. */
  days: number;
  /** The scorer's clock, ms. */
  now: number;
  /** The scorer's UTC day. */
  today: number;
  /** The oldest event day a kept run day's window holds: today - days. Older events are late. */
  eventsFrom: number;
  /** The oldest run day kept: yesterday. Every item's window sums are at or after it once written. */
  keepFrom: number;
}

/** The plan for a batch scored at `now`; undefined when trending is off (TRENDING_DAYS=0): no window sums at all. */
export function windowPlan(days: number, now: number): WindowPlan | undefined {
  if (days <= 0) return undefined;
  const today = dayOf(now);
  return { days, now, today, eventsFrom: today - days, keepFrom: today - 1 };
}

/**
 * How an event's timestamp places it: on its own day, on the scorer's day (future), or in no window (late, or without a
 * timestamp).
 */
export type EventTime = 'dated' | 'future' | 'late' | 'undated';

export interface Placement {
  time: EventTime;
  /** The event's day; absent for late and undated events, which count in the all-time score only. */
  day?: number;
}

export function placeEvent(timestamp: number, plan: WindowPlan): Placement {
  if (timestamp < 0) return { time: 'undated' };
  if (timestamp > plan.now + FUTURE_TOLERANCE_MS) return { time: 'future', day: plan.today };
  const day = dayOf(timestamp);
  return day < plan.eventsFrom ? { time: 'late' } : { time: 'dated', day };
}

/** A batch's events by how their timestamps placed them (all of them, as delivered). */
export interface EventTimes {
  late: number;
  future: number;
  undated: number;
}

export function countEventTimes(timestamps: Iterable<number>, plan: WindowPlan | undefined): EventTimes {
  const counts: EventTimes = { late: 0, future: 0, undated: 0 };
  if (plan === undefined) return counts;
  for (const t of timestamps) {
    const { time } = placeEvent(t, plan);
    if (time !== 'dated') counts[time]++;
  }
  return counts;
}

/**
 * What a user's events add to each kept run day: run day -> summed score of the events its window
 * holds. Summed per event day first, so a batch costs one pass over its events and TRENDING_DAYS
 * additions per distinct day.
 */
export function windowDeltas(
  events: Iterable<{ timestamp: number; score: number }>,
  plan: WindowPlan,
): Map<number, number> {
  const perDay = new Map<number, number>();
  for (const e of events) {
    const { day } = placeEvent(e.timestamp, plan);
    if (day !== undefined) perDay.set(day, (perDay.get(day) ?? 0) + e.score);
  }
  const deltas = new Map<number, number>();
  for (const [day, score] of perDay)
    for (let run = Math.max(day, plan.keepFrom); run < day + plan.days; run++)
      deltas.set(run, (deltas.get(run) ?? 0) + score);
  return deltas;
}

/** The run days just before the kept range that a first write removes blind. */
export function clearedDays(plan: WindowPlan): number[] {
  const cleared = clearedDayCount(plan.days);
  return Array.from({ length: cleared }, (_, i) => plan.keepFrom - cleared + i);
}
