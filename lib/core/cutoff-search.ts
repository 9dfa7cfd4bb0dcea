// The exact nearest-rank cutoff in memory bounded by a number of distinct score values, however many
// users there are: each pass counts every score below and above a band and holds only the band's
// distinct values with their counts. The last pass's digests choose the next band; the counts of
// one pass alone decide the answer. The table may change between passes (the scorer adds users and
// raises scores): the band is placed where the rank is expected next, widened after every miss.
import { SegmentDigest } from './digest.js';
import { AppError } from './errors.js';
import type { ScoreSource } from './score-source.js';
import { nearestRank } from './selection.js';

/**
 * The search gave up: passes or time ran out before a band held the cutoff; a calmer table may let the next run find
 * it.
 */
export class CutoffNotFoundError extends AppError {}

/**
 * Milliseconds the caller may still run (on Lambda, the invocation's remaining time); the core never asks the platform.
 */
export type RemainingTime = () => number;

/**
 * Search passes at most: with the band widened after each miss, more would only mean the table moves faster than memory
 * allows.
 */
export const MAX_SEARCH_PASSES = 10;
/**
 * A search pass starts only if the time left covers it and the publishing scan after it, at the slowest pace seen, with
 * half again to spare.
 */
const SCANS_STILL_NEEDED = 2;
const TIME_MARGIN = 1.5;
/** Of maxValues, the share a band is planned to fill: the density near the rank is only estimated. */
const PLANNED_FILL = 0.8;

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
  /** A search that has not resolved after this many passes fails loudly rather than scan on. */
  maxPasses?: number;
  /**
   * With it, a pass that could not finish, with the publishing scan after it, is not started: the search fails first.
   */
  remainingMs?: RemainingTime;
  /** How long the scan before the search took: the pace the first search pass is judged by. */
  firstScanMs?: number;
  /** The clock passes are timed with. */
  now?: () => number;
}

/** Scores s with lo < s <= hi: the band a pass holds. */
interface Band {
  lo: number;
  hi: number;
}

/**
 * What a pass (or the estimate before any) says about the scores: their number, the rank, and the score at a count
 * position.
 */
interface Guide {
  total: number;
  rank: number;
  /** The c-th smallest score (1-based), estimated; undefined when nothing is known there. */
  valueAt: (c: number) => number | undefined;
}

interface Pass extends Guide {
  band: Band;
  below: number;
  inBand: number;
  above: number;
  /** The band's distinct values ascending, with their counts; undefined when they were more than maxValues. */
  values: Array<[number, number]> | undefined;
  /** Scores at or below the reference value given to the pass (the previous band's edge). */
  atOrBelowReference: number;
}

/** The largest double below v, so that a band (below(v), hi] holds v itself. */
function below(v: number): number {
  if (!Number.isFinite(v)) return v;
  return v - Math.max(Math.abs(v) * Number.EPSILON, Number.MIN_VALUE);
}

/** A band from count position center - lowSide to center + highSide of the guide, its edge values included. */
function planBand(guide: Guide, center: number, lowSide: number, highSide: number): Band {
  const c = Math.min(guide.total, Math.max(1, Math.round(center)));
  const cLo = c - Math.floor(lowSide);
  const cHi = c + Math.floor(highSide);
  const low = cLo < 1 ? undefined : guide.valueAt(cLo);
  const high = cHi > guide.total ? undefined : guide.valueAt(cHi);
  const lo = low === undefined ? -Infinity : below(low);
  const hi = high === undefined ? Infinity : high;
  return { lo, hi: Math.max(lo, hi) };
}

/**
 * One full read: counts below, in and above the band, the band's distinct values (up to maxValues), a digest of each
 * part.
 */
async function countPass(
  source: ScoreSource,
  band: Band,
  maxValues: number,
  reference: number,
  percentile: number,
): Promise<Pass> {
  let belowBand = 0;
  let inBand = 0;
  let above = 0;
  let atOrBelowReference = 0;
  const values = new Map<number, number>();
  let overflow = false;
  const digests = { below: new SegmentDigest(), band: new SegmentDigest(), above: new SegmentDigest() };
  await source.scan((_segment, page) => {
    const parts = { below: [] as number[], band: [] as number[], above: [] as number[] };
    for (const s of page.scores) {
      if (s <= reference) atOrBelowReference++;
      if (s <= band.lo) parts.below.push(s);
      else if (s > band.hi) parts.above.push(s);
      else {
        parts.band.push(s);
        const n = values.get(s);
        if (n !== undefined) values.set(s, n + 1);
        else if (values.size < maxValues) values.set(s, 1);
        else overflow = true;
      }
    }
    belowBand += parts.below.length;
    inBand += parts.band.length;
    above += parts.above.length;
    for (const part of ['below', 'band', 'above'] as const)
      if (parts[part].length > 0) digests[part].addPage(parts[part]);
  });
  const total = belowBand + inBand + above;
  const sorted = overflow ? undefined : [...values].sort((a, b) => a[0] - b[0]);
  const within = (d: SegmentDigest, n: number, c: number) => d.quantile((c - 0.5) / n);
  return {
    band,
    total,
    rank: nearestRank(total, percentile),
    below: belowBand,
    inBand,
    above,
    values: sorted,
    atOrBelowReference,
    valueAt: (c) => {
      if (c <= belowBand) return within(digests.below, belowBand, c);
      if (c > belowBand + inBand) return within(digests.above, above, c - belowBand - inBand);
      if (sorted === undefined) return within(digests.band, inBand, c - belowBand);
      let seen = belowBand;
      for (const [value, n] of sorted) if ((seen += n) >= c) return value;
      return undefined;
    },
  };
}

/**
 * Finds the exact cutoff with passes over `source`. Each pass recounts everything, so the answer
 * rests on one pass's own counts; earlier passes only steer where its band lies.
 */
export async function searchCutoff(source: ScoreSource, options: SearchOptions): Promise<CutoffSearch> {
  const { percentile, maxValues, maxPasses = MAX_SEARCH_PASSES, remainingMs, now = () => performance.now() } = options;
  const share = percentile / 100;
  let guide: Guide = {
    total: options.count,
    rank: nearestRank(options.count, percentile),
    valueAt: (c) => options.estimate((c - 0.5) / Math.max(1, options.count)),
  };
  let last: Pass | undefined;
  // Users either side of the expected rank the band must reach: the estimate's error, then every miss seen.
  let slack = maxValues / 4;
  // Distinct values per user near the rank, from the last band: how many users a band of maxValues values spans.
  let density = 1;
  // How far the rank moves per pass against the scores already there, from the last two passes.
  let drift = 0;
  let slowestScanMs = options.firstScanMs ?? 0;
  for (let passes = 1; passes <= maxPasses; passes++) {
    if (remainingMs !== undefined) {
      const left = remainingMs();
      if (left < slowestScanMs * SCANS_STILL_NEEDED * TIME_MARGIN) {
        throw new CutoffNotFoundError(
          `stopped before search pass ${passes}: a scan takes up to ${seconds(slowestScanMs)} s and ${seconds(left)} s remain before the function's ` +
            `time-out, too little for another search pass and the publishing scan; raise the function's timeout, MAX_HELD_USERS (fewer passes) or SCAN_SEGMENTS (faster scans)`,
          { retriable: true },
        );
      }
    }
    let lowSide = slack + Math.abs(drift) / 2;
    let highSide = lowSide;
    const room = (PLANNED_FILL * maxValues) / density;
    if (lowSide + highSide > room) lowSide = highSide = room / 2;
    const band = planBand(guide, guide.rank + drift, lowSide, highSide);
    const reference = last === undefined ? band.lo : Number.isFinite(last.band.lo) ? last.band.lo : last.band.hi;

    const started = now();
    const pass = await countPass(source, band, maxValues, reference, percentile);
    slowestScanMs = Math.max(slowestScanMs, now() - started);
    const { rank } = pass;
    if (rank === 0) return { cutoff: null, above: 0, total: pass.total, passes };
    if (rank > pass.below && rank <= pass.below + pass.inBand && pass.values !== undefined) {
      let seen = pass.below;
      for (const [value, n] of pass.values) {
        if ((seen += n) < rank) continue;
        let aboveCutoff = pass.above;
        for (const [v, k] of pass.values) if (v > value) aboveCutoff += k;
        return { cutoff: value, above: aboveCutoff, total: pass.total, passes };
      }
    }

    // Not resolved: learn how far off the band was, how dense the values are, and how the rank moves.
    const miss = rank <= pass.below ? pass.below - rank + 1 : Math.max(0, rank - pass.below - pass.inBand);
    if (miss > 0) slack = Math.max(2 * slack, 2 * miss);
    if (pass.inBand > 0)
      density =
        pass.values === undefined ? Math.max(density, maxValues / pass.inBand) : pass.values.length / pass.inBand;
    if (last !== undefined) {
      // Users that came in at or below the reference value, against how much the rank itself rose.
      const wasAtOrBelow = Number.isFinite(last.band.lo) ? last.below : last.below + last.inBand;
      drift = share * (pass.total - last.total) - (pass.atOrBelowReference - wasAtOrBelow);
    }
    last = pass;
    guide = pass;
  }
  throw new CutoffNotFoundError(
    `the exact cutoff was not found in ${maxPasses} passes: the rank moved by about ${Math.round(Math.abs(drift))} users between passes ` +
      `(${last === undefined ? 0 : last.total} users in the last), more than a band of MAX_HELD_USERS=${maxValues} distinct values could follow; ` +
      'raise MAX_HELD_USERS, or let the next run try when the table changes more slowly',
    { retriable: true },
  );
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
