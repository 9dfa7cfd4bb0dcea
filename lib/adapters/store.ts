import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { remainingDelta, splitByPartitions, type OffsetRestart, type StoredPosition, type UserDelta } from '../core/user-deltas.js';
import { mapWithConcurrency } from '../core/concurrency.js';
import { AppError } from '../core/errors.js';

// Item shape: { user_id: S, score: N, "o:<topic>:<partition>": N (highest offset applied),
// "t:<topic>:<partition>": N (newest record timestamp applied there) }.
// The offsets make a redelivered batch harmless: an update only applies above them. The timestamps
// tell a log that started again (recreated topic, other cluster) from a redelivery.
export const USER_KEY = 'user_id';
export const SCORE_ATTRIBUTE = 'score';
const OFFSET_PREFIX = 'o:';
const NEWEST_PREFIX = 't:';
const MAX_ATTEMPTS = 5;
/** Topic-partitions per UpdateItem: keeps each expression well under DynamoDB's 4 KB (see store.test.ts). */
export const MAX_PARTITIONS_PER_WRITE = 32;
/** Above this a score read as a JavaScript number is no longer exact. */
const MAX_EXACT_SCORE = BigInt(Number.MAX_SAFE_INTEGER);

export function offsetAttribute(topic: string, partition: number): string {
  return `${OFFSET_PREFIX}${topic}:${partition}`;
}

export function newestAttribute(topic: string, partition: number): string {
  return `${NEWEST_PREFIX}${topic}:${partition}`;
}

export interface ApplyStats {
  /** UpdateItem requests sent, conditional retries included. */
  writes: number;
  /** Users whose update met offsets already stored: a redelivery (or a restarted log). */
  redelivered: number;
  /** Users whose events had all been applied before; nothing was added. */
  alreadyApplied: number;
  /** Topic-partitions whose offsets started again below the stored ones; their events were counted. */
  restarts: OffsetRestart[];
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
    super(`user ${userId}: stored offsets kept moving during ${attempts} attempts; is another consumer writing the same partition?`, { retriable: true });
  }
}

/**
 * Adds each user's delta to the stored sum exactly once: one conditional UpdateItem per user (per
 * 32 topic-partitions of that user), and only when a redelivery collides with stored offsets a
 * re-cut of that user's events.
 */
export async function applyScoreDeltas(client: DynamoDBClient, table: string, users: Iterable<UserDelta>, concurrency: number): Promise<ApplyStats> {
  const stats: ApplyStats = { writes: 0, redelivered: 0, alreadyApplied: 0, restarts: [] };
  await mapWithConcurrency(users, concurrency, async (user) => {
    let collided = false;
    let applied = false;
    for (const part of splitByPartitions(user, MAX_PARTITIONS_PER_WRITE)) {
      const outcome = await applyPart(client, table, part, stats);
      collided ||= outcome !== 'applied';
      applied ||= outcome !== 'already-applied';
    }
    if (collided) stats.redelivered++;
    if (!applied) stats.alreadyApplied++;
  });
  return stats;
}

type PartOutcome = 'applied' | 'recut' | 'already-applied';

async function applyPart(client: DynamoDBClient, table: string, part: UserDelta, stats: ApplyStats): Promise<PartOutcome> {
  let pending: UserDelta = part;
  let expected: Record<string, AttributeValue> | undefined;
  for (let attempt = 1; ; attempt++) {
    stats.writes++;
    const failed = await conditionalAdd(client, table, pending, expected);
    if (failed === undefined) return attempt === 1 ? 'applied' : 'recut';
    if (attempt >= MAX_ATTEMPTS) throw new StoredOffsetsMovingError(part.userId, MAX_ATTEMPTS);
    // Re-cut from the whole part against what is stored now, and write only if it is still stored then.
    expected = failed.item ?? (await readItem(client, table, part.userId)) ?? {};
    const item = expected;
    const { rest, restarts } = remainingDelta(part, (topic, partition) => storedPosition(item, topic, partition));
    if (rest === undefined) return 'already-applied';
    const storedScore = item[SCORE_ATTRIBUTE]?.N;
    if (storedScore !== undefined && BigInt(storedScore) + BigInt(rest.delta) > MAX_EXACT_SCORE)
      throw new ScoreOverflowError(part.userId, storedScore, rest.delta);
    if (attempt === 1) stats.restarts.push(...restarts);
    pending = rest;
  }
}

/**
 * One conditional UpdateItem. Without `expected` (the first attempt) each partition's stored offset
 * must lie below this write's events; with it (a re-cut) each partition must still hold exactly the
 * offsets and timestamps the re-cut was made against. Returns undefined when applied, or what is
 * stored when the condition failed.
 */
async function conditionalAdd(
  client: DynamoDBClient,
  table: string,
  user: UserDelta,
  expected: Record<string, AttributeValue> | undefined,
): Promise<{ item?: Record<string, AttributeValue> } | undefined> {
  const { update, condition, names, values } = updateExpressions(user, expected);
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { [USER_KEY]: { S: user.userId } },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return undefined;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return { item: err.Item };
    throw err;
  }
}

/** The expressions of one write; exported so their length can be checked against DynamoDB's limit. */
export function updateExpressions(user: UserDelta, expected: Record<string, AttributeValue> | undefined) {
  const names: Record<string, string> = { '#s': SCORE_ATTRIBUTE };
  // The score stays exact: the write is refused if the sum would pass 2^53 - 1.
  const values: Record<string, AttributeValue> = { ':d': { N: String(user.delta) }, ':smax': { N: String(MAX_EXACT_SCORE - BigInt(user.delta)) } };
  const sets: string[] = [];
  const conditions: string[] = ['(attribute_not_exists(#s) OR #s <= :smax)'];
  let i = 0;
  for (const span of user.spans.values()) {
    const o = `#o${i}`;
    const t = `#t${i}`;
    names[o] = offsetAttribute(span.topic, span.partition);
    names[t] = newestAttribute(span.topic, span.partition);
    values[`:max${i}`] = { N: String(span.max) };
    if (expected === undefined) {
      values[`:min${i}`] = { N: String(span.min) };
      values[`:new${i}`] = { N: String(span.newest) };
      sets.push(`${o} = :max${i}`, `${t} = :new${i}`);
      // The newest timestamp only ever grows here; an older one sends this write to the re-cut, which keeps the maximum.
      conditions.push(`(attribute_not_exists(${o}) OR (${o} < :min${i} AND (attribute_not_exists(${t}) OR ${t} <= :new${i})))`);
    } else {
      const position = storedPosition(expected, span.topic, span.partition);
      const restarted = position !== undefined && span.min <= position.offset;
      const newest = restarted || position?.newest === undefined ? span.newest : Math.max(position.newest, span.newest);
      values[`:new${i}`] = { N: String(newest) };
      sets.push(`${o} = :max${i}`, `${t} = :new${i}`);
      if (position === undefined) conditions.push(`attribute_not_exists(${o})`);
      else {
        values[`:was${i}`] = { N: String(position.offset) };
        if (position.newest === undefined) conditions.push(`(${o} = :was${i} AND attribute_not_exists(${t}))`);
        else {
          values[`:wasnew${i}`] = { N: String(position.newest) };
          conditions.push(`(${o} = :was${i} AND ${t} = :wasnew${i})`);
        }
      }
    }
    i++;
  }
  return { update: `ADD #s :d SET ${sets.join(', ')}`, condition: conditions.join(' AND '), names, values };
}

async function readItem(client: DynamoDBClient, table: string, userId: string): Promise<Record<string, AttributeValue> | undefined> {
  const out = await client.send(new GetItemCommand({ TableName: table, Key: { [USER_KEY]: { S: userId } }, ConsistentRead: true }));
  return out.Item;
}

function storedPosition(item: Record<string, AttributeValue> | undefined, topic: string, partition: number): StoredPosition | undefined {
  const offset = item?.[offsetAttribute(topic, partition)]?.N;
  if (offset === undefined) return undefined;
  const newest = item?.[newestAttribute(topic, partition)]?.N;
  return newest === undefined ? { offset: Number(offset) } : { offset: Number(offset), newest: Number(newest) };
}
