import { describe, expect, it } from 'vitest';
import { combineByUser, remainingDelta } from '../../lib/scoring.js';
import type { Activity } from '../../lib/activity.js';

const act = (userId: string, score: number, partition: number, offset: number): Activity => ({
  userId, activity: 'x', score, topic: 'activity', partition, offset,
});

describe('combineByUser', () => {
  it('sums each user once and records offset spans per partition', () => {
    const users = combineByUser([act('a', 2, 0, 10), act('b', 1, 0, 11), act('a', 3, 0, 12), act('a', 1, 1, 5)]);
    expect(users.size).toBe(2);
    const a = users.get('a')!;
    expect(a.delta).toBe(6);
    expect([...a.spans.values()]).toEqual([
      { topic: 'activity', partition: 0, min: 10, max: 12 },
      { topic: 'activity', partition: 1, min: 5, max: 5 },
    ]);
    expect(users.get('b')!.delta).toBe(1);
  });

  it('returns nothing for an empty batch', () => {
    expect(combineByUser([]).size).toBe(0);
  });
});

describe('remainingDelta', () => {
  const user = combineByUser([act('a', 2, 0, 10), act('a', 3, 0, 12), act('a', 5, 1, 7)]).get('a')!;

  it('keeps only events above the stored offset of their partition', () => {
    const rest = remainingDelta(user, (_t, p) => (p === 0 ? 10 : undefined))!;
    expect(rest.delta).toBe(8);
    expect([...rest.spans.values()].map((s) => [s.partition, s.min, s.max])).toEqual([[0, 12, 12], [1, 7, 7]]);
  });

  it('is undefined when everything was applied before', () => {
    expect(remainingDelta(user, () => 100)).toBeUndefined();
  });

  it('keeps everything when nothing is stored', () => {
    expect(remainingDelta(user, () => undefined)!.delta).toBe(10);
  });
});
