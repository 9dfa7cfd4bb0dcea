import { describe, expect, it } from 'vitest';
import {
  atLeast,
  atMost,
  below,
  exactly,
  formatMeasured,
  measured,
  medianIntervalCoverage,
  medianIntervalRank,
  pairedRatios,
  verdict,
} from '../../bench/measured.js';

const x = (v: number) => `${v.toFixed(2)}x`;

describe('the confidence interval of the median', () => {
  // Published tables of the distribution-free interval (e.g. Conover, Practical Nonparametric Statistics).
  it.each([
    [6, 1],
    [10, 2],
    [20, 6],
    [24, 7],
    [50, 18],
  ])('n = %i: the %i-th smallest and largest', (n, k) => {
    expect(medianIntervalRank(n)).toBe(k);
    expect(medianIntervalCoverage(n, k)).toBeGreaterThanOrEqual(0.95);
    expect(medianIntervalCoverage(n, k + 1)).toBeLessThan(0.95);
  });

  it('min-max of 3 covers the median with 75% confidence', () => {
    expect(medianIntervalCoverage(3, 1)).toBe(0.75);
  });
});

describe('measured', () => {
  it('uses the order statistics of the median interval from 6 samples on, so one outlier does not widen it', () => {
    const samples = [
      0.96, 0.97, 0.98, 0.95, 0.99, 0.97, 0.2, 0.96, 0.98, 0.97, 0.96, 0.99, 0.97, 0.98, 0.95, 0.97, 0.96, 0.98, 0.97,
      0.97,
    ];
    const m = measured(samples);
    expect(m.median).toBe(0.97);
    expect([m.min, m.max]).toEqual([0.2, 0.99]);
    // Sorted: the 6th smallest and the 6th largest of 20.
    expect([m.low, m.high]).toEqual([0.96, 0.98]);
    expect(m.interval).toBe('95% CI of the median of 20');
  });

  it('falls back to min-max below 6 samples and says how sure that is', () => {
    const m = measured([1.25, 1.1, 1.4]);
    expect([m.median, m.low, m.high]).toEqual([1.25, 1.1, 1.4]);
    expect(m.interval).toBe('min-max of 3 (covers the median with 75% confidence)');
  });

  it("judges every run when asked: a peak that must never pass a limit reads the extremes, not the median's interval", () => {
    const samples = Array.from({ length: 12 }, (_, i) => 200 + i);
    expect(measured(samples).high).toBeLessThan(211);
    const every = measured(samples, { spread: 'min-max' });
    expect([every.low, every.high]).toEqual([200, 211]);
  });

  it('refuses no samples or a sample that is not a number', () => {
    expect(() => measured([])).toThrow(/no samples/);
    expect(() => measured([1, NaN])).toThrow(/not a finite number/);
  });

  it('pairs ratios sample by sample and refuses unequal lists', () => {
    expect(pairedRatios([2, 3], [4, 3])).toEqual([0.5, 1]);
    expect(() => pairedRatios([1], [1, 2])).toThrow(/1 numerators for 2 denominators/);
  });
});

describe('verdict: met only when the whole spread clears the goal', () => {
  const spread = (low: number, high: number) => ({ ...measured([low, high]), low, high });

  it.each([
    [atLeast(0.95, x), 0.96, 0.99, 'met'],
    [atLeast(0.95, x), 0.95, 0.99, 'met'],
    [atLeast(0.95, x), 0.9, 0.97, 'unclear'],
    [atLeast(0.95, x), 0.8, 0.94, 'not met'],
    [atMost(1.2, x), 1.1, 1.2, 'met'],
    [atMost(1.2, x), 1.15, 1.25, 'unclear'],
    [atMost(1.2, x), 1.21, 1.4, 'not met'],
    [below(256, String), 200, 255.9, 'met'],
    [below(256, String), 250, 256, 'unclear'],
    [below(256, String), 256, 260, 'not met'],
    [exactly(1, String), 1, 1, 'met'],
    [exactly(1, String), 0.99, 1, 'unclear'],
    [exactly(1, String), 0.95, 0.99, 'not met'],
  ] as const)('%#: [%f, %f] is %s', (goal, low, high, expected) => {
    expect(verdict({ goal, measured: spread(low, high) })).toBe(expected);
  });

  it('states the goal in its unit', () => {
    expect(atLeast(0.95, x).text).toBe('>= 0.95x');
    expect(atMost(1.3, x).text).toBe('<= 1.30x');
  });
});

describe('formatMeasured', () => {
  it('gives the median and the spread the verdict read, or the value alone when there is no spread', () => {
    expect(formatMeasured(measured([1.1, 1.25, 1.4]), x)).toBe('1.25x (1.10x-1.40x)');
    expect(formatMeasured(measured([1]), x)).toBe('1.00x');
  });
});
