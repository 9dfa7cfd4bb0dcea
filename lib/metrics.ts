// What an operator watches, taken from the summaries the scorer and the job already return.
// Pure data: the Lambda edge (functions/metrics.ts) hands these to Powertools Metrics (EMF).
import type { RejectionReason } from './core/activity.js';
import type { BatchSummary } from './score-batch.js';
import type { PopularRunSummary } from './popular-job.js';

export type MetricUnit = 'Count' | 'Milliseconds' | 'None';

export interface MetricPoint {
  name: string;
  unit: MetricUnit;
  value: number;
  /** Only ever values from a fixed set (a rejection reason), never an id or a name from the data. */
  dimensions?: Record<string, string>;
}

/** Keyed by the type, so a reason added to the scorer without being added here fails to compile. */
const KNOWN_REASONS: Record<RejectionReason, true> = {
  tombstone: true,
  too_large: true,
  bad_base64: true,
  bad_utf8: true,
  bad_json: true,
  not_an_object: true,
  missing_user_id: true,
  bad_user_id: true,
  missing_activity: true,
  unknown_activity: true,
};

/** The values the `reason` dimension can take; anything else counts as "other", so the dimension stays bounded. */
export const REJECTION_REASONS = Object.keys(KNOWN_REASONS) as readonly RejectionReason[];

export function batchMetrics(summary: BatchSummary): MetricPoint[] {
  const points: MetricPoint[] = [
    { name: 'Records', unit: 'Count', value: summary.records },
    { name: 'Accepted', unit: 'Count', value: summary.accepted },
    { name: 'Rejected', unit: 'Count', value: summary.rejected },
    { name: 'Writes', unit: 'Count', value: summary.writes },
    { name: 'RedeliveredUsers', unit: 'Count', value: summary.redeliveredUsers },
    // A partition whose offsets started again below the stored ones (topic recreated): worth a look every time.
    { name: 'OffsetRestarts', unit: 'Count', value: summary.offsetRestarts },
    { name: 'CopiesSkipped', unit: 'Count', value: summary.copiesSkipped },
    // Counted although they may be copies (a LogAppendTime target, or no timestamps): should stay 0.
    { name: 'PossibleCopies', unit: 'Count', value: summary.possibleCopies },
    // The trending window's view of event time: late and undated events count all-time only, future ones on the scorer's day.
    { name: 'LateEvents', unit: 'Count', value: summary.lateEvents },
    // A producer clock more than an hour ahead: should stay 0.
    { name: 'FutureEvents', unit: 'Count', value: summary.futureEvents },
    { name: 'UndatedEvents', unit: 'Count', value: summary.undatedEvents },
    { name: 'StaleBucketUsers', unit: 'Count', value: summary.staleBucketUsers },
    { name: 'BatchDuration', unit: 'Milliseconds', value: summary.durationMs },
  ];
  const byReason = new Map<string, number>();
  for (const [reason, count] of Object.entries(summary.rejectedByReason)) {
    const known = Object.hasOwn(KNOWN_REASONS, reason) ? reason : 'other';
    byReason.set(known, (byReason.get(known) ?? 0) + (count ?? 0));
  }
  for (const [reason, count] of byReason) points.push({ name: 'RejectedByReason', unit: 'Count', value: count, dimensions: { reason } });
  return points;
}

export function runMetrics(summary: PopularRunSummary): MetricPoint[] {
  const points: MetricPoint[] = [
    { name: 'UsersScanned', unit: 'Count', value: summary.usersScanned },
    { name: 'PopularCount', unit: 'Count', value: summary.popularCount },
    { name: 'ScanPasses', unit: 'Count', value: summary.passes },
    { name: 'RunDuration', unit: 'Milliseconds', value: summary.totalMs },
    // The alarm on missing runs counts these: one per run that finished and published.
    { name: 'RunSucceeded', unit: 'Count', value: 1 },
  ];
  // An empty table has no cutoff; no point beats a made-up zero.
  if (summary.cutoff !== null) points.push({ name: 'Cutoff', unit: 'None', value: summary.cutoff });
  const { trending } = summary;
  if (trending !== undefined) {
    points.push(
      { name: 'TrendingUsers', unit: 'Count', value: trending.usersInWindow },
      { name: 'TrendingCount', unit: 'Count', value: trending.trendingCount },
    );
    if (trending.cutoff !== null) points.push({ name: 'TrendingCutoff', unit: 'None', value: trending.cutoff });
  }
  return points;
}
