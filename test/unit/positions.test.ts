// The rule that decides which events of a batch are new, one case per line of the README's table.
import { describe, expect, it } from 'vitest';
import { judgePartition, type StoredPosition } from '../../lib/core/positions.js';
import type { ScoredEvent } from '../../lib/core/user-deltas.js';

const T = 1_000_000;
const ev = (offset: number, timestamp: number, brokerTimestamp = false): ScoredEvent => ({
  topic: 'activity',
  partition: 0,
  offset,
  timestamp,
  score: 3,
  ...(brokerTimestamp ? { brokerTimestamp } : {}),
});
const judge = (events: ScoredEvent[], position?: StoredPosition) => judgePartition('u', events, position);
const offsets = (events: ScoredEvent[]) => events.map((e) => e.offset);

// The old log counted offsets 1000-1009, stamped T..T+9.
const OLD: StoredPosition = { offset: 1009, newest: T + 9 };

describe('judgePartition', () => {
  it('counts everything on a partition never written', () => {
    expect(judge([ev(0, T), ev(1, T + 1)])).toEqual({
      counted: [ev(0, T), ev(1, T + 1)],
      copies: 0,
      next: { offset: 1, newest: T + 1 },
    });
  });

  it('takes events at or below the stored offset, none newer than the stored newest, for a redelivery', () => {
    const j = judge([ev(1008, T + 8), ev(1009, T + 9), ev(1010, T + 5)], OLD);
    expect(offsets(j.counted)).toEqual([1010]);
    expect(j).toMatchObject({ copies: 0, next: { offset: 1010, newest: T + 9 } });
    expect(j.restart).toBeUndefined();
  });

  it('copies and a new event in one batch: a restart, the copies left out, the new event counted', () => {
    const copies = Array.from({ length: 10 }, (_, k) => ev(k, T + k));
    const j = judge([...copies, ev(10, T + 3_600_000)], OLD);
    expect(offsets(j.counted)).toEqual([10]);
    expect(j.copies).toBe(10);
    expect(j.next).toEqual({ offset: 10, newest: T + 3_600_000, previous: { offset: 1009, newest: T + 9 } });
    expect(j.restart).toMatchObject({ storedOffset: 1009, storedNewest: T + 9, firstOffset: 0, lastOffset: 10 });
  });

  it('after a restart, copies above the new offsets are still copies, and the new log guards its own redeliveries', () => {
    const after: StoredPosition = { offset: 0, newest: T + 3_600_000, previous: { offset: 1009, newest: T + 9 } };
    const j = judge(
      [ev(0, T + 3_600_000), ...Array.from({ length: 10 }, (_, k) => ev(k + 1, T + k)), ev(11, T + 3_600_001)],
      after,
    );
    expect(offsets(j.counted)).toEqual([11]);
    expect(j).toMatchObject({
      copies: 10,
      next: { offset: 11, newest: T + 3_600_001, previous: { offset: 1009, newest: T + 9 } },
    });
    expect(j.restart).toBeUndefined();
  });

  it('a third log keeps one horizon: the newest of everything before it', () => {
    const after: StoredPosition = { offset: 40, newest: T + 500, previous: { offset: 1009, newest: T + 9 } };
    const j = judge([ev(0, T + 9), ev(1, T + 400), ev(2, T + 600)], after);
    expect(offsets(j.counted)).toEqual([2]);
    expect(j.next!.previous).toEqual({ offset: 40, newest: T + 500 });
  });

  it('an event in the same millisecond as the stored newest is taken as counted: a redelivery, or a copy', () => {
    expect(judge([ev(5, T + 9)], OLD).counted).toEqual([]);
    const after: StoredPosition = { offset: 3, newest: T + 100, previous: { offset: 1009, newest: T + 9 } };
    expect(judge([ev(4, T + 9)], after)).toMatchObject({ counted: [], copies: 1 });
  });

  it('an event without a timestamp is judged by its offset alone: never a restart, never a copy', () => {
    expect(judge([ev(5, -1)], OLD).counted).toEqual([]);
    const after: StoredPosition = { offset: 3, newest: T + 100, previous: { offset: 1009, newest: T + 9 } };
    const j = judge([ev(2, -1), ev(4, -1)], after);
    expect(offsets(j.counted)).toEqual([4]);
    // At or below the old log's offsets it may be a copy: counted, and reported.
    expect(j.possibleCopies).toMatchObject({ events: 1, score: 3, firstOffset: 4, lastOffset: 4 });
  });

  it('copies re-stamped by a LogAppendTime target look new: counted, and reported as possible copies', () => {
    const restamped = Array.from({ length: 10 }, (_, k) => ev(k, T + 3_600_000 + k, true));
    const j = judge(restamped, OLD);
    expect(j.counted).toHaveLength(10);
    expect(j.possibleCopies).toEqual({
      userId: 'u',
      topic: 'activity',
      partition: 0,
      events: 10,
      score: 30,
      firstOffset: 0,
      lastOffset: 9,
    });
    // Past the old log's offsets, where no copy of a counted event lands when the copy runs first: not reported.
    const later = judge([ev(1010, T + 3_700_000, true)], j.next);
    expect(later.counted).toHaveLength(1);
    expect(later.possibleCopies).toBeUndefined();
  });

  it('never reports possible copies on a log that never started again', () => {
    expect(judge([ev(1010, T + 50, true), ev(1011, -1)], OLD).possibleCopies).toBeUndefined();
  });

  it('items written before timestamps were kept: judged by offsets, as before', () => {
    const j = judge([ev(5, T + 100), ev(12, T + 101)], { offset: 10 });
    expect(offsets(j.counted)).toEqual([12]);
    expect(j.next).toEqual({ offset: 12, newest: T + 101 });
  });
});
