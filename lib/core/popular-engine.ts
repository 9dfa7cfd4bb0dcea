// The popular-users engine: the exact set of users strictly above the nearest-rank cutoff, read from
// any score source, in memory bounded by maxHeldUsers whatever the percentile and the table size.
//
// One pass when the candidates fit (the common case at high percentiles): per-segment digests and
// candidates, the exact cutoff from them, the users handed over from memory. When the candidates
// outgrow the budget (small percentiles) or cannot prove the cutoff, the cutoff is searched with
// passes that hold only a band of distinct values, and a last pass streams the users above it.
import { estimatePercentile, estimateQuantile, mergePartials } from './digest.js';
import { searchCutoff, type RemainingTime } from './cutoff-search.js';
import type { ScoreSource } from './score-source.js';
import { HeldBudget } from './held-budget.js';
import type { PopularUser } from './popular-user.js';
import { DEFAULT_SELECTION_POLICY, SegmentSelection, resolveCutoff, type SelectionPolicy } from './selection.js';

/** Takes the popular users one by one; a returned promise holds the scan back until it settles. */
export interface PopularSink {
  add(user: PopularUser): void | Promise<void>;
}

export interface EngineOptions {
  percentile: number;
  /** Users (id and score) held in memory at once, across all segments. */
  maxHeldUsers: number;
  /**
   * Shared with the other sets selected from the same scans; a budget of maxHeldUsers for this set alone when absent.
   */
  budget?: HeldBudget;
  policy?: Partial<SelectionPolicy>;
  /** Called after every page of the first pass with the users read so far. */
  onProgress?: (usersScanned: number) => void;
  /**
   * The time the caller may still run: a cutoff search that could not finish in it fails before starting another scan.
   */
  remainingMs?: RemainingTime;
}

export interface EngineOutcome {
  /** Users read by the first pass. */
  usersScanned: number;
  /** Items without a readable user id and numeric score, counted by the first pass. */
  unscored: number;
  estimatedCutoff: number | null;
  /** Null for an empty table. */
  cutoff: number | null;
  /** Users handed to the sink. */
  popularCount: number;
  /** Full reads of the source: 1 in the common case. */
  passes: number;
  /** 'memory' when the first pass's candidates held the popular set, 'stream' when a last pass streamed it. */
  publishPath: 'memory' | 'stream';
  /** Peak users this set held across all segments in the first pass. */
  candidatesKept: number;
  /** The first pass and any search passes. */
  scanMs: number;
  /** Merging the digests and resolving the cutoff from the candidates. */
  resolveMs: number;
  /** Handing the users to the sink: from memory, or the whole streaming pass. */
  handOverMs: number;
}

/**
 * Selects the popular users of `source` and hands each to the sink that `open` returns once the
 * cutoff is known (never called for an empty table).
 */
export async function selectPopularUsers(
  source: ScoreSource,
  options: EngineOptions,
  open: (cutoff: number) => PopularSink | Promise<PopularSink>,
): Promise<EngineOutcome> {
  const { percentile, maxHeldUsers } = options;
  const policy: SelectionPolicy = { ...DEFAULT_SELECTION_POLICY, ...options.policy };
  const started = performance.now();
  const segments = Array.from({ length: source.segments }, () => new SegmentSelection(percentile, policy));
  const budget = options.budget ?? new HeldBudget(maxHeldUsers);
  let scanned = 0;
  let held = 0;
  let candidatesKept = 0;
  let overflow = false;
  const letGo = () => {
    budget.held -= held;
    held = 0;
  };
  const first = await source.scan((index, page) => {
    const segment = segments[index]!;
    const before = segment.candidates.size;
    // Held at this page's peak, before its segment pruned: by this set, and by every set sharing the budget.
    const peak = segment.addPage(page.userIds, page.scores) - before;
    candidatesKept = Math.max(candidatesKept, held + peak);
    const atPeak = budget.held + peak;
    budget.peak = Math.max(budget.peak, atPeak);
    held += segment.candidates.size - before;
    budget.held += segment.candidates.size - before;
    if (!overflow && atPeak > budget.limit) {
      // Holding more would break the budget: keep only the digests; the cutoff is searched instead.
      overflow = true;
      for (const s of segments) s.stopCollecting();
      letGo();
    }
    scanned += page.scores.length;
    options.onProgress?.(scanned);
  });
  let scanMs = performance.now() - started;

  const resolveStarted = performance.now();
  const merged = mergePartials(segments.map((s) => s.digest.toPartial()));
  const estimatedCutoff = estimatePercentile(merged, percentile) ?? null;
  const outcome = { usersScanned: first.users, unscored: first.unscored, estimatedCutoff, candidatesKept };

  if (!overflow) {
    const sets = segments.map((s) => s.candidates);
    const resolution = resolveCutoff(sets, percentile);
    if (resolution.resolved) {
      const { cutoff } = resolution;
      const resolveMs = performance.now() - resolveStarted;
      const handOverStarted = performance.now();
      let popularCount = 0;
      if (cutoff !== null) {
        const sink = await open(cutoff);
        for (const set of sets) {
          for (let i = 0; i < set.size; i++) {
            const score = set.scores[i]!;
            if (score <= cutoff) continue;
            popularCount++;
            const pending = sink.add({ userId: set.userIds[i]!, score });
            if (pending !== undefined) await pending;
          }
        }
      }
      letGo();
      const handOverMs = performance.now() - handOverStarted;
      return {
        ...outcome,
        cutoff,
        popularCount,
        passes: 1,
        publishPath: 'memory',
        scanMs: Math.round(scanMs),
        resolveMs: Math.round(resolveMs),
        handOverMs: Math.round(handOverMs),
      };
    }
    for (const s of segments) s.stopCollecting(); // a threshold rose past the cutoff: these candidates cannot prove it
    letGo();
  }

  const resolveMs = performance.now() - resolveStarted;
  const searchStarted = performance.now();
  const search = await searchCutoff(source, {
    percentile,
    maxValues: budget.searchValues,
    estimate: (q) => estimateQuantile(merged, q),
    count: first.users,
    remainingMs: options.remainingMs,
    firstScanMs: scanMs,
  });
  scanMs += performance.now() - searchStarted;
  let passes = 1 + search.passes;
  let popularCount = 0;
  const streamStarted = performance.now();
  if (search.cutoff !== null) {
    const cutoff = search.cutoff;
    const sink = await open(cutoff);
    await source.scan(async (_segment, page) => {
      for (let i = 0; i < page.scores.length; i++) {
        const score = page.scores[i]!;
        if (score <= cutoff) continue;
        popularCount++;
        const pending = sink.add({ userId: page.userIds[i]!, score });
        if (pending !== undefined) await pending;
      }
    });
    passes++;
  }
  return {
    ...outcome,
    cutoff: search.cutoff,
    popularCount,
    passes,
    publishPath: 'stream',
    scanMs: Math.round(scanMs),
    resolveMs: Math.round(resolveMs),
    handOverMs: Math.round(performance.now() - streamStarted),
  };
}
