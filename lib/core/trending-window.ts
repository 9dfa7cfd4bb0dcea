// The job's side of the trending window: the TRENDING_DAYS UTC days ending with the day a run starts,
// today included. A user's trending score is the window sum the scorer keeps for that run day
// (window-sums.ts): one number per user, however long the window.
import { dayName, dayOf } from './utc-days.js';
import type { RunWindow } from './popular-run.js';

export interface TrendingWindow extends RunWindow {
  /** TRENDING_DAYS: the window's length, part of the window sums' names. */
  days: number;
  /** The run's UTC day: the window ends with it, and its window sum is what the job reads. */
  runDay: number;
}

export function trendingWindow(runStart: Date, days: number): TrendingWindow {
  const runDay = dayOf(runStart.getTime());
  return { days, runDay, start: dayName(runDay - days + 1), end: dayName(runDay) };
}
