import { describe, expect, it } from 'vitest';
import { SegmentDigest, estimatePercentile, estimateQuantile, mergePartials } from '../../lib/core/digest.js';
import {
  continuousScores,
  exactCutoff,
  seedShapedScores,
  seededRandom,
  skewedScores,
} from '../../local/fixtures/index.js';

/** The fraction of values at or below x: where an estimate really sits in the data. */
function rankOf(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

function digestOf(values: ArrayLike<number>): SegmentDigest {
  const digest = new SegmentDigest();
  for (let i = 0; i < values.length; i++) digest.add(values[i]!);
  return digest;
}

/** Splits values over `parts` partial digests at random, as a parallel scan's segments would see them. */
function partialsOf(values: ArrayLike<number>, parts: number, seed: number): SegmentDigest[] {
  const rng = seededRandom(seed);
  const digests = Array.from({ length: parts }, () => new SegmentDigest());
  for (let i = 0; i < values.length; i++) digests[Math.floor(rng() * parts)]!.add(values[i]!);
  return digests;
}

describe('t-digest partials', () => {
  it('merged partials agree with a single digest over all values within t-digest error', () => {
    const values = continuousScores(100_000, 11);
    const sorted = Float64Array.from(values).sort();
    const single = mergePartials([digestOf(values).toPartial()]);
    const merged = mergePartials(partialsOf(values, 16, 12).map((d) => d.toPartial()));
    // t-digest's rank error shrinks towards the tails (delta 0.01: well under 1% of N in the middle).
    for (const [q, tolerance] of [
      [0.5, 0.01],
      [0.9, 0.005],
      [0.95, 0.003],
      [0.99, 0.002],
    ] as const) {
      const a = estimateQuantile(single, q)!;
      const b = estimateQuantile(merged, q)!;
      expect(Math.abs(rankOf(sorted, a) - q)).toBeLessThan(tolerance);
      expect(Math.abs(rankOf(sorted, b) - q)).toBeLessThan(tolerance);
      expect(Math.abs(rankOf(sorted, a) - rankOf(sorted, b))).toBeLessThan(tolerance);
    }
  });

  it('merging keeps every count and stays small however many values went in', () => {
    const values = skewedScores(50_000, 5);
    const partials = partialsOf(values, 8, 6).map((d) => d.toPartial());
    const merged = mergePartials(partials);
    const total = merged.toArray().reduce((sum, c) => sum + c.n, 0);
    expect(total).toBe(50_000);
    expect(merged.size()).toBeLessThan(1000);
  });

  it('estimates the seed-shaped 95th percentile within one score of the exact nearest rank', () => {
    const values = seedShapedScores(100_000, 21);
    const exact = exactCutoff(values, 95)!;
    const estimate = estimatePercentile(mergePartials(partialsOf(values, 8, 22).map((d) => d.toPartial())), 95)!;
    expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(1);
  });

  it('pages pushed grouped by value estimate like scores pushed one by one, with ties or without', () => {
    for (const values of [seedShapedScores(60_000, 23), continuousScores(60_000, 24)]) {
      const sorted = Float64Array.from(values).sort();
      const byPage = new SegmentDigest();
      for (let start = 0; start < values.length; start += 5000)
        byPage.addPage(Array.from(values.subarray(start, start + 5000)));
      expect(byPage.count).toBe(values.length);
      const oneByOne = digestOf(values);
      for (const q of [0.5, 0.95, 0.99]) {
        expect(Math.abs(rankOf(sorted, byPage.quantile(q)!) - q)).toBeLessThan(0.005);
        expect(Math.abs(byPage.quantile(q)! - oneByOne.quantile(q)!)).toBeLessThan(2);
      }
    }
  });

  it('answers undefined for an empty digest and merges empty partials to nothing', () => {
    const empty = new SegmentDigest();
    expect(empty.quantile(0.5)).toBeUndefined();
    expect(empty.toPartial()).toEqual([]);
    const merged = mergePartials([empty.toPartial(), []]);
    expect(estimatePercentile(merged, 95)).toBeUndefined();
  });

  it('a digest of one value answers that value at every quantile', () => {
    const one = digestOf([42]);
    expect(one.count).toBe(1);
    expect(one.quantile(0.01)).toBe(42);
    expect(estimatePercentile(mergePartials([one.toPartial()]), 99)).toBe(42);
  });
});
