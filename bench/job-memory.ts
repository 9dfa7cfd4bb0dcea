// Peak memory of the popular-users job across percentiles at one table size: the candidate set
// grows as p falls, and MAX_HELD_USERS must hold the job to a fixed budget whatever p is.
import { ensureTopicsOn } from '../local/services/kafka-topics.js';
import type { LocalStack } from '../local/services/stack.js';
import { localDynamoClient } from '../local/services/clients.js';
import { exactPopular, seedShapedScores } from '../local/fixtures/index.js';
import type { ChildResult } from './job-child.js';
import { loadTable, measureInChild } from './job.js';
import { barChartSvg } from './svg-plot.js';
import { count, mib, ms, type GoalCheck, type Log, type Section } from './report.js';

const MEMORY_GOAL = 256 * 1024 * 1024;
const DEFAULT_MAX_HELD_USERS = 250_000;

export interface JobMemoryOptions {
  users: number;
  percentiles: number[];
  segments: number;
}

interface Row {
  percentile: number;
  job: ChildResult;
  exact: boolean;
}

export async function benchJobMemory(stack: LocalStack, options: JobMemoryOptions, log: Log): Promise<Section> {
  const dynamo = localDynamoClient(stack.dynamoEndpoint);
  const stamp = Date.now().toString(36);
  const rows: Row[] = [];
  try {
    const table = `bench-job-memory-${options.users}-${stamp}`;
    const scores = seedShapedScores(options.users, 2026);
    await loadTable(dynamo, table, scores, log);
    for (const percentile of options.percentiles) {
      const expected = exactPopular(scores, percentile);
      const cutoff = expected.cutoff;
      const above = expected.users.size;
      const topic = `bench-memory-p${String(percentile).replace('.', '_')}-${stamp}`;
      await ensureTopicsOn(stack.kafkaBrokers, [{ topic, partitions: 1 }]);
      const job = await measureInChild({
        mode: 'job',
        dynamoEndpoint: stack.dynamoEndpoint,
        kafkaBrokers: stack.kafkaBrokers,
        table,
        segments: options.segments,
        topic,
        percentile,
      });
      const exact = job.summary?.cutoff === cutoff && job.summary.published === above;
      rows.push({ percentile, job, exact });
      log(
        `job memory: p${percentile}: ${job.summary?.publishPath} path, ${job.summary?.passes} passes, max RSS ${mib(job.maxRss)}, ${ms(job.ms)}, exact ${exact}`,
      );
    }
  } finally {
    dynamo.destroy();
  }
  const peak = rows.reduce((a, b) => (b.job.maxRss > a.job.maxRss ? b : a));
  const goals: GoalCheck[] = [
    {
      claim: `Peak job memory for every percentile (${options.percentiles.map((p) => `p${p}`).join(', ')}), ${count(options.users)} users`,
      goal: '< 256 MiB',
      measured: `${mib(peak.job.maxRss)} at p${peak.percentile}; ${rows.map((r) => `p${r.percentile}: ${mib(r.job.maxRss)}`).join(', ')}`,
      met: peak.job.maxRss < MEMORY_GOAL,
    },
  ];
  return {
    title: 'Popular-users job: memory at every percentile',
    method: [
      `${count(options.users)} seed-shaped users, ${options.segments} segments, the default MAX_HELD_USERS (${count(DEFAULT_MAX_HELD_USERS)}); one run of the job per percentile in a fresh Node process (bench/job-child.ts), ` +
        "timed end to end including publishing every popular user to Kafka, acknowledged. Memory is the process's max RSS, what Lambda reports as Max Memory Used.",
    ],
    header: [
      'percentile',
      'popular users',
      'path',
      'scans',
      'candidates held (peak)',
      'wall time',
      'scan / resolve / publish',
      'exact',
      'max RSS',
      'at rest',
      'peak heap',
    ],
    rows: rows.map((r) => {
      const s = r.job.summary;
      return [
        `p${r.percentile}`,
        s ? count(s.published) : '-',
        s?.publishPath ?? '-',
        s ? String(s.passes) : '-',
        s ? count(s.candidatesKept) : '-',
        ms(r.job.ms),
        s ? `${count(s.scanMs)} / ${count(s.resolveMs)} / ${count(s.publishMs)} ms` : '-',
        r.exact ? 'yes' : '**NO**',
        mib(r.job.maxRss),
        mib(r.job.baseRss),
        mib(r.job.peakHeapUsed),
      ];
    }),
    notes: [
      '"memory" path: the first scan\'s candidates held the popular set, published from memory. "stream" path: the candidates outgrew MAX_HELD_USERS, so the exact cutoff was searched over bands of distinct values and a last scan streamed the users above it to Kafka.',
      'At small percentiles nearly every user is published: the wall time there is mostly producing and acknowledging those messages.',
    ],
    plots: [
      {
        file: 'job-memory-percentiles.svg',
        title: `Peak memory of the job by percentile, ${count(options.users)} users`,
        svg: barChartSvg({
          title: `Job max RSS by percentile, ${count(options.users)} users (MiB)`,
          categories: rows.map((r) => `p${r.percentile}`),
          series: [
            { name: 'job process', values: rows.map((r) => r.job.maxRss / 1024 / 1024) },
            { name: 'job process at rest', values: rows.map((r) => r.job.baseRss / 1024 / 1024) },
          ],
          yLabel: 'MiB',
          references: [{ label: 'goal', value: 256 }],
          labelBars: true,
        }),
      },
    ],
    goals,
  };
}
