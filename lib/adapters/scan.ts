import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { bucketAttribute, SCORE_ATTRIBUTE, USER_KEY } from './score-item.js';
import type { PageHandler, ScanTotals, ScorePage, ScoreSource } from '../core/score-source.js';

/**
 * Reads every segment of the scores table in parallel, each page by page until DynamoDB stops
 * returning a LastEvaluatedKey, and hands each parsed page to `onPage` with its segment number.
 * `pageLimit` caps the items per request (DynamoDB's own cap is 1 MB). With `windowDays`, the same
 * read takes each user's buckets of those days too, summed into the page's `windowScores`.
 */
export async function scanScores(
  client: DynamoDBClient,
  table: string,
  totalSegments: number,
  onPage: PageHandler,
  pageLimit?: number,
  windowDays?: readonly number[],
): Promise<ScanTotals> {
  const totals: ScanTotals = { users: 0, pages: 0, unscored: 0 };
  let failed = false;
  const names: Record<string, string> = { '#u': USER_KEY, '#s': SCORE_ATTRIBUTE };
  // Exactly the window's days: no other bucket is read, however many an item holds.
  for (const [i, day] of (windowDays ?? []).entries()) names[`#d${i}`] = bucketAttribute(day);
  const projection = Object.keys(names).join(', ');
  const scanSegment = async (segment: number): Promise<void> => {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await client.send(
        new ScanCommand({
          TableName: table,
          Segment: segment,
          TotalSegments: totalSegments,
          ProjectionExpression: projection,
          ExpressionAttributeNames: names,
          ExclusiveStartKey: startKey,
          Limit: pageLimit,
        }),
      );
      const page = parsePage(out.Items ?? [], windowDays !== undefined);
      totals.pages++;
      totals.users += page.scores.length;
      totals.unscored += (out.Items?.length ?? 0) - page.scores.length;
      await onPage(segment, page);
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined && !failed);
  };
  await Promise.all(
    Array.from({ length: totalSegments }, (_, segment) =>
      scanSegment(segment).catch((err: unknown) => {
        failed = true; // the run is lost: the other segments stop at their next page
        throw err;
      }),
    ),
  );
  return totals;
}

/** Reads the raw attribute values directly: no document-client marshalling on the hot path. */
function parsePage(items: Record<string, AttributeValue>[], withWindow: boolean): ScorePage {
  const userIds: string[] = [];
  const scores: number[] = [];
  const windowScores: number[] = [];
  for (const item of items) {
    const userId = item[USER_KEY]?.S;
    const n = item[SCORE_ATTRIBUTE]?.N;
    if (userId === undefined || n === undefined) continue;
    const score = Number(n);
    if (!Number.isFinite(score)) continue;
    userIds.push(userId);
    scores.push(score);
    if (withWindow) windowScores.push(windowScore(item));
  }
  return withWindow ? { userIds, scores, windowScores } : { userIds, scores };
}

/** The projection brought only the key, the score and the window's buckets: every other number is a bucket. */
function windowScore(item: Record<string, AttributeValue>): number {
  let sum = 0;
  for (const name in item) {
    if (name === USER_KEY || name === SCORE_ATTRIBUTE) continue;
    const n = Number(item[name]!.N);
    if (Number.isFinite(n)) sum += n;
  }
  return sum;
}

/**
 * Items per scan request. A full 1 MB page is ~40,000 users, and a decoded page costs far more
 * heap than its bytes; 5,000 per page halved the job's heap at 1M users with no slower scan.
 */
export const SCAN_PAGE_ITEMS = 5_000;
/** Pages in flight are what the job's memory follows, so many segments read smaller pages. */
const SCAN_ITEMS_IN_FLIGHT = 40_000;

export function scanPageItems(segments: number): number {
  return Math.min(SCAN_PAGE_ITEMS, Math.max(1_000, Math.floor(SCAN_ITEMS_IN_FLIGHT / segments)));
}

/** The job's score source in production: a parallel Scan of the scores table. */
export function dynamoScoreSource(
  client: DynamoDBClient,
  table: string,
  segments: number,
  windowDays?: readonly number[],
): ScoreSource {
  return {
    segments,
    scan: (onPage) => scanScores(client, table, segments, onPage, scanPageItems(segments), windowDays),
  };
}
