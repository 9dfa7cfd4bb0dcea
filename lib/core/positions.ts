// Which of a batch's events are new, given what a user item remembers per topic-partition. Offsets
// guard redelivery within one log; timestamps tell a log that started again (a recreated topic, or
// another cluster) and, once it has, which of its records are copies of events already counted.
import { addEvent, emptyDelta, partitionKey, undecidable, type ScoredEvent, type UserDelta } from './user-deltas.js';

/** What a user item holds for one topic-partition. */
export interface StoredPosition {
  /** The highest offset decided on the current log. */
  offset: number;
  /** The newest record timestamp applied, in ms; absent on items written before timestamps were kept. */
  newest?: number;
  /**
   * Set once the log started again: the newest timestamp and the highest offset applied on the logs
   * before it. Events stamped at or before `newest` are copies of counted ones (MirrorMaker 2 keeps
   * CreateTime); copies of counted events land at or below `offset` when the copy runs first.
   */
  previous?: { newest: number; offset: number };
}

/** A topic-partition whose offsets started again below the stored ones: a recreated topic or another cluster. */
export interface OffsetRestart {
  userId: string;
  topic: string;
  partition: number;
  storedOffset: number;
  storedNewest: number;
  firstOffset: number;
  lastOffset: number;
  newest: number;
}

/**
 * Events counted on a log that started again although their timestamps cannot say whether they are
 * copies: set by the broker (LogAppendTime) or absent, at or below the offsets where copies land.
 */
export interface PossibleCopies {
  userId: string;
  topic: string;
  partition: number;
  events: number;
  score: number;
  firstOffset: number;
  lastOffset: number;
}

export interface PartitionJudgement {
  counted: ScoredEvent[];
  /** Events left out as copies of counted ones: stamped at or before the previous log's newest. */
  copies: number;
  restart?: OffsetRestart;
  possibleCopies?: PossibleCopies;
  /** What to store once `counted` is added; absent when nothing counts. */
  next?: StoredPosition;
}

/**
 * Judges one user's events of one topic-partition (one batch, one log) against the stored position.
 * - At or below the stored offset is a redelivery, unless one such event is newer than everything
 *   applied: then the log started again, and every event of this batch is of the new log.
 * - After a restart, an event stamped at or before the previous logs' newest is a copy, whatever
 *   its offset; the others are judged by the new log's offsets.
 * - An event without a timestamp is judged by its offset alone.
 */
export function judgePartition(
  userId: string,
  events: readonly ScoredEvent[],
  position: StoredPosition | undefined,
): PartitionJudgement {
  let minOffset = Infinity;
  let maxOffset = -Infinity;
  let maxTimestamp = -1;
  for (const e of events) {
    if (e.offset < minOffset) minOffset = e.offset;
    if (e.offset > maxOffset) maxOffset = e.offset;
    if (e.timestamp > maxTimestamp) maxTimestamp = e.timestamp;
  }
  if (position === undefined)
    return { counted: [...events], copies: 0, next: { offset: maxOffset, newest: maxTimestamp } };

  const { offset, newest, previous } = position;
  const restarted = newest !== undefined && events.some((e) => e.offset <= offset && e.timestamp > newest);
  const floor = restarted ? -Infinity : offset;
  const horizon = restarted ? { newest, offset } : previous;
  const counted: ScoredEvent[] = [];
  let copies = 0;
  for (const e of events) {
    if (e.offset <= floor) continue;
    if (horizon !== undefined && e.timestamp >= 0 && e.timestamp <= horizon.newest) copies++;
    else counted.push(e);
  }
  const judgement: PartitionJudgement = { counted, copies };
  if (counted.length === 0) return judgement;

  const { topic, partition } = counted[0]!;
  judgement.next = {
    offset: restarted ? maxOffset : Math.max(offset, maxOffset),
    newest: Math.max(newest ?? -1, maxTimestamp),
  };
  if (horizon !== undefined) judgement.next.previous = horizon;
  if (restarted) {
    judgement.restart = {
      userId,
      topic,
      partition,
      storedOffset: offset,
      storedNewest: newest,
      firstOffset: minOffset,
      lastOffset: maxOffset,
      newest: maxTimestamp,
    };
  }
  if (horizon !== undefined) {
    for (const e of counted) {
      if (!undecidable(e) || e.offset > horizon.offset) continue;
      const unsure = (judgement.possibleCopies ??= {
        userId,
        topic,
        partition,
        events: 0,
        score: 0,
        firstOffset: e.offset,
        lastOffset: e.offset,
      });
      unsure.events++;
      unsure.score += e.score;
      unsure.firstOffset = Math.min(unsure.firstOffset, e.offset);
      unsure.lastOffset = Math.max(unsure.lastOffset, e.offset);
    }
  }
  return judgement;
}

export interface Remaining {
  /** The events still to add; undefined when every one was applied before or is a copy. */
  rest: UserDelta | undefined;
  /** Per topic-partition of `rest`, the position to store with it. */
  positions: Map<string, StoredPosition>;
  restarts: OffsetRestart[];
  possibleCopies: PossibleCopies[];
  copies: number;
}

/** Rebuilds a user's delta from the events not yet applied, partition by partition. */
export function remainingDelta(
  user: UserDelta,
  stored: (topic: string, partition: number) => StoredPosition | undefined,
): Remaining {
  const byPartition = new Map<string, ScoredEvent[]>();
  for (const e of user.events) {
    const key = partitionKey(e.topic, e.partition);
    const list = byPartition.get(key);
    if (list === undefined) byPartition.set(key, [e]);
    else list.push(e);
  }
  const rest = emptyDelta(user.userId);
  const remaining: Remaining = { rest: undefined, positions: new Map(), restarts: [], possibleCopies: [], copies: 0 };
  for (const [key, events] of byPartition) {
    const { topic, partition } = events[0]!;
    const judgement = judgePartition(user.userId, events, stored(topic, partition));
    remaining.copies += judgement.copies;
    if (judgement.restart !== undefined) remaining.restarts.push(judgement.restart);
    if (judgement.possibleCopies !== undefined) remaining.possibleCopies.push(judgement.possibleCopies);
    if (judgement.next !== undefined) remaining.positions.set(key, judgement.next);
    for (const e of judgement.counted) addEvent(rest, e);
  }
  if (rest.events.length > 0) remaining.rest = rest;
  return remaining;
}
