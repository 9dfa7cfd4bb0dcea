import { describe, expect, it } from 'vitest';
import {
  CandidateSet,
  DEFAULT_SELECTION_POLICY,
  SegmentSelection,
  nearestRank,
  nextThreshold,
  resolveCutoff,
  type SelectionPolicy,
} from '../../lib/core/selection.js';
import type { CandidateSet as Sets } from '../../lib/core/selection.js';
import {
  continuousScores,
  exactPopular,
  seedShapedScores,
  seededRandom,
  skewedScores,
} from '../../local/fixtures/index.js';

/** The oracle with this file's user ids, the popular ones sorted as `ids` sorts what the selection returns. */
function expectedPopular(scores: ArrayLike<number>, percentile: number): { cutoff: number | null; ids: string[] } {
  const { cutoff, users } = exactPopular(scores, percentile, (i) => `u${i}`);
  return { cutoff, ids: [...users.keys()].sort() };
}

/** An in-memory first pass: users dealt to segments at random, read in pages, as the scan would. */
function firstPass(
  scores: ArrayLike<number>,
  percentile: number,
  segments: number,
  policy: SelectionPolicy,
  pageSize = 500,
) {
  const rng = seededRandom(7);
  const buckets = Array.from({ length: segments }, () => [] as number[]);
  for (let i = 0; i < scores.length; i++) buckets[Math.floor(rng() * segments)]!.push(i);
  const selections = buckets.map((bucket) => {
    const selection = new SegmentSelection(percentile, policy);
    for (let start = 0; start < bucket.length; start += pageSize) {
      const page = bucket.slice(start, start + pageSize);
      selection.addPage(
        page.map((i) => `u${i}`),
        page.map((i) => scores[i]!),
      );
    }
    return selection;
  });
  return selections;
}

const ids = (users: { userId: string }[]) => users.map((u) => u.userId).sort();

/** Users strictly above the cutoff, from every set's candidates. */
function popularUsers(sets: readonly Sets[], cutoff: number | null): { userId: string }[] {
  if (cutoff === null) return [];
  return sets.flatMap((set) => set.userIds.filter((_, i) => set.scores[i]! > cutoff).map((userId) => ({ userId })));
}

describe('nearestRank', () => {
  it('is ceil(p/100 * N), at least 1, and 0 only for an empty table', () => {
    expect(nearestRank(0, 95)).toBe(0);
    expect(nearestRank(1, 95)).toBe(1);
    expect(nearestRank(10, 95)).toBe(10);
    expect(nearestRank(20, 95)).toBe(19);
    expect(nearestRank(100_000, 95)).toBe(95_000);
    expect(nearestRank(3, 50)).toBe(2);
    expect(nearestRank(10, 1)).toBe(1);
  });

  it('does not round up binary noise of a decimal percentile', () => {
    expect((99.9 / 100) * 1000).toBeGreaterThan(999); // the noise this guards against
    expect(nearestRank(1000, 99.9)).toBe(999);
    expect(nearestRank(1001, 99.9)).toBe(1000);
  });

  it('is exact where p*N/100 falls a hair above an integer: p = 99.99 at N = 100,009,999', () => {
    // 0.9999 * 100,009,999 = 99,999,998.0001: the rank is 99,999,999, whatever binary noise says.
    expect(nearestRank(100_009_999, 99.99)).toBe(99_999_999);
    expect(nearestRank(100_000_000, 99.99)).toBe(99_990_000);
    expect(nearestRank(3, 0.000001)).toBe(1);
  });

  it('agrees with integer arithmetic on the decimal for random percentiles and sizes', () => {
    const rng = seededRandom(99);
    for (let i = 0; i < 20_000; i++) {
      const scale = 1 + Math.floor(rng() * 6);
      const digits = 1 + Math.floor(rng() * (100 * 10 ** scale - 1)); // p = digits / 10^scale in (0, 100)
      const percentile = Number(
        `${Math.floor(digits / 10 ** scale)}.${String(digits % 10 ** scale).padStart(scale, '0')}`,
      );
      const count = 1 + Math.floor(rng() * 2 ** 40);
      const denominator = 100n * 10n ** BigInt(scale);
      const product = BigInt(digits) * BigInt(count);
      const expected = Number((product + denominator - 1n) / denominator);
      expect(nearestRank(count, percentile), `p=${percentile}, N=${count}`).toBe(Math.max(1, expected));
    }
  });
});

describe('candidate thresholds', () => {
  const policy: SelectionPolicy = { warmup: 100, margin: 0.02 };
  const estimate = (q: number) => q * 1000;

  it('waits for the warm-up, then rises to the estimate at p - margin, and never falls', () => {
    expect(nextThreshold(-Infinity, 99, 95, policy, estimate)).toBe(-Infinity);
    expect(nextThreshold(-Infinity, 100, 95, policy, estimate)).toBeCloseTo(930);
    expect(nextThreshold(950, 100, 95, policy, estimate)).toBe(950);
    expect(nextThreshold(-Infinity, 5000, 1, policy, estimate)).toBe(-Infinity); // p - margin <= 0 keeps everyone
  });

  it('keeps scores equal to the threshold, and counts exactly what it prunes', () => {
    const set = new CandidateSet(10);
    set.add('a', 9);
    set.add('b', 10);
    set.add('c', 12);
    set.add('d', 11);
    expect(set.discarded).toBe(1);
    set.raiseThreshold(11);
    expect(set.userIds).toEqual(['c', 'd']);
    expect(set.scores).toEqual([12, 11]);
    expect(set.discarded).toBe(2);
    set.raiseThreshold(5);
    expect(set.threshold).toBe(11);
    expect(set.size).toBe(2);
  });

  it('holds a small multiple of the popular set, not every user', () => {
    const scores = seedShapedScores(50_000, 3);
    const selections = firstPass(scores, 95, 8, DEFAULT_SELECTION_POLICY);
    const kept = selections.reduce((sum, s) => sum + s.candidates.size, 0);
    expect(kept).toBeLessThan(0.1 * scores.length);
    expect(kept).toBeGreaterThan(0.05 * scores.length);
  });
});

describe('exact cutoff', () => {
  const shapes = {
    'seed-shaped': seedShapedScores(40_000, 31),
    skewed: skewedScores(40_000, 32),
    continuous: continuousScores(40_000, 33),
  };
  for (const [shape, scores] of Object.entries(shapes)) {
    for (const percentile of [50, 90, 95, 99.5]) {
      it(`resolves in one pass to the exact set: ${shape}, p${percentile}`, () => {
        const selections = firstPass(scores, percentile, 8, DEFAULT_SELECTION_POLICY);
        const sets = selections.map((s) => s.candidates);
        const resolution = resolveCutoff(sets, percentile);
        const expected = expectedPopular(scores, percentile);
        expect(resolution.resolved).toBe(true);
        if (!resolution.resolved) return;
        expect(resolution.total).toBe(scores.length);
        expect(resolution.cutoff).toBe(expected.cutoff);
        expect(ids(popularUsers(sets, resolution.cutoff))).toEqual(expected.ids);
      });
    }
  }

  it('resolves tables too small to warm up: 0, 1 and 10 users', () => {
    for (const scores of [[], [7], [5, 1, 9, 9, 3, 7, 7, 2, 8, 9]]) {
      const set = new CandidateSet();
      scores.forEach((score, i) => set.add(`u${i}`, score));
      for (const percentile of [50, 80, 95]) {
        const resolution = resolveCutoff([set], percentile);
        const expected = expectedPopular(scores, percentile);
        expect(resolution).toMatchObject({ resolved: true, cutoff: expected.cutoff });
        if (resolution.resolved) expect(ids(popularUsers([set], resolution.cutoff))).toEqual(expected.ids);
      }
    }
  });

  it('detects thresholds that rose past the cutoff rather than answer wrongly', () => {
    const scores = seedShapedScores(40_000, 41);
    // A negative margin makes every segment discard scores at and above the true cutoff.
    const aggressive: SelectionPolicy = { ...DEFAULT_SELECTION_POLICY, margin: -0.03 };
    const first = resolveCutoff(
      firstPass(scores, 95, 8, aggressive).map((s) => s.candidates),
      95,
    );
    expect(first.resolved).toBe(false);
    if (first.resolved) return;
    expect(first.belowThreshold).toBeGreaterThanOrEqual(first.rank);
    const miss = new CandidateSet(10);
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].forEach((s, i) => miss.add(`u${i}`, s));
    expect(resolveCutoff([miss], 50).resolved).toBe(false);
  });
});
