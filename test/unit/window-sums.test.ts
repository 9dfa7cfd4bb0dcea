// Where the scorer puts each event's score: on its UTC day, or the scorer's own day when stamped over an
// hour ahead, added to every kept run day whose window holds that day; in no window when older than
// every kept window or without a timestamp.
import { describe, expect, it } from 'vitest';
import { windowDeltas, windowPlan, clearedDays, countEventTimes, placeEvent } from '../../lib/core/window-sums.js';
import { dayFromName, dayName, dayOf } from '../../lib/core/utc-days.js';
import { trendingWindow } from '../../lib/core/trending-window.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 25, 23, 30);
const TODAY = dayOf(NOW);

describe('UTC days', () => {
  it('names a day YYYY-MM-DD and reads the name back; refuses what is no date', () => {
    expect(dayName(TODAY)).toBe('2026-11-25');
    expect(dayFromName('2026-11-25')).toBe(TODAY);
    expect(dayOf(Date.UTC(2026, 10, 25, 23, 59, 59, 999))).toBe(TODAY);
    expect(dayOf(Date.UTC(2026, 10, 26))).toBe(TODAY + 1);
    for (const bad of ['2026-02-30', '2026-11-25T00', '26-11-25', 'd:2026-11-25', ''])
      expect(dayFromName(bad)).toBeUndefined();
    expect(() => dayName(dayOf(8.64e15) + 1)).toThrow(RangeError);
  });

  it("a run's window: TRENDING_DAYS days ending with the run's day", () => {
    expect(trendingWindow(new Date(NOW), 7)).toEqual({
      days: 7,
      runDay: TODAY,
      start: '2026-11-19',
      end: '2026-11-25',
    });
    expect(trendingWindow(new Date(Date.UTC(2026, 0, 1)), 1)).toMatchObject({ start: '2026-01-01', end: '2026-01-01' });
  });
});

describe('the scorer places each event', () => {
  const plan = windowPlan(7, NOW)!;

  it('counts events from today - TRENDING_DAYS on, and keeps the run days from yesterday on', () => {
    expect(plan).toEqual({ days: 7, now: NOW, today: TODAY, eventsFrom: TODAY - 7, keepFrom: TODAY - 1 });
    expect(windowPlan(0, NOW)).toBeUndefined();
  });

  it.each([
    ['now', NOW, { time: 'dated', day: TODAY }],
    ['earlier today', NOW - 20 * HOUR, { time: 'dated', day: TODAY }],
    ['the oldest counted day, first millisecond', (TODAY - 7) * DAY, { time: 'dated', day: TODAY - 7 }],
    ['the day before it, last millisecond', (TODAY - 7) * DAY - 1, { time: 'late' }],
    ['an hour ahead, past midnight', NOW + HOUR, { time: 'dated', day: TODAY + 1 }],
    ['an hour and a millisecond ahead', NOW + HOUR + 1, { time: 'future', day: TODAY }],
    ['a year ahead', NOW + 365 * DAY, { time: 'future', day: TODAY }],
    ['beyond any date', 9e15, { time: 'future', day: TODAY }],
    ['without a timestamp', -1, { time: 'undated' }],
  ])('%s', (_case, timestamp, placement) => {
    expect(placeEvent(timestamp, plan)).toEqual(placement);
  });

  it("sums a batch's events per kept run day whose window holds them, and counts the ones in none or moved", () => {
    const events = [NOW, NOW - DAY, NOW - DAY, NOW - 30 * DAY, NOW + 5 * HOUR, -1].map((timestamp, i) => ({
      timestamp,
      score: i + 1,
    }));
    // Today's (1 and the future 5) count for the runs of today to 6 days on; yesterday's (2 and 3) for
    // the runs of yesterday to 5 days on; none reaches a run 7 days on, the last a window of 7 can need.
    const expected = new Map<number, number>([[TODAY - 1, 5]]);
    for (let run = TODAY; run <= TODAY + 5; run++) expected.set(run, 6 + 5);
    expected.set(TODAY + 6, 6);
    expect(windowDeltas(events, plan)).toEqual(expected);
    expect(
      countEventTimes(
        events.map((e) => e.timestamp),
        plan,
      ),
    ).toEqual({ late: 1, future: 1, undated: 1 });
    // Trending off: nothing is late, future or undated; there are no windows to be any of those for.
    expect(countEventTimes([NOW - 30 * DAY, NOW + 5 * HOUR, -1], undefined)).toEqual({
      late: 0,
      future: 0,
      undated: 0,
    });
  });

  it('clears as many run days just below the kept ones as the window is long, a week at least, on every write', () => {
    expect(clearedDays(plan)).toEqual(Array.from({ length: 7 }, (_, i) => TODAY - 8 + i));
    expect(clearedDays(windowPlan(1, NOW)!)).toEqual(Array.from({ length: 7 }, (_, i) => TODAY - 8 + i));
    expect(clearedDays(windowPlan(90, NOW)!)).toEqual(Array.from({ length: 90 }, (_, i) => TODAY - 91 + i));
  });
});
