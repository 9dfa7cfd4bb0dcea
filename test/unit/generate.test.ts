import { describe, expect, it } from 'vitest';
import {
  activityMessage,
  defaultPopulation,
  randomActivity,
  seededRandom,
  SEED_DEFAULTS,
  staticDataSet,
} from '../../local/fixtures/index.js';

describe('static data set', () => {
  it("uses the seed's defaults: 100,000 users from id 1000, 10,000,000 rows, the three activities", () => {
    expect(SEED_DEFAULTS).toEqual({ users: 100_000, start: 1000, rows: 10_000_000 });
    expect(defaultPopulation().activities).toEqual(['profile.picture.like', 'profile.view', 'message.private']);
  });

  it('is the same rows for the same seed, and different for another', () => {
    const population = defaultPopulation({ users: 1000 });
    const a = [...staticDataSet(100, population, seededRandom(1))];
    expect([...staticDataSet(100, population, seededRandom(1))]).toEqual(a);
    expect([...staticDataSet(100, population, seededRandom(2))]).not.toEqual(a);
  });

  it('draws ids over [start, start + users] with both ends reached, and every activity', () => {
    const population = defaultPopulation({ users: 4, start: 10 });
    const rows = [...staticDataSet(2000, population, seededRandom(9))];
    expect(new Set(rows.map((r) => r.userId))).toEqual(new Set([10, 11, 12, 13, 14]));
    expect(new Set(rows.map((r) => r.activity))).toEqual(new Set(population.activities));
  });

  it('never leaves the range, even for a random source at its extremes', () => {
    const population = defaultPopulation({ users: 9, start: 1 });
    expect(randomActivity(population, () => 0)).toEqual({ userId: 1, activity: 'profile.picture.like' });
    expect(randomActivity(population, () => 0.999999999)).toEqual({ userId: 10, activity: 'message.private' });
  });

  it('writes the seed record shape, keyed by user id', () => {
    expect(activityMessage({ userId: 1234, activity: 'profile.view' })).toEqual({
      key: '1234',
      value: '{"user_id":1234,"activity":"profile.view"}',
    });
  });
});
