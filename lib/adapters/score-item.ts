// The user item of the scores table, the one place that knows its attributes:
// { user_id: S, score: N, and per topic-partition of the events added:
//   "o:<topic>:<partition>": N   the highest offset decided on the current log,
//   "t:<topic>:<partition>": N   the newest record timestamp applied,
//   "po:<topic>:<partition>": N, "pt:<topic>:<partition>": N   once the log started again, the highest
//                                offset and newest timestamp applied on the logs before it,
//   with trending on (TRENDING_DAYS > 0):
//   "w<TRENDING_DAYS>:<YYYY-MM-DD>": N   the user's trending score for a run starting on that UTC day:
//                                their events stamped on the TRENDING_DAYS days ending with it
//                                (window-sums.ts); the length in the name keeps a job from reading a
//                                sum built for another TRENDING_DAYS,
//   "wlo": S (<days>/YYYY-MM-DD) the window's length and the oldest run day kept: a write removes
//                                older sums, and every sum of another length }.
// Four numbers per topic-partition at most, however often a log starts again; TRENDING_DAYS + 2 window sums.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { StoredPosition } from '../core/positions.js';
import type { OffsetSpan } from '../core/user-deltas.js';
import { clearedDayCount, clearedDays, type WindowPlan } from '../core/window-sums.js';
import { dayFromName, dayName } from '../core/utc-days.js';

export const USER_KEY = 'user_id';
export const SCORE_ATTRIBUTE = 'score';

const POSITION_PREFIXES = { offset: 'o:', newest: 't:', previousOffset: 'po:', previousNewest: 'pt:' } as const;
type PositionField = keyof typeof POSITION_PREFIXES;

export function positionAttribute(field: PositionField, topic: string, partition: number): string {
  return `${POSITION_PREFIXES[field]}${topic}:${partition}`;
}

/** What the item holds for one topic-partition; undefined when it has never been written. */
export function readPosition(
  item: Record<string, AttributeValue> | undefined,
  topic: string,
  partition: number,
): StoredPosition | undefined {
  const read = (field: PositionField) => {
    const n = item?.[positionAttribute(field, topic, partition)]?.N;
    return n === undefined ? undefined : Number(n);
  };
  const offset = read('offset');
  if (offset === undefined) return undefined;
  const position: StoredPosition = { offset };
  const newest = read('newest');
  if (newest !== undefined) position.newest = newest;
  const previousOffset = read('previousOffset');
  const previousNewest = read('previousNewest');
  if (previousOffset !== undefined && previousNewest !== undefined)
    position.previous = { newest: previousNewest, offset: previousOffset };
  return position;
}

const WINDOW_NAME = /^w(\d+):(\d{4}-\d{2}-\d{2})$/;
const WINDOW_FLOOR = 'wlo';

/** The attribute of the window sum of `days` days for a run on `runDay`. */
export function windowAttribute(days: number, runDay: number): string {
  return `w${days}:${dayName(runDay)}`;
}

/** A window sum's attribute name read back: its window's length and run day; undefined for any other name. */
export function parseWindowAttribute(name: string): { days: number; runDay: number } | undefined {
  const match = WINDOW_NAME.exec(name);
  const runDay = match === null ? undefined : dayFromName(match[2]!);
  return runDay === undefined ? undefined : { days: Number(match![1]), runDay };
}

/** The window sums an item holds, as stored. */
export function readWindowSums(
  item: Record<string, AttributeValue> | undefined,
): Array<{ name: string; days: number; runDay: number }> {
  const sums: Array<{ name: string; days: number; runDay: number }> = [];
  for (const name of Object.keys(item ?? {})) {
    const parsed = parseWindowAttribute(name);
    if (parsed !== undefined) sums.push({ name, ...parsed });
  }
  return sums;
}

/** One UpdateItem's expressions, with short placeholders so 32 topic-partitions stay within DynamoDB's 4 KB. */
export class ItemUpdate {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, AttributeValue> = {};
  readonly adds: string[] = [];
  readonly sets: string[] = [];
  readonly removes: string[] = [];
  readonly conditions: string[] = [];
  private readonly placeholders = new Map<string, string>();

  name(attribute: string): string {
    let placeholder = this.placeholders.get(attribute);
    if (placeholder === undefined) {
      placeholder = `#${this.placeholders.size}`;
      this.placeholders.set(attribute, placeholder);
      this.names[placeholder] = attribute;
    }
    return placeholder;
  }

  // Equal values share one placeholder: each value is serialised, signed and parsed once per request.
  private readonly valuePlaceholders = new Map<string, string>();

  value(n: number | bigint | string): string {
    return this.placeholderOf(`N${n}`, { N: String(n) });
  }

  text(s: string): string {
    return this.placeholderOf(`S${s}`, { S: s });
  }

  private placeholderOf(key: string, value: AttributeValue): string {
    let placeholder = this.valuePlaceholders.get(key);
    if (placeholder === undefined) {
      placeholder = `:${this.valuePlaceholders.size}`;
      this.valuePlaceholders.set(key, placeholder);
      this.values[placeholder] = value;
    }
    return placeholder;
  }

  get update(): string {
    const clause = (keyword: string, parts: string[]) => (parts.length > 0 ? `${keyword} ${parts.join(', ')}` : '');
    return [clause('ADD', this.adds), clause('SET', this.sets), clause('REMOVE', this.removes)]
      .filter(Boolean)
      .join(' ');
  }

  get condition(): string {
    return this.conditions.join(' AND ');
  }
}

/**
 * The first attempt, with no read: every event of the span counts if the partition's stored offset
 * lies below them, its newest timestamp is not newer than theirs (it only ever grows), no previous
 * log's newest reaches their oldest timestamp, and no event that cannot be judged by its timestamp
 * lies where copies land. DynamoDB compares a missing attribute as false, so a partition never
 * written passes.
 */
export function setPositionIfAllNew(update: ItemUpdate, span: OffsetSpan): void {
  const attribute = (field: PositionField) => update.name(positionAttribute(field, span.topic, span.partition));
  const o = attribute('offset');
  const t = attribute('newest');
  const refusals = [`${o} >= ${update.value(span.min)}`, `${t} > ${update.value(span.newest)}`];
  if (span.oldest !== undefined) refusals.push(`${attribute('previousNewest')} >= ${update.value(span.oldest)}`);
  if (span.firstUndecidable !== undefined)
    refusals.push(`${attribute('previousOffset')} >= ${update.value(span.firstUndecidable)}`);
  update.conditions.push(`NOT (${refusals.join(' OR ')})`);
  update.sets.push(`${o} = ${update.value(span.max)}`, `${t} = ${update.value(span.newest)}`);
}

/**
 * A re-cut: stores `next` only if the partition still holds the offset and timestamp `item` held
 * when the re-cut was made. Those two suffice: every write raises the timestamp, or keeps it and
 * raises the offset, so no other write can leave them as they were.
 */
export function setPositionIfUnchanged(
  update: ItemUpdate,
  topic: string,
  partition: number,
  item: Record<string, AttributeValue>,
  next: StoredPosition,
): void {
  for (const field of ['offset', 'newest'] as const) {
    const attribute = positionAttribute(field, topic, partition);
    const stored = item[attribute]?.N;
    const placeholder = update.name(attribute);
    update.conditions.push(
      stored === undefined ? `attribute_not_exists(${placeholder})` : `${placeholder} = ${update.value(stored)}`,
    );
  }
  const set = (field: PositionField, n: number) =>
    update.sets.push(`${update.name(positionAttribute(field, topic, partition))} = ${update.value(n)}`);
  set('offset', next.offset);
  if (next.newest !== undefined) set('newest', next.newest);
  if (next.previous !== undefined) {
    set('previousOffset', next.previous.offset);
    set('previousNewest', next.previous.newest);
  }
}

/** Adds to each run day's window sum; DynamoDB's ADD creates one that is not there yet. */
export function addToWindows(update: ItemUpdate, plan: WindowPlan, deltas: ReadonlyMap<number, number>): void {
  for (const [runDay, delta] of deltas)
    update.adds.push(`${update.name(windowAttribute(plan.days, runDay))} ${update.value(delta)}`);
}

/**
 * The floor's value: the window's length, then the oldest run day kept ("7/2026-11-29"). Sums built for
 * another TRENDING_DAYS are never read, so a write that finds another length clears them all.
 */
function floorValue(days: number, runDay: number): string {
  return `${days}/${dayName(runDay)}`;
}

/**
 * The first attempt, with no read: removes the window sums of the run days just before the kept range
 * and moves the floor up to it, on the condition that the floor is of this window's length and was no
 * more than those days below it, so no older or other-length sum can be left. Any other item fails here
 * and is cleared by a re-cut.
 */
export function clearWindowsBlind(update: ItemUpdate, plan: WindowPlan): void {
  const floor = update.name(WINDOW_FLOOR);
  for (const day of clearedDays(plan)) update.removes.push(update.name(windowAttribute(plan.days, day)));
  update.sets.push(`${floor} = ${update.text(floorValue(plan.days, plan.keepFrom))}`);
  // Floors of this length sort between these two and no other floor does ("70/" and "8/" after "7/~",
  // "1/" and "10/" before "7/"); a missing floor compares as false, so NOT lets a first write through.
  const lowest = update.text(floorValue(plan.days, plan.keepFrom - clearedDayCount(plan.days)));
  update.conditions.push(`NOT (${floor} < ${lowest} OR ${floor} > ${update.text(`${plan.days}/~`)})`);
}

/**
 * A re-cut: removes exactly the item's window sums older than the kept range and every sum of another
 * length, and moves the floor up, only if the floor is still what `item` held: any write since (each
 * sets the floor) is seen.
 */
export function clearWindowsSeen(update: ItemUpdate, plan: WindowPlan, item: Record<string, AttributeValue>): void {
  const floor = update.name(WINDOW_FLOOR);
  for (const sum of readWindowSums(item))
    if (sum.days !== plan.days || sum.runDay < plan.keepFrom) update.removes.push(update.name(sum.name));
  const stored = item[WINDOW_FLOOR]?.S;
  update.conditions.push(stored === undefined ? `attribute_not_exists(${floor})` : `${floor} = ${update.text(stored)}`);
  update.sets.push(`${floor} = ${update.text(floorValue(plan.days, plan.keepFrom))}`);
}

/** The item's window sums are of another length, or further below the kept range than a first write clears. */
export function windowsTooOld(item: Record<string, AttributeValue>, plan: WindowPlan): boolean {
  const stored = item[WINDOW_FLOOR]?.S;
  if (stored === undefined) return false;
  if (!stored.startsWith(`${plan.days}/`)) return true;
  return stored < floorValue(plan.days, plan.keepFrom - clearedDayCount(plan.days));
}
