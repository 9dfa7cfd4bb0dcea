// The all-time set and the trending set of one run, from the same scans: each scanned page is read by
// both, the all-time set taking every user's score, the trending set the window sums above zero. A
// pass one set needs (a cutoff search, a streaming publish) is shared with the other when it needs one
// too, and MAX_HELD_USERS bounds what both hold together.
import { randomUUID } from 'node:crypto';
import type { PopularConfig, TrendingConfig } from './core/config.js';
import { AppError, errorMessage } from './core/errors.js';
import { HeldBudget } from './core/held-budget.js';
import { runKey, TRENDING_KEY_PREFIX, type PopularRun } from './core/popular-run.js';
import type { ScorePage, ScoreSource } from './core/score-source.js';
import { shareScans } from './core/shared-scan.js';
import type { TrendingWindow } from './core/trending-window.js';
import type { RunPublisher } from './adapters/popular-publish.js';
import { publishSet, type SetOptions, type SetOutcome } from './publish-set.js';

export interface TrendingRunSummary {
  runId: string;
  runKey: string;
  topic: string;
  percentile: number;
  days: number;
  windowStart: string;
  windowEnd: string;
  /** Users whose trending score is above zero: the ones its percentile ranks. */
  usersInWindow: number;
  estimatedCutoff: number | null;
  /** Null when no user has a trending score above zero. */
  cutoff: number | null;
  trendingCount: number;
  published: number;
  /** As the all-time set's: its requests' limit from TRENDING_TOPIC's own max.message.bytes, and refusals. */
  requestLimitBytes: number;
  topicMaxMessageBytes: number;
  requestsRefused: number;
  /** Scans this set read (shared with the all-time set). */
  passes: number;
  publishPath: 'memory' | 'stream';
  candidatesKept: number;
  /** This set's merge and exact resolution, and its publishing with the marker (the scans are the all-time set's). */
  resolveMs: number;
  publishMs: number;
}

export interface BothSets {
  allTime: SetOutcome;
  trending: TrendingRunSummary;
  /** Full scans of the table the two sets needed together. */
  passes: number;
  /** The most candidates both sets held at once (MAX_HELD_USERS bounds it, plus the page that crossed it). */
  heldPeak: number;
}

/** One set failed; the other may have completed (and then its run is complete for consumers). */
export class RunSetFailedError extends AppError {
  constructor(failed: string, published: string[], cause: unknown) {
    const rest =
      published.length > 0
        ? `the ${published.join(' and ')} set was published with its run-end marker`
        : 'no set was published';
    super(`the ${failed} set failed: ${errorMessage(cause)} (${rest})`, {
      cause,
      retriable: cause instanceof AppError ? cause.retriable : undefined,
    });
  }
}

const allTimeView = (page: ScorePage): ScorePage => page;

/** Only users with a trending score above zero are ranked. */
function trendingView(page: ScorePage): ScorePage {
  const window = page.windowScores;
  if (window === undefined)
    throw new Error('the score source reads no window sums, so the trending set cannot be selected');
  const userIds: string[] = [];
  const scores: number[] = [];
  for (let i = 0; i < window.length; i++) {
    if (!(window[i]! > 0)) continue;
    userIds.push(page.userIds[i]!);
    scores.push(window[i]!);
  }
  return { userIds, scores };
}

export async function selectBothSets(
  source: ScoreSource,
  allTimeRun: PopularRun,
  trending: TrendingConfig & { window: TrendingWindow },
  config: PopularConfig,
  /** One per topic: the trending set's sizes its requests to TRENDING_TOPIC's limit. */
  publishers: { allTime: RunPublisher; trending: RunPublisher },
  options: SetOptions,
): Promise<BothSets> {
  const run: PopularRun = {
    ...allTimeRun,
    runId: randomUUID(),
    key: runKey(TRENDING_KEY_PREFIX, allTimeRun.startedAt),
    percentile: trending.percentile,
  };
  const shared = shareScans(source, [allTimeView, trendingView]);
  const budget = new HeldBudget(config.maxHeldUsers, 2);
  const { window } = trending;
  const sets = [
    publishSet(shared.views[0]!, { run: allTimeRun }, config, publishers.allTime, { ...options, budget }),
    publishSet(
      shared.views[1]!,
      { run, window: { start: window.start, end: window.end } },
      config,
      publishers.trending,
      {
        ...options,
        onProgress: undefined,
        budget,
      },
    ),
  ].map((selecting, view) => selecting.finally(() => shared.release(view)));
  const [allTime, trend] = (await Promise.allSettled(sets)) as [
    PromiseSettledResult<SetOutcome>,
    PromiseSettledResult<SetOutcome>,
  ];
  if (allTime.status === 'rejected')
    throw new RunSetFailedError('all-time', trend.status === 'fulfilled' ? ['trending'] : [], allTime.reason);
  if (trend.status === 'rejected') throw new RunSetFailedError('trending', ['all-time'], trend.reason);
  const a = allTime.value;
  const t = trend.value;
  return {
    allTime: a,
    passes: shared.passes,
    heldPeak: budget.peak,
    trending: {
      runId: run.runId,
      runKey: run.key,
      topic: trending.topic,
      percentile: trending.percentile,
      days: trending.days,
      windowStart: window.start,
      windowEnd: window.end,
      usersInWindow: t.usersScanned,
      estimatedCutoff: t.estimatedCutoff,
      cutoff: t.cutoff,
      trendingCount: t.popularCount,
      published: t.published,
      requestLimitBytes: t.requestLimit.bytes,
      topicMaxMessageBytes: t.requestLimit.topicBytes,
      requestsRefused: t.requestsRefused,
      passes: t.passes,
      publishPath: t.publishPath,
      candidatesKept: t.candidatesKept,
      resolveMs: t.resolveMs,
      publishMs: t.publishMs,
    },
  };
}
