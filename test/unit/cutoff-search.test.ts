import { describe, expect, it } from 'vitest';
import {
  CutoffNotFoundError,
  MAX_SEARCH_PASSES,
  searchCutoff,
  type SearchOptions,
} from '../../lib/core/cutoff-search.js';
import { memoryScoreSource, type ScoreSource } from '../../lib/core/score-source.js';
import {
  continuousScores,
  exactCutoff,
  seededRandom,
  seedShapedScores,
  skewedScores,
} from '../../local/fixtures/index.js';

describe('a search that cannot resolve', () => {
  it('fails with CutoffNotFoundError, which a later run may not meet', async () => {
    const scores = Array.from({ length: 1000 }, (_, i) => i + 1);
    const search = searchCutoff(memoryScoreSource(scores, 2), {
      percentile: 50,
      maxValues: 2,
      estimate: () => 0,
      count: scores.length,
      maxPasses: 1,
    });
    await expect(search).rejects.toBeInstanceOf(CutoffNotFoundError);
    await expect(search).rejects.toMatchObject({ name: 'CutoffNotFoundError', retriable: true });
  });
});

/**
 * A table in memory that gains users before every scan, as the scorer adds them while the job runs.
 * Each scan's scores are kept, so the answer can be checked against the scan that decided it.
 */
function growingTable(initial: ArrayLike<number>, newcomer: (scan: number) => number, perScan: () => number) {
  const scores = Array.from(initial);
  const scans: number[][] = [];
  const source: ScoreSource = {
    segments: 8,
    async scan(onPage) {
      for (let k = perScan(); k > 0; k--) scores.push(newcomer(scans.length));
      scans.push([...scores]);
      return memoryScoreSource(scores, 8, { pageItems: 5_000 }).scan(onPage);
    },
  };
  return { source, scans };
}

/** The estimate an earlier pass would hand over, a whole percent off. */
function estimateOff(scores: ArrayLike<number>, off: number): SearchOptions['estimate'] {
  const ascending = Float64Array.from(scores).sort();
  return (q) => ascending[Math.min(ascending.length - 1, Math.max(0, Math.floor((q + off) * ascending.length)))];
}

const shapes = { continuous: continuousScores, skewed: skewedScores, 'seed-shaped': seedShapedScores };
type Newcomers = 'one to three points' | 'the table’s own shape' | 'alternately tiny and huge';

function newcomers(
  kind: Newcomers,
  shape: (n: number, seed: number) => Float64Array,
  random: () => number,
): { score: (scan: number) => number; perScan: () => number } {
  const pool = shape(50_000, 6);
  const between1000and5000 = () => 1_000 + Math.floor(random() * 4_001);
  if (kind === 'one to three points') return { score: () => 1 + Math.floor(random() * 3), perScan: between1000and5000 };
  if (kind === 'the table’s own shape')
    return { score: () => pool[Math.floor(random() * pool.length)]!, perScan: between1000and5000 };
  // An adversary: every scan's 20,000 newcomers land on the other side of the rank.
  return { score: (scan) => (scan % 2 === 0 ? 1 : 1e7), perScan: () => 20_000 };
}

describe('a table that changes between passes (p50, 1,000 distinct values held, 100,000 users, an estimate 1% off)', () => {
  // Before the band followed the rank, these ran 36 passes, or failed after 40.
  it.each([
    ['continuous', 'one to three points', -0.01],
    ['continuous', 'the table’s own shape', 0.01],
    ['skewed', 'alternately tiny and huge', -0.01],
    ['seed-shaped', 'alternately tiny and huge', 0.01],
    ['seed-shaped', 'one to three points', 0.01],
  ] as const)(
    '%s scores, newcomers with %s: exact for the scan that decides, in a few passes',
    async (shape, kind, off) => {
      const random = seededRandom(11);
      const initial = shapes[shape](100_000, 5);
      const { score, perScan } = newcomers(kind, shapes[shape], random);
      const { source, scans } = growingTable(initial, score, perScan);
      const search = await searchCutoff(source, {
        percentile: 50,
        maxValues: 1_000,
        estimate: estimateOff(initial, off),
        count: initial.length,
      });
      expect(search.cutoff).toBe(exactCutoff(scans.at(-1)!, 50));
      expect(search.total).toBe(scans.at(-1)!.length);
      expect(search.passes).toBeLessThanOrEqual(4);
    },
  );

  it(`gives up after ${MAX_SEARCH_PASSES} passes, naming MAX_HELD_USERS, when the rank jumps further than 1,000 values reach`, async () => {
    const random = seededRandom(12);
    const initial = continuousScores(100_000, 5);
    const { score, perScan } = newcomers('alternately tiny and huge', continuousScores, random);
    const { source, scans } = growingTable(initial, score, perScan);
    const search = searchCutoff(source, {
      percentile: 50,
      maxValues: 1_000,
      estimate: estimateOff(initial, 0),
      count: initial.length,
    });
    await expect(search).rejects.toThrow(CutoffNotFoundError);
    await expect(search).rejects.toThrow(
      /not found in 10 passes: the rank moved by about \d+ users between passes .* MAX_HELD_USERS=1000/,
    );
    expect(scans).toHaveLength(MAX_SEARCH_PASSES);
  });
});

describe('a search against the clock', () => {
  it('does not start a pass that could not finish with the publishing scan: it fails with time to spare', async () => {
    // Every scan takes 100 ms on this clock; the function has 1,000 ms, 100 of them spent on the first pass.
    let clock = 100;
    const random = seededRandom(13);
    const initial = continuousScores(20_000, 5);
    const { source: moving, scans } = growingTable(
      initial,
      newcomers('alternately tiny and huge', continuousScores, random).score,
      () => 20_000,
    );
    const source: ScoreSource = { segments: moving.segments, scan: (onPage) => ((clock += 100), moving.scan(onPage)) };
    const search = searchCutoff(source, {
      percentile: 50,
      maxValues: 100,
      estimate: estimateOff(initial, 0),
      count: initial.length,
      remainingMs: () => 1_000 - clock,
      firstScanMs: 100,
      now: () => clock,
    });
    // A pass needs 2 scans x 100 ms x 1.5 = 300 ms left: passes 1-7 start with 900-300 ms left, pass 8 would with 200.
    await expect(search).rejects.toThrow(
      /stopped before search pass 8: a scan takes up to 0\.1 s and 0\.2 s remain before the function's time-out/,
    );
    expect(scans).toHaveLength(7);
    expect(1_000 - clock).toBe(200);
  });
});
