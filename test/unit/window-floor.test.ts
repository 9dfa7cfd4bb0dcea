// A first write's condition lets through exactly the items whose floor is of its own window length and
// recent enough. DynamoDB compares the strings by their UTF-8 bytes, as JavaScript compares these ASCII
// ones, so the claim is checked here with the bounds the write really sends.
import { describe, expect, it } from 'vitest';
import { clearWindowsBlind, ItemUpdate, windowsTooOld } from '../../lib/adapters/score-item.js';
import { windowPlan } from '../../lib/core/window-sums.js';
import { dayName, dayOf } from '../../lib/core/utc-days.js';

const NOW = Date.UTC(2026, 10, 30, 12);
const TODAY = dayOf(NOW);
const LENGTHS = [1, 2, 7, 8, 9, 10, 70, 89, 90];

/** What DynamoDB decides for a stored floor: `NOT (floor < lowest OR floor > highest)`, a missing floor passing. */
function passes(days: number, floor: string | undefined): boolean {
  const update = new ItemUpdate();
  clearWindowsBlind(update, windowPlan(days, NOW)!);
  const [, lowest, highest] = /NOT \(#\d+ < (:\d+) OR #\d+ > (:\d+)\)/.exec(update.condition)!;
  const low = update.values[lowest!]!.S!;
  const high = update.values[highest!]!.S!;
  return floor === undefined || !(floor < low || floor > high);
}

describe("the first write's floor condition", () => {
  it.each(LENGTHS)(
    'TRENDING_DAYS=%i: passes its own recent floors and a missing one, refuses every other length',
    (days) => {
      const plan = windowPlan(days, NOW)!;
      const oldestPassing = plan.keepFrom - Math.max(7, days);
      for (const other of LENGTHS)
        for (const day of [oldestPassing, plan.keepFrom, TODAY + 100]) {
          const floor = `${other}/${dayName(day)}`;
          expect(passes(days, floor), floor).toBe(other === days);
          // The re-cut's own reading agrees: what the condition refuses, it counts as too old to clear blind.
          expect(windowsTooOld({ wlo: { S: floor } }, plan), floor).toBe(other !== days);
        }
      expect(passes(days, `${days}/${dayName(oldestPassing - 1)}`)).toBe(false);
      expect(windowsTooOld({ wlo: { S: `${days}/${dayName(oldestPassing - 1)}` } }, plan)).toBe(true);
      expect(passes(days, undefined)).toBe(true);
    },
  );
});
