// Loads users with given scores straight into a scores table, and generates score shapes to load:
// for tests and benchmarks of the popular-users job, without running the scorer on billions of events.
import {
  BatchWriteItemCommand,
  type AttributeValue,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { mapWithConcurrency } from '../../lib/core/concurrency.js';
import { SCORE_ATTRIBUTE, USER_KEY } from '../../lib/adapters/score-item.js';
import { seededRandom } from './activity.js';

const BATCH_ITEMS = 25; // BatchWriteItem's limit
const MAX_UNPROCESSED_ROUNDS = 20;

/** The user id of the i-th generated score: the seed's numeric ids, stored as strings like the scorer does. */
export function seedUserId(index: number): string {
  return String(index + 1);
}

export interface WriteScoresOptions {
  concurrency?: number;
  userId?: (index: number) => string;
  /** More attributes of user i's item (its window sums), beside the key and the score. */
  attributes?: (index: number) => Record<string, AttributeValue>;
}

/** Writes user i with score scores[i], 25 items per request, retrying what DynamoDB leaves unprocessed. */
export async function writeUserScores(
  client: DynamoDBClient,
  table: string,
  scores: ArrayLike<number>,
  options: WriteScoresOptions = {},
): Promise<void> {
  const userId = options.userId ?? seedUserId;
  function* batches(): Generator<WriteRequest[]> {
    for (let start = 0; start < scores.length; start += BATCH_ITEMS) {
      const batch: WriteRequest[] = [];
      for (let i = start; i < Math.min(scores.length, start + BATCH_ITEMS); i++) {
        batch.push({
          PutRequest: {
            Item: {
              ...options.attributes?.(i),
              [USER_KEY]: { S: userId(i) },
              [SCORE_ATTRIBUTE]: { N: String(scores[i]) },
            },
          },
        });
      }
      yield batch;
    }
  }
  await mapWithConcurrency(batches(), options.concurrency ?? 16, async (batch) => {
    let pending: WriteRequest[] | undefined = batch;
    for (let round = 0; pending !== undefined && pending.length > 0; round++) {
      if (round >= MAX_UNPROCESSED_ROUNDS)
        throw new Error(`${table}: ${pending.length} items still unprocessed after ${round} rounds`);
      if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
      const out: BatchWriteItemCommandOutput = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
      );
      pending = out.UnprocessedItems?.[table];
    }
  });
}

/**
 * The seed's shape: users * eventsPerUser events, each for a user drawn uniformly and worth 1 to 3
 * drawn uniformly. Integer sums near 200 with heavy ties, about 0.5% of users per value at p95.
 */
export function seedShapedScores(users: number, seed = 1, eventsPerUser = 100): Float64Array {
  const rng = seededRandom(seed);
  const sums = new Float64Array(users);
  const events = users * eventsPerUser;
  for (let e = 0; e < events; e++) {
    sums[Math.floor(rng() * users)]! += 1 + Math.floor(rng() * 3);
  }
  return sums;
}

/**
 * A few very active users: user k's expected events fall as 1/k (Zipf, s = 1), the total kept at
 * eventsPerUser per user, weights 1 to 3. The first users score in the hundreds of thousands,
 * most users score a few dozen, with heavy ties at the bottom.
 */
export function skewedScores(users: number, seed = 2, eventsPerUser = 100): Float64Array {
  const rng = seededRandom(seed);
  let harmonic = 0;
  for (let k = 1; k <= users; k++) harmonic += 1 / k;
  const scores = new Float64Array(users);
  for (let k = 1; k <= users; k++) {
    // Every stored user acted at least once.
    const events = Math.max(1, poisson((users * eventsPerUser) / (k * harmonic), rng));
    scores[k - 1] = activitySum(events, rng);
  }
  // Spread the heavy users over the id space, as real ids would be.
  for (let i = users - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [scores[i], scores[j]] = [scores[j]!, scores[i]!];
  }
  return scores;
}

/** Non-integer scores with few ties (log-normal around 150), to exercise the digest without ties. */
export function continuousScores(users: number, seed = 3): Float64Array {
  const rng = seededRandom(seed);
  const scores = new Float64Array(users);
  for (let i = 0; i < users; i++) scores[i] = Math.round(Math.exp(5 + 0.5 * gaussian(rng)) * 1000) / 1000;
  return scores;
}

function poisson(mean: number, rng: () => number): number {
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rng(); p > limit; p *= rng()) k++;
  return k;
}

/** The score of `events` events worth 1 to 3 each; a normal approximation for very active users. */
function activitySum(events: number, rng: () => number): number {
  if (events > 64) return Math.max(events, Math.round(2 * events + Math.sqrt((2 * events) / 3) * gaussian(rng)));
  let sum = 0;
  for (let e = 0; e < events; e++) sum += 1 + Math.floor(rng() * 3);
  return sum;
}

function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
