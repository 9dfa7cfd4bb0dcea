import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { recordMetrics, runMetrics } from './metrics.js';
import type { PopularConfig } from './core/config.js';
import { failureDetails } from './core/errors.js';
import type { LazyProducer } from './adapters/producer.js';
import { RunPublisher } from './adapters/popular-publish.js';
import { POPULAR_KEY_PREFIX, runKey, type PopularRun } from './core/popular-run.js';
import { processRunClock, type RunClock } from './core/run-clock.js';
import { dynamoScoreSource } from './adapters/scan.js';
import type { ScoreSource } from './core/score-source.js';
import type { SelectionPolicy } from './core/selection.js';
import type { RemainingTime } from './core/cutoff-search.js';
import { trendingWindow } from './core/trending-window.js';
import { publishSet } from './publish-set.js';
import { selectBothSets, type TrendingRunSummary } from './trending-job.js';

export { SCAN_PAGE_ITEMS, scanPageItems } from './adapters/scan.js';

export interface PopularJobDeps {
  config: PopularConfig;
  dynamo: DynamoDBClient;
  producer: LazyProducer;
  /** Where run start times come from; the process's own clock when absent. */
  clock?: RunClock;
  /** Where scores are read from; the config's table, scanned in its segments, when absent. */
  source?: ScoreSource;
  /** Publishes to the popular topic and keeps its size limit; one per container. A run makes its own when absent. */
  publisher?: RunPublisher;
  /** The same for TRENDING_TOPIC, used when trending is on. */
  trendingPublisher?: RunPublisher;
}

export interface PopularRunOptions {
  /** Called after every page with the users scanned so far in the first pass. */
  onProgress?: (usersScanned: number) => void;
  /** Overrides of the candidate policy; tests use a negative margin to force the search passes. */
  selection?: Partial<SelectionPolicy>;
  /**
   * The time this run may still take (on Lambda, the invocation's remaining time): a cutoff search that could not
   * finish in it fails first.
   */
  remainingMs?: RemainingTime;
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
  /** Items skipped for want of a string user_id and a numeric score; the scorer writes none. */
  unscoredItems: number;
  /** The merged digest's estimate at the percentile; null for an empty table. */
  estimatedCutoff: number | null;
  /** The exact nearest-rank cutoff; popular users score strictly above it. Null for an empty table. */
  cutoff: number | null;
  popularCount: number;
  /** Users acknowledged by the broker; the run-end marker follows them and is not counted. */
  published: number;
  /**
   * The bytes a produce request could take (the smaller of KAFKA_MESSAGE_MAX_BYTES and the topic's limit), and the
   * topic's max.message.bytes.
   */
  requestLimitBytes: number;
  topicMaxMessageBytes: number;
  /**
   * Produce requests the broker refused as too large during this run (the topic's limit was lowered), each sent again
   * within the limit read anew.
   */
  requestsRefused: number;
  /** Full scans of the table: 1 when the first scan's candidates proved every cutoff, more when one was searched. */
  passes: number;
  /** 'memory' when the popular set was held, 'stream' when it was published from a last scan. */
  publishPath: 'memory' | 'stream';
  /** Peak number of candidates held across all segments during the first pass. */
  candidatesKept: number;
  /** Scan time of the first pass and any search passes; resolveMs is merge and exact resolution. */
  scanMs: number;
  resolveMs: number;
  /** Publishing the users (with the streaming pass, when there is one) and the marker. */
  publishMs: number;
  totalMs: number;
  /** The trending set, selected from the same scans; absent with TRENDING_DAYS=0. */
  trending?: TrendingRunSummary;
}

/**
 * One run: select the users strictly above the exact cutoff (lib/core/popular-engine.ts), publish them,
 * then publish the run-end marker. A run that fails before its marker never looks complete.
 */
export async function runPopularJob(deps: PopularJobDeps, options: PopularRunOptions = {}): Promise<PopularRunSummary> {
  const { config } = deps;
  const startedAt = await (deps.clock ?? processRunClock).claim();
  const started = performance.now();
  const run: PopularRun = {
    runId: randomUUID(),
    key: runKey(POPULAR_KEY_PREFIX, startedAt),
    startedAt,
    percentile: config.percentile,
    source: config.kafka.clientId,
  };

  const publishers = {
    allTime: deps.publisher ?? popularPublisher(deps),
    trending: deps.trendingPublisher ?? trendingPublisher(deps),
  };
  const window = config.trending === undefined ? undefined : trendingWindow(startedAt, config.trending.days);
  const source = deps.source ?? dynamoScoreSource(deps.dynamo, config.scoresTable, config.scanSegments, window);
  const setOptions = { selection: options.selection, onProgress: options.onProgress, remainingMs: options.remainingMs };
  const both =
    config.trending === undefined || window === undefined || publishers.trending === undefined
      ? undefined
      : await selectBothSets(
          source,
          run,
          { ...config.trending, window },
          config,
          { allTime: publishers.allTime, trending: publishers.trending },
          setOptions,
        );
  const outcome = both?.allTime ?? (await publishSet(source, { run }, config, publishers.allTime, setOptions));

  return {
    runId: run.runId,
    runKey: run.key,
    startedAt: startedAt.toISOString(),
    table: config.scoresTable,
    topic: config.popularTopic,
    percentile: config.percentile,
    segments: source.segments,
    usersScanned: outcome.usersScanned,
    unscoredItems: outcome.unscored,
    estimatedCutoff: outcome.estimatedCutoff,
    cutoff: outcome.cutoff,
    popularCount: outcome.popularCount,
    published: outcome.published,
    requestLimitBytes: outcome.requestLimit.bytes,
    topicMaxMessageBytes: outcome.requestLimit.topicBytes,
    requestsRefused: outcome.requestsRefused,
    passes: both?.passes ?? outcome.passes,
    publishPath: outcome.publishPath,
    candidatesKept: outcome.candidatesKept,
    scanMs: outcome.scanMs,
    resolveMs: outcome.resolveMs,
    publishMs: outcome.publishMs,
    totalMs: Math.round(performance.now() - started),
    ...(both !== undefined && { trending: both.trending }),
  };
}

/** The publisher of the config's popular topic, sized by its PUBLISH_BATCH_SIZE and KAFKA_MESSAGE_MAX_BYTES. */
export function popularPublisher(deps: Pick<PopularJobDeps, 'config' | 'producer'>): RunPublisher {
  const { config } = deps;
  return new RunPublisher(deps.producer, config.popularTopic, {
    batchSize: config.publishBatchSize,
    messageMaxBytes: config.messageMaxBytes,
  });
}

/** The publisher of TRENDING_TOPIC, sized alike; none with trending off. */
export function trendingPublisher(deps: Pick<PopularJobDeps, 'config' | 'producer'>): RunPublisher | undefined {
  const { config } = deps;
  if (config.trending === undefined) return undefined;
  return new RunPublisher(deps.producer, config.trending.topic, {
    batchSize: config.publishBatchSize,
    messageMaxBytes: config.messageMaxBytes,
  });
}

/**
 * The job's Lambda edge, and the one place that decides what it logs and measures: one structured
 * summary and its metrics per scheduled run (metrics only when given), and any failure logged and rethrown.
 */
export function createPopularHandler(deps: PopularJobDeps, logger: Logger, metrics?: Metrics) {
  // One per topic and container: each topic's limit is read once, not once per run.
  const withPublisher: PopularJobDeps = {
    ...deps,
    publisher: deps.publisher ?? popularPublisher(deps),
    trendingPublisher: deps.trendingPublisher ?? trendingPublisher(deps),
  };
  return async (
    event: ScheduledEvent,
    invocation: Pick<PopularRunOptions, 'remainingMs'> = {},
  ): Promise<PopularRunSummary> => {
    try {
      const summary = await runPopularJob(withPublisher, invocation);
      const context = { ...summary, scheduleEventId: event.id, scheduledTime: event.time };
      const limits = [{ role: 'popular', topic: summary.topic, topicMaxMessageBytes: summary.topicMaxMessageBytes }];
      if (summary.trending !== undefined) limits.push({ role: 'trending', ...summary.trending });
      for (const { role, topic, topicMaxMessageBytes } of limits) {
        if (topicMaxMessageBytes >= deps.config.messageMaxBytes) continue;
        logger.warn(
          `KAFKA_MESSAGE_MAX_BYTES is above the ${role} topic's max.message.bytes: requests were kept within the topic's limit`,
          {
            KAFKA_MESSAGE_MAX_BYTES: deps.config.messageMaxBytes,
            topicMaxMessageBytes,
            topic,
            fix: "lower KAFKA_MESSAGE_MAX_BYTES to the topic's limit or unset it, or raise the topic's max.message.bytes",
          },
        );
      }
      if (summary.unscoredItems > 0) {
        logger.warn('popular users: items without a user_id string and a numeric score were left out of the run', {
          unscoredItems: summary.unscoredItems,
          table: summary.table,
          runId: summary.runId,
        });
      }
      logger.info(
        summary.usersScanned === 0
          ? 'popular users: the table is empty, only the run-end marker published'
          : 'popular users published',
        context,
      );
      if (metrics !== undefined) recordMetrics(metrics, runMetrics(summary));
      return summary;
    } catch (err) {
      logger.error(
        'popular users run failed; a set that published no run-end marker is never taken as complete by a consumer',
        {
          ...failureDetails(err),
          scheduleEventId: event.id,
        },
      );
      throw err;
    }
  };
}
