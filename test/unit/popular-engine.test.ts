import { describe, expect, it } from 'vitest';
import { selectPopularUsers, type EngineOptions } from '../../lib/core/popular-engine.js';
import { searchCutoff } from '../../lib/core/cutoff-search.js';
import { memoryScoreSource, type ScoreSource } from '../../lib/core/score-source.js';
import type { PopularUser } from '../../lib/core/popular-user.js';
import {
  continuousScores,
  exactPopular,
  seedShapedScores,
  seededRandom,
  skewedScores,
} from '../../local/fixtures/index.js';

/** The oracle with the in-memory source's user ids (the index). */
const oracle = (scores: ArrayLike<number>, percentile: number) => exactPopular(scores, percentile, String);

/** Runs the engine with a sink that collects what it is handed. */
async function select(source: ScoreSource, options: EngineOptions) {
  const users = new Map<string, number>();
  let opened = 0;
  const outcome = await selectPopularUsers(source, options, () => {
    opened++;
    return { add: (u: PopularUser) => void users.set(u.userId, u.score) };
  });
  return { outcome, users, opened };
}

const PAGE = 1_000;

describe('popular-users engine: exact whatever the percentile, memory within the budget', () => {
  const shapes = {
    'seed-shaped': seedShapedScores(60_000, 21),
    skewed: skewedScores(60_000, 22),
    continuous: continuousScores(60_000, 23),
  };
  for (const [shape, scores] of Object.entries(shapes)) {
    for (const percentile of [1, 2, 50, 95, 99.9]) {
      it(`${shape}, p${percentile}, a budget of 2,000 users: identical to the oracle, never more than the budget held`, async () => {
        const source = memoryScoreSource(scores, 8, { pageItems: PAGE });
        const maxHeldUsers = 2_000;
        const { outcome, users } = await select(source, { percentile, maxHeldUsers });
        const expected = oracle(scores, percentile);
        expect(outcome.cutoff).toBe(expected.cutoff);
        expect(users).toEqual(expected.users);
        expect(outcome.popularCount).toBe(expected.users.size);
        expect(outcome.usersScanned).toBe(scores.length);
        // Held at once: the budget plus the page that crossed it.
        expect(outcome.candidatesKept).toBeLessThanOrEqual(maxHeldUsers + PAGE);
        if (expected.users.size > maxHeldUsers) expect(outcome.publishPath).toBe('stream');
      });
    }
  }

  it('p1 with a budget above the table holds everyone and publishes from memory in one pass', async () => {
    const scores = shapes['seed-shaped'];
    const { outcome, users } = await select(memoryScoreSource(scores, 4), { percentile: 1, maxHeldUsers: 100_000 });
    expect(outcome).toMatchObject({ passes: 1, publishPath: 'memory' });
    expect(users).toEqual(oracle(scores, 1).users);
  });

  it('p95 within the default budget stays on the one-pass path', async () => {
    const scores = shapes['seed-shaped'];
    const { outcome } = await select(memoryScoreSource(scores, 8, { pageItems: PAGE }), {
      percentile: 95,
      maxHeldUsers: 250_000,
    });
    expect(outcome).toMatchObject({ passes: 1, publishPath: 'memory' });
  });

  it('thresholds that overshoot the cutoff fall back to the search and stay exact', async () => {
    const scores = shapes.skewed;
    const { outcome, users } = await select(memoryScoreSource(scores, 8, { pageItems: PAGE }), {
      percentile: 90,
      maxHeldUsers: 250_000,
      policy: { margin: -0.04 },
    });
    expect(outcome.passes).toBeGreaterThanOrEqual(3);
    expect(outcome.publishPath).toBe('stream');
    expect(users).toEqual(oracle(scores, 90).users);
  });

  it('empty, one-user and all-equal tables', async () => {
    for (const scores of [[], [17], new Array(5_000).fill(42)]) {
      for (const maxHeldUsers of [1_000, 250_000]) {
        const { outcome, users, opened } = await select(memoryScoreSource(scores, 3, { pageItems: 100 }), {
          percentile: 50,
          maxHeldUsers,
        });
        const expected = oracle(scores, 50);
        expect(outcome.cutoff).toBe(expected.cutoff);
        expect(users.size).toBe(0);
        expect(opened).toBe(scores.length === 0 ? 0 : 1);
      }
    }
  });
});

describe('cutoff search in bounded memory', () => {
  const run = (
    scores: ArrayLike<number>,
    percentile: number,
    maxValues: number,
    estimate: (q: number) => number | undefined = () => undefined,
  ) =>
    searchCutoff(memoryScoreSource(scores, 4, { pageItems: 500 }), {
      percentile,
      maxValues,
      estimate,
      count: scores.length,
    });

  it("finds the exact cutoff with a useless guide: every band is steered by the counts and the parts' own digests", async () => {
    const rng = seededRandom(5);
    const scores = Float64Array.from({ length: 50_000 }, () => rng() * 1e6);
    for (const percentile of [0.01, 1, 50, 99.99]) {
      const search = await run(scores, percentile, 100, () => 123); // a guide that points at one wrong value
      expect(search.cutoff).toBe(oracle(scores, percentile).cutoff);
      expect(search.passes).toBeLessThan(40);
    }
  });

  it('one heavily tied value is one entry however many users hold it', async () => {
    const scores = [...new Array(30_000).fill(7), ...new Array(10).fill(9)];
    const search = await run(scores, 50, 1, (q) => (q < 0.99 ? 7 : 9));
    expect(search).toMatchObject({ cutoff: 7, above: 10, total: 30_010 });
  });

  it('counts the users above the cutoff it found', async () => {
    const scores = seedShapedScores(20_000, 8);
    const search = await run(scores, 95, 50);
    expect(search.above).toBe(oracle(scores, 95).users.size);
  });
});
