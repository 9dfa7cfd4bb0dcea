import { ScanCommand, type AttributeValue, type DynamoDBClient, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { windowAttribute, SCORE_ATTRIBUTE, USER_KEY } from './score-item.js';
import { readScorePage } from './score-page-reader.js';
import type { PageHandler, ScanTotals, ScorePage, ScoreSource } from '../core/score-source.js';
import type { TrendingWindow } from '../core/trending-window.js';

/** Which window sum a scan reads: the one of TRENDING_DAYS `days` for a run on `runDay`. */
export type RunDaySum = Pick<TrendingWindow, 'days' | 'runDay'>;

/**
 * Reads every segment of the scores table in parallel, each page by page until DynamoDB stops
 * returning a LastEvaluatedKey, and hands each parsed page to `onPage` with its segment number.
 * `pageLimit` caps the items per request (DynamoDB's own cap is 1 MB). With `window`, the same read
 * takes each user's window sum of that length for a run on that day too, into the page's `windowScores`.
 */
export async function scanScores(
  client: DynamoDBClient,
  table: string,
  totalSegments: number,
  onPage: PageHandler,
  pageLimit?: number,
  window?: RunDaySum,
): Promise<ScanTotals> {
  const totals: ScanTotals = { users: 0, pages: 0, unscored: 0 };
  let failed = false;
  const names: Record<string, string> = { '#u': USER_KEY, '#s': SCORE_ATTRIBUTE };
  // One window sum, the run's: no other is read, however many an item holds.
  const windows = window === undefined ? undefined : [windowAttribute(window.days, window.runDay)];
  if (windows !== undefined) names['#w'] = windows[0]!;
  const projection = Object.keys(names).join(', ');
  const scanSegment = async (segment: number): Promise<void> => {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await scanPage(
        client,
        {
          TableName: table,
          Segment: segment,
          TotalSegments: totalSegments,
          ProjectionExpression: projection,
          ExpressionAttributeNames: names,
          ExclusiveStartKey: startKey,
          Limit: pageLimit,
        },
        windows,
      );
      const { page } = out;
      totals.pages++;
      totals.users += page.scores.length;
      totals.unscored += out.items - page.scores.length;
      await onPage(segment, page);
      startKey = out.lastKey;
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

/**
 * One Scan request, its page read straight from the response's bytes (score-page-reader.ts). The SDK's
 * deserializer parses the whole body and then walks every attribute value of every item: that was
 * most of the job's CPU, on the cores DynamoDB Local scans with. A body the reader does not understand is parsed with JSON.parse instead; what is left of it
 * (LastEvaluatedKey, Count, ConsumedCapacity) the SDK reads as usual, and errors go through it as always.
 */
async function scanPage(
  client: DynamoDBClient,
  input: ScanCommandInput,
  windows: readonly string[] | undefined,
): Promise<{ page: ScorePage; items: number; lastKey?: Record<string, AttributeValue> }> {
  const command = new ScanCommand(input);
  let read: { page: ScorePage; items: number } | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      if (response.statusCode !== 200 || response.body === undefined) return result;
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      const direct = readScorePage(body, USER_KEY, SCORE_ATTRIBUTE, windows);
      if (direct !== undefined) {
        read = direct;
        response.body = direct.rest;
        return result;
      }
      const parsed = JSON.parse(body.toString('utf8')) as { Items?: Record<string, AttributeValue>[] };
      const items = parsed.Items ?? [];
      read = { page: parsePage(items, windows), items: items.length };
      delete parsed.Items;
      // The rest (LastEvaluatedKey, Count, ConsumedCapacity) is small: the SDK reads it as usual.
      response.body = Buffer.from(JSON.stringify(parsed));
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'scanItemsAsSent' },
  );
  const out = await client.send(command);
  if (read === undefined) {
    const items = out.Items ?? [];
    read = { page: parsePage(items, windows), items: items.length };
  }
  return { ...read, lastKey: out.LastEvaluatedKey };
}

/** Reads the raw attribute values directly: no document-client marshalling on the hot path. */
function parsePage(items: Record<string, AttributeValue>[], windows: readonly string[] | undefined): ScorePage {
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
    if (windows !== undefined) windowScores.push(windowScore(item, windows));
  }
  return windows === undefined ? { userIds, scores } : { userIds, scores, windowScores };
}

/** The named window sums an item holds, summed: looked up by name, which is cheaper than walking every attribute. */
function windowScore(item: Record<string, AttributeValue>, windows: readonly string[]): number {
  let sum = 0;
  for (const name of windows) {
    const text = item[name]?.N;
    if (text === undefined) continue;
    const n = Number(text);
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
  window?: RunDaySum,
): ScoreSource {
  return {
    segments,
    scan: (onPage) => scanScores(client, table, segments, onPage, scanPageItems(segments), window),
  };
}
