import { TDigest, type Centroid } from 'tdigest';

/** What one segment hands to the merge: its centroids, few and independent of how many users it saw. */
export type PartialDigest = readonly Centroid[];

/** A segment's own digest; scores are pushed one by one while it scans. */
export class SegmentDigest {
  private readonly digest = new TDigest();
  private seen = 0;
  private grouping = true;

  add(score: number): void {
    this.digest.push(score);
    this.seen++;
  }

  /**
   * Adds a page of scores. Integer sums repeat heavily, so each distinct value goes in once with
   * its count (several times faster); a page with too many distinct values turns that off for good.
   */
  addPage(scores: readonly number[]): void {
    let i = 0;
    if (this.grouping) {
      const counts = new Map<number, number>();
      const limit = Math.max(64, scores.length >>> 3);
      for (; i < scores.length && counts.size <= limit; i++) {
        const score = scores[i]!;
        counts.set(score, (counts.get(score) ?? 0) + 1);
      }
      for (const [score, n] of counts) this.digest.push(score, n);
      if (i < scores.length) this.grouping = false;
    }
    for (; i < scores.length; i++) this.digest.push(scores[i]!);
    this.seen += scores.length;
  }

  get count(): number {
    return this.seen;
  }

  /** The score at quantile q (0..1) of what this segment has seen so far; undefined while empty. */
  quantile(q: number): number | undefined {
    return this.seen === 0 ? undefined : this.digest.percentile(clampQuantile(q));
  }

  /** Compresses and exports the centroids for the merge. */
  toPartial(): PartialDigest {
    if (this.seen > 0) this.digest.compress();
    return this.digest.toArray();
  }
}

/** One digest over all segments, built from their centroids alone. */
export function mergePartials(partials: Iterable<PartialDigest>): TDigest {
  const merged = new TDigest();
  for (const partial of partials) {
    if (partial.length > 0) merged.push_centroid(partial);
  }
  if (merged.size() > 0) merged.compress();
  return merged;
}

/** A digest's estimate of the score at quantile q (0..1); undefined for an empty digest. */
export function estimateQuantile(digest: TDigest, q: number): number | undefined {
  return digest.size() === 0 ? undefined : digest.percentile(clampQuantile(q));
}

/** The estimate at a percentile p (0 < p < 100), as configured by PERCENTILE. */
export function estimatePercentile(digest: TDigest, percentile: number): number | undefined {
  return estimateQuantile(digest, percentile / 100);
}

function clampQuantile(q: number): number {
  return Math.min(1, Math.max(0, q));
}
