// What the scorer bench sets the handler against: the plain per-user writes (the raw limit the goal
// names) and the handler's own requests replayed bare (the floor of the exactly-once write), with
// the events and tables both are made from.
import { UpdateItemCommand, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { MSKEvent } from 'aws-lambda';
import { decodeActivity, type Activity } from '../lib/core/activity.js';
import { DEFAULT_SCORE_WEIGHTS } from '../lib/core/config.js';
import { mapWithConcurrency } from '../lib/core/concurrency.js';
import { combineByUser, splitByPartitions } from '../lib/core/user-deltas.js';
import type { WindowPlan } from '../lib/core/window-sums.js';
import { scanScores } from '../lib/adapters/scan.js';
import { SCORE_ATTRIBUTE, USER_KEY } from '../lib/adapters/score-item.js';
import { conditionalAddInput, MAX_PARTITIONS_PER_WRITE } from '../lib/adapters/store.js';
import {
  seededRandom,
  staticDataSet,
  usersFrom1000,
  type ActivityRow,
  type UserShape,
} from '../local/fixtures/index.js';

/**
 * The raw limit for one batch: the same per-user deltas written as plain unconditional ADDs (no
 * offsets, no condition), same keys, same requests in flight. Returns the writes sent.
 */
export async function rawReplay(
  client: DynamoDBClient,
  table: string,
  deltas: ReadonlyMap<number, number>,
  concurrency: number,
): Promise<number> {
  await mapWithConcurrency(deltas, concurrency, async ([userId, delta]) => {
    await client.send(new UpdateItemCommand(plainAdd(table, userId, delta)));
  });
  return deltas.size;
}

/** One plain write of the raw replay. */
export function plainAdd(table: string, userId: number, delta: number): UpdateItemCommandInput {
  return {
    TableName: table,
    Key: { [USER_KEY]: { S: String(userId) } },
    UpdateExpression: 'ADD #s :d',
    ExpressionAttributeNames: { '#s': SCORE_ATTRIBUTE },
    ExpressionAttributeValues: { ':d': { N: String(delta) } },
  };
}

/** Bytes of the requests' JSON bodies, as the SDK serialises (and SigV4 hashes) them. */
export function bodyBytes(requests: Iterable<UpdateItemCommandInput>): number {
  let sum = 0;
  for (const r of requests) sum += Buffer.byteLength(JSON.stringify(r));
  return sum;
}

/**
 * The UpdateItem inputs the handler sends for `batch` on a first delivery, built by the same lib code
 * (decode, combine by user, split by partitions, conditionalAddInput), in the order it sends them.
 */
export function ownRequests(
  batch: MSKEvent,
  table: string,
  weights: Readonly<Record<string, number>>,
  window?: WindowPlan,
): UpdateItemCommandInput[] {
  const accepted: Activity[] = [];
  for (const records of Object.values(batch.records ?? {}))
    for (const record of records) {
      const decoded = decodeActivity(record, weights);
      if (decoded.ok) accepted.push(decoded.activity);
    }
  return [...combineByUser(accepted).values()].flatMap((user) =>
    splitByPartitions(user, MAX_PARTITIONS_PER_WRITE).map((part) =>
      conditionalAddInput(table, part, undefined, window),
    ),
  );
}

/**
 * The handler's own requests sent bare: same client, same requests in flight, nothing decoded or
 * combined while timed. Each must pass its condition (a fresh table, batches in order), or the replay
 * is not the handler's work and it throws.
 */
export async function ownReplay(
  client: DynamoDBClient,
  requests: readonly UpdateItemCommandInput[],
  concurrency: number,
): Promise<number> {
  await mapWithConcurrency(requests, concurrency, async (input) => {
    await client.send(new UpdateItemCommand(input));
  });
  return requests.length;
}

/** `count` seeded events of `users` users drawn with the given shape. */
export function activityEvents(count: number, users: number, shape: UserShape, seed: number): ActivityRow[] {
  return [...staticDataSet(count, usersFrom1000(users), seededRandom(seed), shape)];
}

/** Distinct users among the events: the fewest writes any batching could reach. */
export function distinctUsers(events: readonly ActivityRow[]): number {
  return new Set(events.map((e) => e.userId)).size;
}

/** Each batch's events summed per user, as the raw replay writes them. */
export function deltasPerBatch(events: readonly ActivityRow[], batchSize: number): Map<number, number>[] {
  const batches: Map<number, number>[] = [];
  for (let i = 0; i < events.length; i += batchSize) {
    const deltas = new Map<number, number>();
    for (const e of events.slice(i, i + batchSize))
      deltas.set(e.userId, (deltas.get(e.userId) ?? 0) + DEFAULT_SCORE_WEIGHTS[e.activity]!);
    batches.push(deltas);
  }
  return batches;
}

export function expectedTotal(events: readonly ActivityRow[]): number {
  return events.reduce((sum, e) => sum + DEFAULT_SCORE_WEIGHTS[e.activity]!, 0);
}

export async function tableTotal(client: DynamoDBClient, table: string): Promise<number> {
  let total = 0;
  await scanScores(client, table, 4, (_, page) => {
    for (const s of page.scores) total += s;
  });
  return total;
}
