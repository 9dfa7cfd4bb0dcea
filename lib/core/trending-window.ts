// The job's side of the trending window: the TRENDING_DAYS UTC days ending with the day a run starts,
// today included. A user's trending score is the sum of their buckets on those days.
import { dayName, dayOf } from './utc-days.js';
import type { RunWindow } from './popular-run.js';

export interface TrendingWindow extends RunWindow {
  /** The window's days, oldest first. */
  days: number[];
}

export function trendingWindow(runStart: Date, days: number): TrendingWindow {
  const last = dayOf(runStart.getTime());
  const window = Array.from({ length: days }, (_, i) => last - days + 1 + i);
  return { days: window, start: dayName(window[0]!), end: dayName(last) };
}
