import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { PopularConfig } from './config.js';
import { estimatePercentile, estimateQuantile, mergePartials } from './digest.js';
import { scanScores } from './scan.js';
import {
  CandidateSet,
  DEFAULT_SELECTION_POLICY,
  SegmentSelection,
  bandFloor,
  popularUsers,
  resolveCutoff,
  type CutoffResolution,
  type SelectionPolicy,
} from './selection.js';
import { publishPopularUsers, type LazyProducer } from './publish.js';

/**
 * Items per scan request. A full 1 MB page is ~40,000 users, and a decoded page costs far more
 * heap than its bytes; 5,000 per page halved the job's heap at 1M users with no slower scan.
 */
export const SCAN_PAGE_ITEMS = 5_000;
/** Pages in flight are what the job's memory follows, so many segments read smaller pages. */
const SCAN_ITEMS_IN_FLIGHT = 40_000;

export function scanPageItems(segments: number): number {
  return Math.min(SCAN_PAGE_ITEMS, Math.max(1_000, Math.floor(SCAN_ITEMS_IN_FLIGHT / segments)));
}

export interface PopularJobDeps {
  config: PopularConfig;
  dynamo: DynamoDBClient;
  producer: LazyProducer;
}

export interface PopularRunOptions {
  /** Called after every page with the users scanned so far in the first pass. */
  onProgress?: (usersScanned: number) => void;
  /** Overrides of the candidate policy; tests use a negative margin to force the fallback pass. */
  selection?: Partial<SelectionPolicy>;
}

export interface PopularRunSummary {
  runId: string;
  runKey: string;
  startedAt: string;
  table: string;
  topic: string;
  percentile: number;
  segments: number;
  usersScanned: number;
  /** The merged digest's estimate at the percentile; null for an empty table. */
  estimatedCutoff: number | null;
  /** The exact nearest-rank cutoff; popular users score strictly above it. Null for an empty table. */
  cutoff: number | null;
  popularCount: number;
  published: number;
  /** 1 when the first scan resolved the cutoff exactly, more when fallback band scans ran. */
  passes: number;
  /** Peak number of candidates held across all segments during the first pass. */
  candidatesKept: number;
  /** Scan time of every pass; resolveMs is merge, exact resolution and selection. */
  scanMs: number;
  resolveMs: number;
  publishMs: number;
  totalMs: number;
}

/**
 * One run: scan every segment into a partial digest and a candidate set, merge the digests,
 * resolve the exact cutoff (rescanning a band only if the candidates cannot prove it), publish.
 */
export async function runPopularJob(deps: PopularJobDeps, options: PopularRunOptions = {}): Promise<PopularRunSummary> {
  const { config } = deps;
  const policy: SelectionPolicy = { ...DEFAULT_SELECTION_POLICY, ...options.selection };
  const startedAt = await claimRunSecond();
  const started = performance.now();
  const runId = randomUUID();
  const runKey = `popular_${Math.floor(startedAt.getTime() / 1000)}`;

  // Connect while scanning; an unreachable Kafka still fails the run when awaited below.
  const connecting = deps.producer.get();
  connecting.catch(() => undefined);

  const segments = Array.from({ length: config.scanSegments }, () => new SegmentSelection(config.percentile, policy));
  let scanned = 0;
  let candidatesNow = 0;
  let candidatesKept = 0;
  const firstPass = await scanScores(deps.dynamo, config.scoresTable, config.scanSegments, (index, page) => {
    const segment = segments[index]!;
    const before = segment.candidates.size;
    const peak = segment.addPage(page.userIds, page.scores);
    candidatesKept = Math.max(candidatesKept, candidatesNow - before + peak);
    candidatesNow += segment.candidates.size - before;
    scanned += page.scores.length;
    options.onProgress?.(scanned);
  }, scanPageItems(config.scanSegments));
  let scanMs = performance.now() - started;

  const resolveStarted = performance.now();
  const merged = mergePartials(segments.map((s) => s.digest.toPartial()));
  const estimatedCutoff = estimatePercentile(merged, config.percentile) ?? null;
  let sets: CandidateSet[] = segments.map((s) => s.candidates);
  let resolution: CutoffResolution = resolveCutoff(sets, config.percentile);
  let passes = 1;
  let fallbackScanMs = 0;
  for (let width = policy.bandWidth; !resolution.resolved; width *= 2) {
    // The thresholds rose past the cutoff: rescan keeping everyone from a floor below the estimate.
    const floor = bandFloor(config.percentile, width, (q) => estimateQuantile(merged, q));
    const bandStarted = performance.now();
    sets = await collectFromFloor(deps, floor);
    fallbackScanMs += performance.now() - bandStarted;
    passes++;
    resolution = resolveCutoff(sets, config.percentile);
  }
  const cutoff = resolution.cutoff;
  const popular = popularUsers(sets, cutoff);
  const resolveMs = performance.now() - resolveStarted - fallbackScanMs;
  scanMs += fallbackScanMs;

  const publishStarted = performance.now();
  await connecting;
  const published =
    cutoff === null
      ? 0
      : await publishPopularUsers(
          deps.producer,
          config.popularTopic,
          { runId, key: runKey, startedAt, percentile: config.percentile, cutoff },
          popular,
          config.publishBatchSize,
        );
  const publishMs = performance.now() - publishStarted;

  return {
    runId,
    runKey,
    startedAt: startedAt.toISOString(),
    table: config.scoresTable,
    topic: config.popularTopic,
    percentile: config.percentile,
    segments: config.scanSegments,
    usersScanned: firstPass.users,
    estimatedCutoff,
    cutoff,
    popularCount: popular.length,
    published,
    passes,
    candidatesKept,
    scanMs: Math.round(scanMs),
    resolveMs: Math.round(resolveMs),
    publishMs: Math.round(publishMs),
    totalMs: Math.round(performance.now() - started),
  };
}

let lastRunSecond = 0;

/**
 * The start time of a run, in a second no earlier run of this process used, so two overlapping runs
 * never share a key. Across containers the function's reserved concurrency of 1 does the same.
 */
async function claimRunSecond(): Promise<Date> {
  for (;;) {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second > lastRunSecond) {
      lastRunSecond = second;
      return new Date(now);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000 - (now % 1000) + 1));
  }
}

/** A fallback pass: every segment keeps all users at or above a fixed floor and counts the rest. */
async function collectFromFloor(deps: PopularJobDeps, floor: number): Promise<CandidateSet[]> {
  const { config } = deps;
  const sets = Array.from({ length: config.scanSegments }, () => new CandidateSet(floor));
  await scanScores(deps.dynamo, config.scoresTable, config.scanSegments, (index, page) => {
    const set = sets[index]!;
    for (let i = 0; i < page.scores.length; i++) set.add(page.userIds[i]!, page.scores[i]!);
  }, scanPageItems(config.scanSegments));
  return sets;
}

/** The job's Lambda edge: one structured summary per scheduled run, and any failure logged and rethrown. */
export function createPopularHandler(deps: PopularJobDeps, logger: Logger) {
  return async (event: ScheduledEvent): Promise<PopularRunSummary> => {
    try {
      const summary = await runPopularJob(deps);
      logger.info(summary.usersScanned === 0 ? 'popular users: the table is empty, nothing published' : 'popular users published', {
        ...summary,
        scheduleEventId: event.id,
        scheduledTime: event.time,
      });
      return summary;
    } catch (err) {
      logger.error('popular users run failed; nothing from this run counts as published', { error: err as Error, scheduleEventId: event.id });
      throw err;
    }
  };
}
