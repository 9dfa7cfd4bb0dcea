import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { splitByPartitions, partitionKey, type UserDelta } from '../core/user-deltas.js';
import { remainingDelta, type OffsetRestart, type PossibleCopies, type StoredPosition } from '../core/positions.js';
import { mapWithConcurrency } from '../core/concurrency.js';
import { AppError } from '../core/errors.js';
import { windowDeltas, type WindowPlan } from '../core/window-sums.js';
import {
  addToWindows,
  windowsTooOld,
  clearWindowsBlind,
  clearWindowsSeen,
  ItemUpdate,
  readPosition,
  SCORE_ATTRIBUTE,
  setPositionIfAllNew,
  setPositionIfUnchanged,
  USER_KEY,
} from './score-item.js';

// What each user item remembers per topic-partition (score-item.ts) makes a redelivered batch
// harmless: an update only applies above the stored offsets. The timestamps tell a log that started
// again (recreated topic, other cluster) from a redelivery, and its copies from new events.
const MAX_ATTEMPTS = 5;
/** Topic-partitions per UpdateItem: keeps each expression well under DynamoDB's 4 KB (see store.test.ts). */
export const MAX_PARTITIONS_PER_WRITE = 32;
/** Above this a score read as a JavaScript number is no longer exact. */
const MAX_EXACT_SCORE = BigInt(Number.MAX_SAFE_INTEGER);

export interface ApplyStats {
  /** UpdateItem requests sent, conditional retries included. */
  writes: number;
  /** Users whose update met offsets already stored: a redelivery (or a restarted log). */
  redelivered: number;
  /** Users whose events had all been applied before; nothing was added. */
  alreadyApplied: number;
  /**
   * Users whose item held window sums too old for a first write to remove (idle for over a week): one more write
   * cleared them.
   */
  staleWindows: number;
  /** Topic-partitions whose offsets started again below the stored ones; their new events were counted. */
  restarts: OffsetRestart[];
  /** Events left out as copies of counted ones (stamped at or before the previous log's newest). */
  copies: number;
  /** Events counted on a restarted log that may be copies: their timestamps cannot tell. */
  possibleCopies: PossibleCopies[];
}

/** A sum that would leave the range where it stays exact: refused, never rounded. */
export class ScoreOverflowError extends AppError {
  constructor(userId: string, stored: string, delta: number) {
    super(
      `user ${JSON.stringify(userId)}: adding ${delta} to the stored score ${stored} would pass 2^53 - 1 (${Number.MAX_SAFE_INTEGER}), ` +
        'beyond which a score is no longer exact as a number; the batch is refused rather than rounded. ' +
        'Lower SCORE_WEIGHTS or rescale the stored scores (docs/operations.md, "A score near 2^53").',
    );
  }
}

/** Another writer kept changing the user's stored offsets; a later delivery of the batch may get through. */
export class StoredOffsetsMovingError extends AppError {
  constructor(userId: string, attempts: number) {
    super(
      `user ${userId}: stored offsets kept moving during ${attempts} attempts; is another consumer writing the same partition?`,
      { retriable: true },
    );
  }
}

/**
 * Adds each user's delta to the stored sum exactly once: one conditional UpdateItem per user (per
 * 32 topic-partitions of that user), and only when a redelivery collides with stored offsets a
 * re-cut of that user's events.
 */
export async function applyScoreDeltas(
  client: DynamoDBClient,
  table: string,
  users: Iterable<UserDelta>,
  concurrency: number,
  window?: WindowPlan,
): Promise<ApplyStats> {
  const stats: ApplyStats = {
    writes: 0,
    redelivered: 0,
    alreadyApplied: 0,
    staleWindows: 0,
    restarts: [],
    copies: 0,
    possibleCopies: [],
  };
  await mapWithConcurrency(users, concurrency, async (user) => {
    let collided = false;
    let applied = false;
    let cleared = false;
    for (const part of splitByPartitions(user, MAX_PARTITIONS_PER_WRITE)) {
      const outcome = await applyPart(client, table, part, stats, window);
      collided ||= outcome === 'recut' || outcome === 'already-applied';
      applied ||= outcome !== 'already-applied';
      cleared ||= outcome === 'cleared';
    }
    if (collided) stats.redelivered++;
    if (!applied) stats.alreadyApplied++;
    if (cleared) stats.staleWindows++;
  });
  return stats;
}

/** 'cleared': nothing was applied before, but the item's old window sums took a second write. */
type PartOutcome = 'applied' | 'recut' | 'cleared' | 'already-applied';

async function applyPart(
  client: DynamoDBClient,
  table: string,
  part: UserDelta,
  stats: ApplyStats,
  window: WindowPlan | undefined,
): Promise<PartOutcome> {
  let pending: UserDelta = part;
  let recut: Recut | undefined;
  let staleOnly = false;
  for (let attempt = 1; ; attempt++) {
    stats.writes++;
    const failed = await conditionalAdd(client, table, pending, recut, window);
    if (failed === undefined) {
      // What the written cut found; a re-cut made against newer stored offsets replaced any earlier one.
      if (recut !== undefined) record(stats, recut.remaining);
      return attempt === 1 ? 'applied' : staleOnly ? 'cleared' : 'recut';
    }
    if (attempt >= MAX_ATTEMPTS) throw new StoredOffsetsMovingError(part.userId, MAX_ATTEMPTS);
    // Re-cut from the whole part against what is stored now, and write only if it is still stored then.
    const item = failed.item ?? (await readItem(client, table, part.userId)) ?? {};
    const remaining = remainingDelta(part, (topic, partition) => readPosition(item, topic, partition));
    if (remaining.rest === undefined) {
      record(stats, remaining);
      return 'already-applied';
    }
    const storedScore = item[SCORE_ATTRIBUTE]?.N;
    if (storedScore !== undefined && BigInt(storedScore) + BigInt(remaining.rest.delta) > MAX_EXACT_SCORE)
      throw new ScoreOverflowError(part.userId, storedScore, remaining.rest.delta);
    // Every event still to add, nothing else found: only the old window sums refused the first write.
    staleOnly =
      attempt === 1 &&
      window !== undefined &&
      windowsTooOld(item, window) &&
      remaining.rest.events.length === part.events.length &&
      remaining.restarts.length === 0 &&
      remaining.copies === 0;
    recut = { item, positions: remaining.positions, remaining };
    pending = remaining.rest;
  }
}

/** A re-cut: the item it was made against, and the position to store per topic-partition. */
interface Recut {
  item: Record<string, AttributeValue>;
  positions: Map<string, StoredPosition>;
  remaining: Pick<ApplyStats, 'restarts' | 'copies' | 'possibleCopies'>;
}

function record(stats: ApplyStats, found: Pick<ApplyStats, 'restarts' | 'copies' | 'possibleCopies'>): void {
  stats.restarts.push(...found.restarts);
  stats.copies += found.copies;
  stats.possibleCopies.push(...found.possibleCopies);
}

/**
 * One conditional UpdateItem. Without a re-cut (the first attempt) every event must be new against
 * what is stored; with one, each partition must still hold what the re-cut was made against.
 * Returns undefined when applied, or what is stored when the condition failed.
 */
async function conditionalAdd(
  client: DynamoDBClient,
  table: string,
  user: UserDelta,
  recut: Recut | undefined,
  window: WindowPlan | undefined,
): Promise<{ item?: Record<string, AttributeValue> } | undefined> {
  try {
    await client.send(new UpdateItemCommand(conditionalAddInput(table, user, recut, window)));
    return undefined;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return { item: err.Item };
    throw err;
  }
}

/**
 * The request of one conditional write, as sent; exported so the bench can replay a batch's own requests without the
 * handler around them.
 */
export function conditionalAddInput(
  table: string,
  user: UserDelta,
  recut: Pick<Recut, 'item' | 'positions'> | undefined,
  window: WindowPlan | undefined,
): UpdateItemCommandInput {
  const { update, condition, names, values } = updateExpressions(user, recut, window);
  return {
    TableName: table,
    Key: { [USER_KEY]: { S: user.userId } },
    UpdateExpression: update,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** The expressions of one write; exported so their length can be checked against DynamoDB's limit. */
export function updateExpressions(
  user: UserDelta,
  recut: Pick<Recut, 'item' | 'positions'> | undefined,
  window?: WindowPlan,
) {
  const u = new ItemUpdate();
  const score = u.name(SCORE_ATTRIBUTE);
  u.adds.push(`${score} ${u.value(user.delta)}`);
  // The score stays exact: the write is refused if the sum would pass 2^53 - 1. A missing score compares as false,
  // so NOT lets a first write through without attribute_not_exists.
  u.conditions.push(`NOT (${score} > ${u.value(MAX_EXACT_SCORE - BigInt(user.delta))})`);
  for (const span of user.spans.values()) {
    if (recut === undefined) setPositionIfAllNew(u, span);
    else
      setPositionIfUnchanged(
        u,
        span.topic,
        span.partition,
        recut.item,
        recut.positions.get(partitionKey(span.topic, span.partition))!,
      );
  }
  // The window sums ride on the same write, under the same conditions: a re-cut rebuilds them from the events it keeps.
  if (window !== undefined) {
    addToWindows(u, window, windowDeltas(user.events, window));
    if (recut === undefined) clearWindowsBlind(u, window);
    else clearWindowsSeen(u, window, recut.item);
  }
  return { update: u.update, condition: u.condition, names: u.names, values: u.values };
}

async function readItem(
  client: DynamoDBClient,
  table: string,
  userId: string,
): Promise<Record<string, AttributeValue> | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: { [USER_KEY]: { S: userId } }, ConsistentRead: true }),
  );
  return out.Item;
}
