import { describe, expect, it } from 'vitest';
import { batchMetrics, REJECTION_REASONS, runMetrics } from '../../lib/metrics.js';
import type { BatchSummary } from '../../lib/score-batch.js';
import type { PopularRunSummary } from '../../lib/popular-job.js';

const batch: BatchSummary = {
  records: 10,
  accepted: 7,
  rejected: 3,
  rejectedByReason: { bad_json: 2, unknown_activity: 1 },
  distinctUsers: 5,
  writes: 5,
  redeliveredUsers: 1,
  alreadyAppliedUsers: 0,
  offsetRestarts: 0,
  copiesSkipped: 4,
  possibleCopies: 2,
  lateEvents: 3,
  futureEvents: 1,
  undatedEvents: 0,
  staleWindowUsers: 2,
  durationMs: 42,
};

const run: PopularRunSummary = {
  runId: '0d7c2a4e-1111-4c1e-9a8f-0b6d2e4f1a3c',
  runKey: 'popular_1764100000',
  startedAt: '2026-11-25T20:00:00.000Z',
  table: 'scores',
  topic: 'popular_users',
  percentile: 95,
  segments: 8,
  usersScanned: 1000,
  estimatedCutoff: 101.5,
  cutoff: 102,
  popularCount: 49,
  published: 49,
  requestLimitBytes: 1_048_588,
  requestsRefused: 0,
  topicMaxMessageBytes: 1_048_588,
  passes: 1,
  candidatesKept: 70,
  scanMs: 100,
  resolveMs: 5,
  publishMs: 20,
  totalMs: 130,
  unscoredItems: 0,
  publishPath: 'memory',
};

describe('batchMetrics', () => {
  it("turns a batch summary into the scorer's metrics, rejections also by reason", () => {
    expect(batchMetrics(batch)).toEqual([
      { name: 'Records', unit: 'Count', value: 10 },
      { name: 'Accepted', unit: 'Count', value: 7 },
      { name: 'Rejected', unit: 'Count', value: 3 },
      { name: 'Writes', unit: 'Count', value: 5 },
      { name: 'RedeliveredUsers', unit: 'Count', value: 1 },
      { name: 'OffsetRestarts', unit: 'Count', value: 0 },
      { name: 'CopiesSkipped', unit: 'Count', value: 4 },
      { name: 'PossibleCopies', unit: 'Count', value: 2 },
      { name: 'LateEvents', unit: 'Count', value: 3 },
      { name: 'FutureEvents', unit: 'Count', value: 1 },
      { name: 'UndatedEvents', unit: 'Count', value: 0 },
      { name: 'StaleWindowUsers', unit: 'Count', value: 2 },
      { name: 'BatchDuration', unit: 'Milliseconds', value: 42 },
      { name: 'RejectedByReason', unit: 'Count', value: 2, dimensions: { reason: 'bad_json' } },
      { name: 'RejectedByReason', unit: 'Count', value: 1, dimensions: { reason: 'unknown_activity' } },
    ]);
  });

  it('keeps the reason dimension to a fixed set: an unknown reason counts as "other"', () => {
    const odd = {
      ...batch,
      rejectedByReason: { bad_json: 1, ['made-up-' + Date.now()]: 2, ['another-' + Math.random()]: 3 },
    } as unknown as BatchSummary;
    const reasons = batchMetrics(odd).filter((p) => p.dimensions !== undefined);
    expect(reasons).toEqual([
      { name: 'RejectedByReason', unit: 'Count', value: 1, dimensions: { reason: 'bad_json' } },
      { name: 'RejectedByReason', unit: 'Count', value: 5, dimensions: { reason: 'other' } },
    ]);
    for (const p of batchMetrics(odd))
      for (const value of Object.values(p.dimensions ?? {})) expect([...REJECTION_REASONS, 'other']).toContain(value);
  });

  it('puts no dimension on a batch without rejections', () => {
    expect(batchMetrics({ ...batch, rejected: 0, rejectedByReason: {} }).every((p) => p.dimensions === undefined)).toBe(
      true,
    );
  });
});

describe('runMetrics', () => {
  it("turns a run summary into the job's metrics, with one RunSucceeded per run", () => {
    expect(runMetrics(run)).toEqual([
      { name: 'UsersScanned', unit: 'Count', value: 1000 },
      { name: 'PopularCount', unit: 'Count', value: 49 },
      { name: 'ScanPasses', unit: 'Count', value: 1 },
      { name: 'RunDuration', unit: 'Milliseconds', value: 130 },
      { name: 'RunSucceeded', unit: 'Count', value: 1 },
      { name: 'Cutoff', unit: 'None', value: 102 },
    ]);
  });

  it('adds the trending set beside the all-time one when the run selected it', () => {
    const trending = {
      runId: 'a1b2c3d4-0000-4000-8000-000000000000',
      runKey: 'trending_1764100000',
      topic: 'trending_users',
      percentile: 90,
      days: 7,
      windowStart: '2026-11-19',
      windowEnd: '2026-11-25',
      usersInWindow: 600,
      estimatedCutoff: 30.2,
      cutoff: 31,
      trendingCount: 58,
      published: 58,
      requestLimitBytes: 1_048_588,
      topicMaxMessageBytes: 1_048_588,
      requestsRefused: 0,
      passes: 1,
      publishPath: 'memory' as const,
      candidatesKept: 90,
      resolveMs: 3,
      publishMs: 40,
    };
    expect(runMetrics({ ...run, trending }).slice(-3)).toEqual([
      { name: 'TrendingUsers', unit: 'Count', value: 600 },
      { name: 'TrendingCount', unit: 'Count', value: 58 },
      { name: 'TrendingCutoff', unit: 'None', value: 31 },
    ]);
    // Nobody in the window: no cutoff either.
    expect(
      runMetrics({ ...run, trending: { ...trending, usersInWindow: 0, cutoff: null, trendingCount: 0 } }).map(
        (p) => p.name,
      ),
    ).not.toContain('TrendingCutoff');
  });

  it('records no cutoff for an empty table rather than a made-up one', () => {
    const empty = runMetrics({
      ...run,
      usersScanned: 0,
      cutoff: null,
      estimatedCutoff: null,
      popularCount: 0,
      published: 0,
    });
    expect(empty.map((p) => p.name)).not.toContain('Cutoff');
    expect(empty.find((p) => p.name === 'RunSucceeded')?.value).toBe(1);
  });
});
