// The window sums the benchmarks load must be what a scorer keeps: today's run reads the last
// TRENDING_DAYS days of the history, and each kept run day its own window of it.
import { describe, expect, it } from 'vitest';
import { windowAttribute } from '../../lib/adapters/score-item.js';
import { lastDaysSums, seedShapedDays, windowAttributes } from '../../local/fixtures/index.js';

describe('windowAttributes', () => {
  const history = seedShapedDays(500, 30, 7, 20);
  const today = 20_000;

  it.each([1, 7, 30])(
    "TRENDING_DAYS=%i: today's run is the history's last days; yesterday's and later runs their own",
    (days) => {
      const attributes = windowAttributes(history, today, days);
      const lastDays = lastDaysSums(history, days);
      const yesterdays = Float64Array.from(lastDays, (_, u) => {
        let sum = 0;
        for (let d = 30 - days - 1; d < 29; d++) sum += d >= 0 ? history.perDay[d]![u]! : 0;
        return sum;
      });
      for (let u = 0; u < 500; u++) {
        const item = attributes(u);
        expect(Object.keys(item).length).toBeLessThanOrEqual(days + 2);
        expect(Number(item[windowAttribute(days, today)]?.N ?? 0)).toBe(lastDays[u]);
        expect(Number(item[windowAttribute(days, today - 1)]?.N ?? 0)).toBe(yesterdays[u]);
        // The last run day kept holds only what the history's last day adds to windows that long.
        expect(Number(item[windowAttribute(days, today + days - 1)]?.N ?? 0)).toBe(history.perDay[29]![u]);
      }
    },
  );
});
