// The exact nearest-rank cutoff in memory bounded by a number of distinct score values, however many
// users there are: each pass counts every score below and above a band and holds only the band's
// distinct values with their counts. A digest chooses the band; the counts alone decide the answer.
import { SegmentDigest } from './digest.js';
import { AppError } from './errors.js';
import type { ScoreSource } from './score-source.js';
import { nearestRank } from './selection.js';

/** The passes ran out before the band held the cutoff; with scores calmer, the next run may find it. */
export class CutoffNotFoundError extends AppError {}

export interface CutoffSearch {
  /** The r-th smallest score of the last pass; null when that pass saw no scores. */
  cutoff: number | null;
  /** Scores strictly above the cutoff in the last pass: what a publish pass should find, if nothing changed. */
  above: number;
  /** Scores counted in the last pass. */
  total: number;
  passes: number;
}

export interface SearchOptions {
  percentile: number;
  /** Distinct values a pass may hold; a band that turns out to hold more is narrowed and read again. */
  maxValues: number;
  /** Where the scores are believed to lie: the score at quantile q (0..1), from an earlier pass. */
  estimate: (q: number) => number | undefined;
  /** The number of scores the estimate describes. */
  count: number;
  /** A search that has not resolved after this many passes fails loudly rather than scan forever. */
  maxPasses?: number;
}

/** Scores s with lo < s <= hi: the band a pass holds. */
interface Band {
  lo: number;
  hi: number;
}

/** What a guide knows: a digest of the scores in (lo, hi], how many there are, and how many lie at or below lo. */
interface Guide {
  within: Band;
  quantile: (q: number) => number | undefined;
  count: number;
  atOrBelow: number;
}

/** The largest double below v, so that a band (below(v), hi] holds v itself. */
function below(v: number): number {
  if (!Number.isFinite(v)) return v;
  return v - Math.max(Math.abs(v) * Number.EPSILON, Number.MIN_VALUE);
}

/** A band around the target fraction f of the guide's scores, expected to hold about maxValues / 2 of them. */
function chooseBand(guide: Guide, f: number, maxValues: number): Band {
  const w = Math.min(0.5, maxValues / (4 * Math.max(1, guide.count)));
  const low = f - w <= 0 ? undefined : guide.quantile(f - w);
  const high = f + w >= 1 ? undefined : guide.quantile(f + w);
  const lo = low === undefined ? guide.within.lo : Math.max(guide.within.lo, below(low));
  const hi = high === undefined ? guide.within.hi : Math.min(guide.within.hi, high);
  return { lo, hi: Math.max(hi, lo) };
}

/**
 * Finds the exact cutoff with passes over `source`. Each pass recounts everything, so the answer
 * rests on one pass's own counts; earlier passes only steer where its band lies.
 */
export async function searchCutoff(source: ScoreSource, options: SearchOptions): Promise<CutoffSearch> {
  const { percentile, maxValues, maxPasses = 40 } = options;
  let guide: Guide = { within: { lo: -Infinity, hi: Infinity }, quantile: options.estimate, count: options.count, atOrBelow: 0 };
  let rank = nearestRank(options.count, percentile);
  for (let passes = 1; passes <= maxPasses; passes++) {
    const band = chooseBand(guide, Math.max(0, (rank - guide.atOrBelow) / Math.max(1, guide.count)), maxValues);
    const { within } = guide;
    let atOrBelowWithin = 0; // s <= within.lo
    let low = 0; // within.lo < s <= band.lo
    let above = 0; // s > band.hi
    let high = 0; // band.hi < s <= within.hi
    let inBand = 0;
    const values = new Map<number, number>();
    const digests = { low: new SegmentDigest(), band: new SegmentDigest(), high: new SegmentDigest() };
    let overflow = false;
    await source.scan((_segment, page) => {
      const parts = { low: [] as number[], band: [] as number[], high: [] as number[] };
      for (const s of page.scores) {
        if (s <= band.lo) {
          if (s <= within.lo) atOrBelowWithin++;
          else parts.low.push(s);
        } else if (s > band.hi) {
          above++;
          if (s <= within.hi) parts.high.push(s);
        } else {
          parts.band.push(s);
          const n = values.get(s);
          if (n !== undefined) values.set(s, n + 1);
          else if (values.size < maxValues) values.set(s, 1);
          else overflow = true;
        }
      }
      low += parts.low.length;
      high += parts.high.length;
      inBand += parts.band.length;
      // Each part's own digest steers the next band, should the rank turn out to lie there.
      for (const part of ['low', 'band', 'high'] as const) if (parts[part].length > 0) digests[part].addPage(parts[part]);
    });
    const belowBand = atOrBelowWithin + low;
    const total = belowBand + inBand + above;
    rank = nearestRank(total, percentile);
    if (rank === 0) return { cutoff: null, above: 0, total, passes };
    const quantileOf = (d: SegmentDigest) => (q: number) => d.quantile(q);

    if (rank > belowBand && rank <= belowBand + inBand && !overflow) {
      const sorted = [...values.keys()].sort((a, b) => a - b);
      let seen = belowBand;
      for (const value of sorted) {
        seen += values.get(value)!;
        if (seen >= rank) {
          let aboveCutoff = above;
          for (const [v, n] of values) if (v > value) aboveCutoff += n;
          return { cutoff: value, above: aboveCutoff, total, passes };
        }
      }
    }
    // Not resolved: steer the next band into the part that holds rank r, guided by that part's own digest.
    if (rank <= belowBand) guide = { within: { lo: within.lo, hi: band.lo }, quantile: quantileOf(digests.low), count: low, atOrBelow: atOrBelowWithin };
    else if (rank > belowBand + inBand)
      guide = { within: { lo: band.hi, hi: within.hi }, quantile: quantileOf(digests.high), count: high, atOrBelow: belowBand + inBand };
    else guide = { within: band, quantile: quantileOf(digests.band), count: inBand, atOrBelow: belowBand };
  }
  throw new CutoffNotFoundError(
    `the exact cutoff was not found in ${maxPasses} passes (the scores changed too much between passes, or too many distinct values); raise MAX_HELD_USERS`,
    { retriable: true },
  );
}
