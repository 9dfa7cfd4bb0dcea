// What `npm start` shows after a run: the run read back as a consumer sees it (the latest complete
// run on each topic, which must be this one), and the HTML report plotting both sets' scores with
// their cutoffs, read from the table the run scanned.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KafkaClients } from '../../lib/adapters/kafka-client.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import { scanScores } from '../../lib/adapters/scan.js';
import type { PopularConfig } from '../../lib/core/config.js';
import type { PopularUser } from '../../lib/core/popular-user.js';
import { trendingWindow } from '../../lib/core/trending-window.js';
import type { PopularRunSummary } from '../../lib/popular-job.js';
import { renderReport, type StageTiming } from './report.js';

export interface DemoReportDeps {
  dynamo: DynamoDBClient;
  kafka: KafkaClients;
  jobConfig: PopularConfig;
  names: { popularTopic: string; trendingTopic: string; scoresTable: string };
  /** Where the HTML report goes (the --report flag). */
  reportPath: string;
}

/** The all-time run as a consumer sees it: the latest complete run on its topic, which must be this one. */
export async function readRunBack(deps: DemoReportDeps, summary: PopularRunSummary): Promise<PopularUser[]> {
  // The run_source a consumer trusts: the job's Kafka client id.
  return readRun(deps, deps.names.popularTopic, summary.runId);
}

/** The trending run beside it, when the job selected one; it must be this run's too. */
export async function readTrendingBack(
  deps: DemoReportDeps,
  summary: PopularRunSummary,
): Promise<PopularUser[] | undefined> {
  // Published by the same job, so under the same run_source.
  return summary.trending === undefined ? undefined : readRun(deps, deps.names.trendingTopic, summary.trending.runId);
}

async function readRun(deps: DemoReportDeps, topic: string, runId: string): Promise<PopularUser[]> {
  const latest = await readLatestCompleteRun(deps.kafka, topic, { source: deps.jobConfig.kafka.clientId });
  if (latest?.runId !== runId)
    throw new Error(`${topic}: the latest complete run is ${latest?.runId ?? 'none'}, not ${runId}`);
  return latest.users;
}

/** Writes the report of a run; the sets are read back from Kafka when not given. */
export async function writeDemoReport(
  deps: DemoReportDeps,
  summary: PopularRunSummary,
  stages: StageTiming[],
  popular?: PopularUser[],
  trendingUsers?: PopularUser[],
): Promise<void> {
  const scores: number[] = [];
  const windowScores: number[] = [];
  const { trending } = summary;
  const window = trending === undefined ? undefined : trendingWindow(new Date(summary.startedAt), trending.days);
  await scanScores(
    deps.dynamo,
    deps.names.scoresTable,
    deps.jobConfig.scanSegments,
    (_segment, page) => {
      for (const s of page.scores) scores.push(s);
      for (const w of page.windowScores ?? []) if (w > 0) windowScores.push(w);
    },
    undefined,
    window,
  );
  const listed = popular ?? (await readRunBack(deps, summary));
  const trendingListed =
    trending === undefined ? undefined : (trendingUsers ?? (await readTrendingBack(deps, summary)) ?? []);
  const path = resolve(deps.reportPath);
  mkdirSync(dirname(path), { recursive: true });
  const html = renderReport({
    title: 'Popular users',
    scores,
    cutoff: summary.cutoff ?? 0,
    percentile: summary.percentile,
    popular: listed,
    ...(trending !== undefined &&
      trendingListed !== undefined && {
        trending: {
          scores: windowScores,
          cutoff: trending.cutoff,
          percentile: trending.percentile,
          users: trendingListed,
          windowStart: trending.windowStart,
          windowEnd: trending.windowEnd,
        },
      }),
    stages,
    generatedAt: new Date(),
  });
  writeFileSync(path, html);
  console.log(`\nReport: ${path}`);
}
