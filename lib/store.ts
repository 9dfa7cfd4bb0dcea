import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { remainingDelta, type UserDelta } from './scoring.js';
import { mapWithConcurrency } from './concurrency.js';

// Item shape: { user_id: S, score: N, "o:<topic>:<partition>": N (highest offset applied) }.
// The offsets make a redelivered batch harmless: an update only applies above them.
export const USER_KEY = 'user_id';
export const SCORE_ATTRIBUTE = 'score';
const OFFSET_PREFIX = 'o:';
const MAX_ATTEMPTS = 5;

export function offsetAttribute(topic: string, partition: number): string {
  return `${OFFSET_PREFIX}${topic}:${partition}`;
}

export interface ApplyStats {
  /** UpdateItem requests sent, conditional retries included. */
  writes: number;
  /** Users whose update met offsets already stored: a redelivery. */
  redelivered: number;
  /** Users whose events had all been applied before; nothing was added. */
  alreadyApplied: number;
}

/**
 * Adds each user's delta to the stored sum exactly once: one conditional UpdateItem per user,
 * and only when a redelivery collides with stored offsets a re-cut of that user's events.
 */
export async function applyScoreDeltas(
  client: DynamoDBClient,
  table: string,
  users: Iterable<UserDelta>,
  concurrency: number,
): Promise<ApplyStats> {
  const stats: ApplyStats = { writes: 0, redelivered: 0, alreadyApplied: 0 };
  await mapWithConcurrency(users, concurrency, async (user) => {
    let pending: UserDelta | undefined = user;
    for (let attempt = 1; pending !== undefined; attempt++) {
      stats.writes++;
      const stored = await conditionalAdd(client, table, pending);
      if (stored === undefined) return;
      if (attempt === 1) stats.redelivered++;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`user ${user.userId}: stored offsets kept moving during ${MAX_ATTEMPTS} attempts; is another consumer writing the same partition?`);
      const item = stored.item ?? (await readOffsets(client, table, user.userId));
      pending = remainingDelta(pending, (topic, partition) => storedOffset(item, topic, partition));
      if (pending === undefined) stats.alreadyApplied++;
    }
  });
  return stats;
}

/** Returns undefined when applied, or what is stored when the offsets show a redelivery. */
async function conditionalAdd(client: DynamoDBClient, table: string, user: UserDelta): Promise<{ item?: Record<string, AttributeValue> } | undefined> {
  const names: Record<string, string> = { '#s': SCORE_ATTRIBUTE };
  const values: Record<string, AttributeValue> = { ':d': { N: String(user.delta) } };
  const sets: string[] = [];
  const conditions: string[] = [];
  let i = 0;
  for (const span of user.spans.values()) {
    names[`#o${i}`] = offsetAttribute(span.topic, span.partition);
    values[`:min${i}`] = { N: String(span.min) };
    values[`:max${i}`] = { N: String(span.max) };
    sets.push(`#o${i} = :max${i}`);
    conditions.push(`(attribute_not_exists(#o${i}) OR #o${i} < :min${i})`);
    i++;
  }
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { [USER_KEY]: { S: user.userId } },
        UpdateExpression: `ADD #s :d SET ${sets.join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
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

async function readOffsets(client: DynamoDBClient, table: string, userId: string): Promise<Record<string, AttributeValue> | undefined> {
  const out = await client.send(new GetItemCommand({ TableName: table, Key: { [USER_KEY]: { S: userId } }, ConsistentRead: true }));
  return out.Item;
}

function storedOffset(item: Record<string, AttributeValue> | undefined, topic: string, partition: number): number | undefined {
  const n = item?.[offsetAttribute(topic, partition)]?.N;
  return n === undefined ? undefined : Number(n);
}
