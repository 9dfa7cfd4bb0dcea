// Where the job reads scores from: every user once, in pages per segment. DynamoDB in production
// (dynamoScoreSource, beside the scan); arrays in memory for the accuracy benchmark and unit tests.

/** One page of a segment: parallel arrays, so a page costs two arrays rather than an object per user. */
export interface ScorePage {
  userIds: string[];
  scores: number[];
  /** Each user's trending score (the window sum kept for the run's day), when the scan reads them. */
  windowScores?: number[];
}

export interface ScanTotals {
  users: number;
  pages: number;
  /** Items without a string user_id and a finite numeric score (the scorer writes none); left out of every count. */
  unscored: number;
}

/** Takes one page of a segment; a promise holds that segment's next request back until it settles. */
export type PageHandler = (segment: number, page: ScorePage) => void | Promise<void>;

export interface ScoreSource {
  readonly segments: number;
  /** One full pass: every page of every segment to `onPage`, segments in parallel. */
  scan(onPage: PageHandler): Promise<ScanTotals>;
}

/**
 * Scores held in memory, dealt to segments round-robin and read in pages that interleave across
 * segments, as a parallel scan hands them out. User i is `userId(i)`.
 */
export function memoryScoreSource(
  scores: ArrayLike<number>,
  segments: number,
  options: { pageItems?: number; userId?: (i: number) => string; windowScores?: ArrayLike<number> } = {},
): ScoreSource {
  const { pageItems = 5_000, userId = String, windowScores } = options;
  return {
    segments,
    async scan(onPage) {
      const totals: ScanTotals = { users: 0, pages: 0, unscored: 0 };
      const perSegment = Math.ceil(scores.length / segments);
      for (let start = 0; start < perSegment; start += pageItems) {
        for (let segment = 0; segment < segments; segment++) {
          const userIds: string[] = [];
          const page: number[] = [];
          const window: number[] = [];
          for (let k = start; k < Math.min(perSegment, start + pageItems); k++) {
            const i = k * segments + segment;
            if (i >= scores.length) break;
            userIds.push(userId(i));
            page.push(scores[i]!);
            if (windowScores !== undefined) window.push(windowScores[i]!);
          }
          if (page.length === 0) continue;
          totals.pages++;
          totals.users += page.length;
          await onPage(
            segment,
            windowScores === undefined ? { userIds, scores: page } : { userIds, scores: page, windowScores: window },
          );
        }
      }
      return totals;
    },
  };
}
