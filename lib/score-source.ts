// Where the job reads scores from: every user once, in pages per segment. DynamoDB in production;
// arrays in memory for the accuracy benchmark and unit tests, through the same engine.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { scanScores, type PageHandler, type ScanTotals } from './scan.js';

export interface ScoreSource {
  readonly segments: number;
  /** One full pass: every page of every segment to `onPage`, segments in parallel. */
  scan(onPage: PageHandler): Promise<ScanTotals>;
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

/** A parallel Scan of the scores table. */
export function dynamoScoreSource(client: DynamoDBClient, table: string, segments: number): ScoreSource {
  return { segments, scan: (onPage) => scanScores(client, table, segments, onPage, scanPageItems(segments)) };
}

/**
 * Scores held in memory, dealt to segments round-robin and read in pages that interleave across
 * segments, as a parallel scan hands them out. User i is `userId(i)`.
 */
export function memoryScoreSource(
  scores: ArrayLike<number>,
  segments: number,
  options: { pageItems?: number; userId?: (i: number) => string } = {},
): ScoreSource {
  const { pageItems = SCAN_PAGE_ITEMS, userId = String } = options;
  return {
    segments,
    async scan(onPage) {
      const totals: ScanTotals = { users: 0, pages: 0, unscored: 0 };
      const perSegment = Math.ceil(scores.length / segments);
      for (let start = 0; start < perSegment; start += pageItems) {
        for (let segment = 0; segment < segments; segment++) {
          const userIds: string[] = [];
          const page: number[] = [];
          for (let k = start; k < Math.min(perSegment, start + pageItems); k++) {
            const i = k * segments + segment;
            if (i >= scores.length) break;
            userIds.push(userId(i));
            page.push(scores[i]!);
          }
          if (page.length === 0) continue;
          totals.pages++;
          totals.users += page.length;
          await onPage(segment, { userIds, scores: page });
        }
      }
      return totals;
    },
  };
}
