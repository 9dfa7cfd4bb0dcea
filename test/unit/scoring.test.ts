import { describe, expect, it } from 'vitest';
import { combineByUser, splitByPartitions } from '../../lib/core/user-deltas.js';
import { remainingDelta } from '../../lib/core/positions.js';
import type { Activity } from '../../lib/core/activity.js';

const act = (
  userId: string,
  score: number,
  partition: number,
  offset: number,
  timestamp = 1_000 + offset,
): Activity => ({
  userId,
  activity: 'x',
  score,
  topic: 'activity',
  partition,
  offset,
  timestamp,
  brokerTimestamp: false,
});

describe('combineByUser', () => {
  it('sums each user once and records offset spans per partition', () => {
    const users = combineByUser([act('a', 2, 0, 10), act('b', 1, 0, 11), act('a', 3, 0, 12), act('a', 1, 1, 5)]);
    expect(users.size).toBe(2);
    const a = users.get('a')!;
    expect(a.delta).toBe(6);
    expect([...a.spans.values()]).toEqual([
      { topic: 'activity', partition: 0, min: 10, max: 12, newest: 1012, oldest: 1010 },
      { topic: 'activity', partition: 1, min: 5, max: 5, newest: 1005, oldest: 1005 },
    ]);
    expect(users.get('b')!.delta).toBe(1);
  });

  it('returns nothing for an empty batch', () => {
    expect(combineByUser([]).size).toBe(0);
  });
});

describe('splitByPartitions', () => {
  it('keeps a user with few partitions whole', () => {
    const user = combineByUser([act('a', 2, 0, 10), act('a', 3, 1, 12)]).get('a')!;
    expect(splitByPartitions(user, 32)).toEqual([user]);
  });

  it('cuts a user in many partitions into parts of at most n partitions, each with its own events and spans', () => {
    const events = Array.from({ length: 200 }, (_, p) => [act('a', 1, p, 10), act('a', 2, p, 11)]).flat();
    const user = combineByUser(events).get('a')!;
    const parts = splitByPartitions(user, 32);
    expect(parts.map((p) => p.spans.size)).toEqual([32, 32, 32, 32, 32, 32, 8]);
    expect(parts.reduce((sum, p) => sum + p.delta, 0)).toBe(user.delta);
    for (const part of parts) {
      for (const e of part.events) expect(part.spans.has(`activity:${e.partition}`)).toBe(true);
    }
  });
});

describe('remainingDelta', () => {
  const user = combineByUser([act('a', 2, 0, 10), act('a', 3, 0, 12), act('a', 5, 1, 7)]).get('a')!;

  it('keeps only events above the stored offset of their partition', () => {
    const { rest, restarts } = remainingDelta(user, (_t, p) => (p === 0 ? { offset: 10, newest: 1010 } : undefined));
    expect(rest!.delta).toBe(8);
    expect([...rest!.spans.values()].map((s) => [s.partition, s.min, s.max])).toEqual([
      [0, 12, 12],
      [1, 7, 7],
    ]);
    expect(restarts).toEqual([]);
  });

  it('is undefined when everything was applied before', () => {
    expect(remainingDelta(user, () => ({ offset: 100, newest: 5_000 })).rest).toBeUndefined();
  });

  it('treats items stored before timestamps were kept as redeliveries', () => {
    expect(remainingDelta(user, () => ({ offset: 100 })).rest).toBeUndefined();
  });

  it('keeps everything when nothing is stored', () => {
    expect(remainingDelta(user, () => undefined).rest!.delta).toBe(10);
  });

  it('counts the new events of a partition whose offsets started again, and takes the older ones for copies', () => {
    // Offset 12 is at or below the stored 1699 yet newer than anything applied there: the log started again.
    // Offset 10, stamped before the newest applied, is a copy of a counted event.
    const { rest, restarts, copies } = remainingDelta(user, (_t, p) =>
      p === 0 ? { offset: 1699, newest: 1011 } : { offset: 7, newest: 1007 },
    );
    expect(rest!.delta).toBe(3);
    expect(copies).toBe(1);
    expect(restarts).toEqual([
      {
        userId: 'a',
        topic: 'activity',
        partition: 0,
        storedOffset: 1699,
        storedNewest: 1011,
        firstOffset: 10,
        lastOffset: 12,
        newest: 1012,
      },
    ]);
  });
});
