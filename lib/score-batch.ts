import type { MSKEvent } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decodeActivity, type Activity, type Rejection, type RejectionReason } from './core/activity.js';
import { combineByUser } from './core/user-deltas.js';
import { windowPlan, countEventTimes, FUTURE_TOLERANCE_MS, type WindowPlan } from './core/window-sums.js';
import type { OffsetRestart, PossibleCopies } from './core/positions.js';
import { applyScoreDeltas } from './adapters/store.js';
import { DeadLetterPublisher } from './adapters/dead-letter-publisher.js';
import type { LazyProducer } from './adapters/producer.js';
import type { ScorerConfig } from './core/config.js';
import { failureDetails } from './core/errors.js';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { batchMetrics, recordMetrics } from './metrics.js';

export interface ScorerDeps {
  config: ScorerConfig;
  dynamo: DynamoDBClient;
  /**
   * The producer dead letters go through; the handler keeps one publisher on it, and so the topic's size limit, for its
   * life.
   */
  deadLetters: LazyProducer;
  /**
   * The scorer's clock (ms since the epoch), read once per batch to place events in the trending window sums; Date.now when absent.
   */
  now?: () => number;
}

export interface BatchSummary {
  records: number;
  accepted: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectionReason, number>>;
  distinctUsers: number;
  writes: number;
  redeliveredUsers: number;
  alreadyAppliedUsers: number;
  /**
   * Topic-partitions (per user) whose offsets started again below the stored ones; counted, and logged as a warning.
   */
  offsetRestarts: number;
  /**
   * Events left out as copies of counted ones: on a log that started again, stamped at or before the previous log's
   * newest.
   */
  copiesSkipped: number;
  /**
   * Events counted on a log that started again that may be copies: their timestamps (LogAppendTime, or none) cannot
   * tell; logged as a warning.
   */
  possibleCopies: number;
  /** With trending on: events older than any kept window, counted in the all-time score only. */
  lateEvents: number;
  /**
   * With trending on: events stamped more than an hour after the scorer's clock, counted on the scorer's own day;
   * logged as a warning.
   */
  futureEvents: number;
  /** With trending on: events without a timestamp, counted in the all-time score only. */
  undatedEvents: number;
  /** Users whose item held window sums too old for one write to clear (idle over a week): one extra write each. */
  staleWindowUsers: number;
  durationMs: number;
}

/** At most this many restarts (or possible copies) are listed in a warning; the summary has the count. */
const LISTED = 20;

interface Findings {
  restarts: OffsetRestart[];
  possibleCopies: PossibleCopies[];
  /** The first few events stamped ahead of the scorer's clock, for the warning. */
  future: FutureEvent[];
  /** The scorer's clock as the batch read it. */
  now: number;
}

interface FutureEvent {
  userId: string;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

/**
 * Scores one MSK batch: good records add to their users' sums exactly once, bad ones go to the
 * dead-letter topic with their reason. Rejects only when a write or the dead-letter send failed,
 * so the mapping retries the whole batch, which the stored offsets make safe.
 */
async function scoreBatch(
  event: MSKEvent,
  deps: ScorerDeps,
  deadLetters: DeadLetterPublisher,
): Promise<{ summary: BatchSummary; findings: Findings }> {
  const started = performance.now();
  // One reading of the clock per batch: every write and re-cut of it places events alike.
  const now = (deps.now ?? Date.now)();
  const window = windowPlan(deps.config.trendingDays ?? 0, now);
  const accepted: Activity[] = [];
  const rejections: Rejection[] = [];
  let records = 0;
  for (const partitionRecords of Object.values(event.records ?? {})) {
    for (const record of partitionRecords) {
      records++;
      const decoded = decodeActivity(record, deps.config.weights);
      if (decoded.ok) accepted.push(decoded.activity);
      else rejections.push(decoded.rejection);
    }
  }

  const users = combineByUser(accepted);
  // Both settle before the invocation ends either way: no write may still be in flight once it has failed.
  const [applied, published] = await Promise.allSettled([
    applyScoreDeltas(deps.dynamo, deps.config.scoresTable, users.values(), deps.config.writeConcurrency, window),
    deadLetters.publish(rejections),
  ]);
  if (applied.status === 'rejected') throw applied.reason;
  if (published.status === 'rejected') throw published.reason;
  const stats = applied.value;

  const rejectedByReason: Partial<Record<RejectionReason, number>> = {};
  for (const r of rejections) rejectedByReason[r.reason] = (rejectedByReason[r.reason] ?? 0) + 1;
  const times = countEventTimes(
    accepted.map((a) => a.timestamp),
    window,
  );
  const summary: BatchSummary = {
    records,
    accepted: accepted.length,
    rejected: rejections.length,
    rejectedByReason,
    distinctUsers: users.size,
    writes: stats.writes,
    redeliveredUsers: stats.redelivered,
    alreadyAppliedUsers: stats.alreadyApplied,
    offsetRestarts: stats.restarts.length,
    copiesSkipped: stats.copies,
    possibleCopies: stats.possibleCopies.reduce((n, p) => n + p.events, 0),
    lateEvents: times.late,
    futureEvents: times.future,
    undatedEvents: times.undated,
    staleWindowUsers: stats.staleWindows,
    durationMs: Math.round(performance.now() - started),
  };
  return {
    summary,
    findings: {
      restarts: stats.restarts,
      possibleCopies: stats.possibleCopies,
      future: futureEvents(accepted, window),
      now,
    },
  };
}

function futureEvents(accepted: readonly Activity[], window: WindowPlan | undefined): FutureEvent[] {
  if (window === undefined) return [];
  const future: FutureEvent[] = [];
  for (const a of accepted) {
    if (a.timestamp <= window.now + FUTURE_TOLERANCE_MS) continue;
    future.push({ userId: a.userId, topic: a.topic, partition: a.partition, offset: a.offset, timestamp: a.timestamp });
    if (future.length === LISTED) break;
  }
  return future;
}

/**
 * The scorer's Lambda edge, and the one place that decides what it logs and measures: one
 * structured summary and its metrics per batch (metrics only when given), and a failure logged and
 * rethrown so the batch is retried.
 */
export function createScoreHandler(deps: ScorerDeps, logger: Logger, metrics?: Metrics) {
  const deadLetters = new DeadLetterPublisher(deps.deadLetters, deps.config.dlqTopic);
  return async (event: MSKEvent): Promise<BatchSummary> => {
    try {
      const { summary, findings } = await scoreBatch(event, deps, deadLetters);
      const { restarts, possibleCopies, future } = findings;
      if (restarts.length > 0) {
        logger.warn(
          'offsets started again below the stored ones (topic recreated, or another cluster): events newer than the old log were counted, older ones taken as copies',
          {
            eventSourceArn: event.eventSourceArn,
            restarts: restarts.slice(0, LISTED),
            more: Math.max(0, restarts.length - LISTED),
          },
        );
      }
      if (possibleCopies.length > 0) {
        logger.warn(
          'counted events that may be copies of counted ones: on a log that started again their timestamps were set by the broker (LogAppendTime) or are missing, so they cannot tell (docs/operations.md, "Offsets that start again")',
          {
            eventSourceArn: event.eventSourceArn,
            possibleCopies: summary.possibleCopies,
            users: possibleCopies.slice(0, LISTED),
            more: Math.max(0, possibleCopies.length - LISTED),
          },
        );
      }
      if (summary.futureEvents > 0) {
        logger.warn(
          'events stamped more than an hour after the scorer\'s clock (a producer clock ahead?): counted, in the trending window on the scorer\'s own day (docs/operations.md, "Late and future events")',
          {
            eventSourceArn: event.eventSourceArn,
            futureEvents: summary.futureEvents,
            scorerTime: new Date(findings.now).toISOString(),
            events: future,
          },
        );
      }
      logger.info('batch scored', { ...summary });
      if (metrics !== undefined) recordMetrics(metrics, batchMetrics(summary));
      return summary;
    } catch (err) {
      logger.error('batch failed; the event source mapping will retry it', failureDetails(err));
      throw err;
    }
  };
}
