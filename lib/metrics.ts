// What an operator watches, taken from the summaries the scorer and the job already return, and
// how it is written: Powertools Metrics, as CloudWatch embedded metric format on stdout, in the
// namespace POWERTOOLS_METRICS_NAMESPACE names. Each handler records its summary's points where it
// logs it (score-batch.ts, popular-job.ts); the Lambda edge flushes them once per invocation.
import { MetricUnit as EmfUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { isRejectionReason } from './core/activity.js';
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

/** The values the `reason` dimension can take; anything else counts as "other", so the dimension stays bounded. */
export { REJECTION_REASONS } from './core/activity.js';

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
    // The trending window's view of event time: late and undated events count all-time only, future ones on the
    // scorer's day.
    { name: 'LateEvents', unit: 'Count', value: summary.lateEvents },
    // A producer clock more than an hour ahead: should stay 0.
    { name: 'FutureEvents', unit: 'Count', value: summary.futureEvents },
    { name: 'UndatedEvents', unit: 'Count', value: summary.undatedEvents },
    { name: 'StaleWindowUsers', unit: 'Count', value: summary.staleWindowUsers },
    { name: 'BatchDuration', unit: 'Milliseconds', value: summary.durationMs },
  ];
  const byReason = new Map<string, number>();
  for (const [reason, count] of Object.entries(summary.rejectedByReason)) {
    const known = isRejectionReason(reason) ? reason : 'other';
    byReason.set(known, (byReason.get(known) ?? 0) + (count ?? 0));
  }
  for (const [reason, count] of byReason)
    points.push({ name: 'RejectedByReason', unit: 'Count', value: count, dimensions: { reason } });
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

const EMF_UNITS = {
  Count: EmfUnit.Count,
  Milliseconds: EmfUnit.Milliseconds,
  None: EmfUnit.NoUnit,
} as const satisfies Record<MetricUnit, unknown>;

/** Adds the points to `metrics`, to be published when the invocation ends. */
export function recordMetrics(metrics: Metrics, points: MetricPoint[]): void {
  for (const point of points) {
    const unit = EMF_UNITS[point.unit];
    if (point.dimensions === undefined) {
      metrics.addMetric(point.name, unit, point.value);
    } else {
      // A dimensioned point goes out on its own, so its dimension never rides on the other metrics.
      const single = metrics.singleMetric();
      single.addDimensions(point.dimensions);
      single.addMetric(point.name, unit, point.value);
    }
  }
}
