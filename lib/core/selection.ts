// Exact selection of the users above a percentile, with memory bounded by the candidates kept.
// Definition: N scores ascending, rank r = ceil(p/100 * N) (at least 1), cutoff = the r-th
// smallest score (nearest rank), popular = score strictly greater than the cutoff.
import { SegmentDigest } from './digest.js';
import { ceilDiv, decimalOf } from './decimal.js';

export interface SelectionPolicy {
  /** Scores a segment sees before it trusts its own digest enough to discard any. */
  warmup: number;
  /** How far below the target quantile a segment still keeps candidates (several sampling sigmas). */
  margin: number;
}

export const DEFAULT_SELECTION_POLICY: Readonly<SelectionPolicy> = Object.freeze({ warmup: 2000, margin: 0.02 });

/**
 * The nearest rank r = ceil(p/100 * N), at least 1; 0 for an empty table. Exact: p is taken as the
 * decimal it was written as (99.99 = 9999/10^2), so no binary rounding can move r by one.
 */
export function nearestRank(count: number, percentile: number): number {
  if (count <= 0) return 0;
  const p = decimalOf(percentile);
  const rank = Number(ceilDiv(p.digits * BigInt(count), 100n * 10n ** BigInt(p.scale)));
  return Math.min(count, Math.max(1, rank));
}

/**
 * The threshold a segment moves to after a page: its own estimate at p/100 - margin once warmed
 * up, never lower than before. Everything at or above the threshold stays a candidate.
 */
export function nextThreshold(
  current: number,
  seen: number,
  percentile: number,
  policy: SelectionPolicy,
  estimateAt: (q: number) => number | undefined,
): number {
  const q = percentile / 100 - policy.margin;
  if (seen < policy.warmup || q <= 0) return current;
  const estimate = estimateAt(Math.min(q, 1));
  return estimate !== undefined && estimate > current ? estimate : current;
}

/** One segment's users at or above its threshold, plus an exact count of those it let go. */
export class CandidateSet {
  threshold = -Infinity;
  discarded = 0;
  readonly userIds: string[] = [];
  readonly scores: number[] = [];

  constructor(threshold = -Infinity) {
    this.threshold = threshold;
  }

  get size(): number {
    return this.scores.length;
  }

  add(userId: string, score: number): void {
    if (score >= this.threshold) {
      this.userIds.push(userId);
      this.scores.push(score);
    } else {
      this.discarded++;
    }
  }

  clear(): void {
    this.userIds.length = 0;
    this.scores.length = 0;
  }

  /** Moves the threshold up (never down) and turns candidates below it into the discarded count. */
  raiseThreshold(threshold: number): void {
    if (!(threshold > this.threshold)) return;
    this.threshold = threshold;
    let kept = 0;
    for (let i = 0; i < this.scores.length; i++) {
      const score = this.scores[i]!;
      if (score >= threshold) {
        this.scores[kept] = score;
        this.userIds[kept] = this.userIds[i]!;
        kept++;
      }
    }
    this.discarded += this.scores.length - kept;
    this.scores.length = kept;
    this.userIds.length = kept;
  }
}

/** What one scan segment keeps while it reads: its partial digest and its candidates. */
export class SegmentSelection {
  readonly digest = new SegmentDigest();
  readonly candidates = new CandidateSet();
  private collecting = true;

  constructor(
    private readonly percentile: number,
    private readonly policy: SelectionPolicy,
  ) {}

  /** Takes one page, then raises the threshold; returns the candidate count before pruning (the page's peak). */
  addPage(userIds: readonly string[], scores: readonly number[]): number {
    const { digest, candidates } = this;
    digest.addPage(scores);
    if (!this.collecting) return 0;
    for (let i = 0; i < scores.length; i++) candidates.add(userIds[i]!, scores[i]!);
    const peak = candidates.size;
    candidates.raiseThreshold(
      nextThreshold(candidates.threshold, digest.count, this.percentile, this.policy, (q) => digest.quantile(q)),
    );
    return peak;
  }

  /** Lets every candidate go and keeps only the digest from now on: the candidates outgrew the memory budget. */
  stopCollecting(): void {
    this.collecting = false;
    this.candidates.clear();
  }
}

export type CutoffResolution =
  | { resolved: true; rank: number; total: number; cutoff: number | null }
  | { resolved: false; rank: number; total: number; belowThreshold: number };

/**
 * The exact cutoff from all segments' candidates, when the thresholds allow it. With T the highest
 * threshold, every score >= T is a candidate in every segment and every discarded score is < T, so
 * if fewer than r scores lie below T the r-th smallest is the (r - discarded)-th smallest candidate.
 */
export function resolveCutoff(sets: readonly CandidateSet[], percentile: number): CutoffResolution {
  let discarded = 0;
  let kept = 0;
  let threshold = -Infinity;
  for (const set of sets) {
    discarded += set.discarded;
    kept += set.size;
    if (set.threshold > threshold) threshold = set.threshold;
  }
  const total = discarded + kept;
  const rank = nearestRank(total, percentile);
  if (rank === 0) return { resolved: true, rank, total, cutoff: null };

  const scores = new Float64Array(kept);
  let at = 0;
  for (const set of sets) {
    scores.set(set.scores, at);
    at += set.size;
  }
  scores.sort();
  const belowThreshold = discarded + lowerBound(scores, threshold);
  if (belowThreshold >= rank) return { resolved: false, rank, total, belowThreshold };
  return { resolved: true, rank, total, cutoff: scores[rank - discarded - 1]! };
}

/** Index of the first element >= value in an ascending array. */
function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
