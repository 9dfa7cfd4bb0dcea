// The popular-users job section of results.md: rows, goals and the figures the cost model reads.
import { SCAN_PAGE_ITEMS } from '../lib/popular-job.js';
import { atMost, below, measured, pairedRatios, type GoalCheck } from './measured.js';
import { barChartSvg } from './svg-plot.js';
import { count, median, mib, ms, ratio, type BenchFigure, type Plot, type Section } from './report.js';
import type { ChildResult } from './job-child.js';
import type { JobBenchOptions, JobRow } from './job.js';

const DEPLOYED_SEGMENTS = 8;
/** Issue 19's goals for the job's wall time against a bare scan of the same table, by table size. */
const JOB_VS_SCAN_GOALS = new Map([
  [1_000_000, 1.2],
  [100_000, 1.3],
]);
const MEMORY_GOAL = 256 * 1024 * 1024;
const SECTION = 'Popular-users job';

/** The run whose time is the median of its rounds (the lower middle one for an even count). */
export function medianRun(runs: readonly ChildResult[]): ChildResult {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return sorted[(sorted.length - 1) >>> 1]!;
}

const spreadMs = (values: number[]) =>
  `${ms(median(values))} (${count(Math.min(...values))}-${count(Math.max(...values))})`;
const segmentsText = (n: number) => `${n} segment${n === 1 ? '' : 's'}`;
export const jobRowName = (r: Pick<JobRow, 'users' | 'segments'>) =>
  `${count(r.users)} users, ${segmentsText(r.segments)}`;

export function jobSection(rows: JobRow[], options: JobBenchOptions, loadRates: number[]): Section {
  const largest = Math.max(...options.users);
  const atLargest = rows.filter((r) => r.users === largest);
  const vsScan = (r: JobRow) =>
    measured(
      pairedRatios(
        r.jobs.map((j) => j.ms),
        r.scans.map((s) => s.ms),
      ),
    );
  const goals: GoalCheck[] = [];
  for (const [users, target] of JOB_VS_SCAN_GOALS) {
    const row = rows.find((r) => r.users === users && r.segments === DEPLOYED_SEGMENTS);
    if (row === undefined) continue;
    const others = rows.filter((r) => r.users === users);
    // Publishing waits for the cutoff, which waits for the whole scan: a bare scan, then this run's own publish.
    const floor = median(row.scans.map((s, i) => (s.ms + (row.jobs[i]?.summary?.publishMs ?? NaN)) / s.ms));
    goals.push({
      claim: `Job wall time vs bare parallel scan, ${jobRowName(row)} (deployed default)`,
      goal: atMost(target, ratio),
      measured: vsScan(row),
      note: `job ${ms(median(row.jobs.map((j) => j.ms)))} vs scan ${ms(median(row.scans.map((s) => s.ms)))}; floor ${ratio(floor)} (the bare scan, then the job's own publish, which needs the cutoff the whole scan gives); all segments: ${others.map((r) => `${r.segments}: ${ratio(vsScan(r).median)}`).join(', ')}`,
    });
  }
  const peakRuns = atLargest.flatMap((r) => r.jobs.map((job) => ({ row: r, job })));
  const peak = peakRuns.reduce((a, b) => (b.job.maxRss > a.job.maxRss ? b : a));
  goals.push({
    claim: `Peak job memory (process max RSS), ${count(largest)} users, every segment count and round`,
    goal: below(MEMORY_GOAL, mib),
    measured: measured(
      peakRuns.map((p) => p.job.maxRss),
      { spread: 'min-max' },
    ),
    note: `highest at ${segmentsText(peak.row.segments)} (${mib(peak.job.maxRss - peak.job.baseRss)} above the process at rest)`,
  });

  const figures: BenchFigure[] = [];
  const oneSegment = atLargest.find((r) => r.segments === 1);
  if (oneSegment) {
    figures.push({
      id: 'job.scan-items-per-second-per-segment',
      value: median(oneSegment.scans.map((s) => s.users / (s.ms / 1000))),
      unit: 'items/s',
      row: `${SECTION} › ${jobRowName(oneSegment)}, bare scan`,
    });
  }
  const deployed = atLargest.find((r) => r.segments === DEPLOYED_SEGMENTS);
  if (deployed) {
    const name = `${SECTION} › ${jobRowName(deployed)}, job`;
    figures.push(
      { id: 'job.users', value: deployed.users, unit: 'users', row: name },
      {
        id: 'job.cpu-ms-per-1000-users',
        value: median(deployed.jobs.map((j) => (j.cpuMs / j.users) * 1000)),
        unit: 'ms of CPU per 1,000 users scanned',
        row: name,
      },
      {
        id: 'job.publish-ms-per-1000-published',
        value: median(deployed.jobs.map((j) => ((j.summary?.publishMs ?? NaN) / (j.summary?.published ?? NaN)) * 1000)),
        unit: 'ms per 1,000 users published',
        row: name,
      },
      {
        id: 'job.max-rss-mib',
        value: Math.max(...deployed.jobs.map((j) => j.maxRss)) / 1024 / 1024,
        unit: 'MiB',
        row: name,
      },
    );
  }

  const plots: Plot[] = options.users.map((users) => {
    const these = rows.filter((r) => r.users === users);
    return {
      file: `job-vs-scan-${users}.svg`,
      title: `Popular-users job vs bare parallel scan, ${count(users)} users (medians)`,
      svg: barChartSvg({
        title: `Job wall time vs bare parallel scan, ${count(users)} users (median ms)`,
        categories: these.map((r) => segmentsText(r.segments)),
        series: [
          { name: 'bare parallel scan (raw)', values: these.map((r) => median(r.scans.map((s) => s.ms))) },
          { name: 'popular-users job', values: these.map((r) => median(r.jobs.map((j) => j.ms))) },
        ],
        yLabel: 'ms',
        labelBars: true,
      }),
    };
  });
  const highest = (runs: { maxRss: number }[]) => Math.max(...runs.map((r) => r.maxRss)) / 1024 / 1024;
  plots.push({
    file: 'job-memory.svg',
    title: `Peak memory of the job process, ${count(largest)} users`,
    svg: barChartSvg({
      title: `Peak memory (highest max RSS of the rounds), ${count(largest)} users (MiB)`,
      categories: atLargest.map((r) => segmentsText(r.segments)),
      series: [
        { name: 'bare scan process', values: atLargest.map((r) => highest(r.scans)) },
        { name: 'job process', values: atLargest.map((r) => highest(r.jobs)) },
        { name: 'job process at rest', values: atLargest.map((r) => medianRun(r.jobs).baseRss / 1024 / 1024) },
      ],
      yLabel: 'MiB',
      references: [{ label: 'goal', value: MEMORY_GOAL / 1024 / 1024 }],
    }),
  });

  return {
    title: SECTION,
    method: [
      `Seed-shaped integer scores (uniform users, ~100 events of weight 1-3 each) loaded once per size with BatchWriteItem (${loadRates.map((r) => `${count(r)} items/s`).join(', ')}), ` +
        `then, for each segment count, ${options.rounds} rounds of a bare parallel scan and the job, each in a fresh Node process started with tsx, against the same table with the same client settings, ` +
        'alternating which runs first. Times are the median of the rounds with min-max in brackets; *job vs scan* is the median of the per-round ratios with their min-max, ' +
        `which with ${options.rounds} rounds covers the true median with ${Math.round((1 - 2 * 0.5 ** options.rounds) * 100)}% confidence; memory is the highest of any round. ` +
        `*Bare scan*: \`scanScores\` with the job's page size (${count(SCAN_PAGE_ITEMS)} items, fewer above 8 segments) and nothing done per page, the raw limit. ` +
        '*Job*: `runPopularJob` at p95, timed end to end: scan with per-segment digests and candidates, exact cutoff, publish to Kafka, acknowledged; its breakdown is that of the median round.',
      "Memory: the child process's own high-water resident set (`VmHWM`, bench/peak-rss.ts: getrusage's maxRSS would report the bench process's own size at fork), what Lambda reports as Max Memory Used; " +
        '"at rest" is its RSS just before the run (Node, tsx, the SDK and its clients loaded, and in the job the Kafka client, which its init loads as `functions/popular.ts` does). Peak heapUsed sampled every 5 ms. ' +
        '*Job CPU*: user + system CPU time of the job process during the run (median round), what a Lambda vCPU share must cover.',
    ],
    header: [
      'users',
      'segments',
      'bare scan',
      'scan items/s',
      'job',
      'job vs scan: median (spread)',
      'job scan / resolve / publish',
      'passes',
      'published',
      'exact',
      'job max RSS',
      'at rest',
      'job peak heap',
      'job CPU',
      'scan max RSS',
    ],
    rows: rows.map((r) => {
      const job = medianRun(r.jobs);
      const s = job.summary;
      const ratios = vsScan(r);
      return [
        count(r.users),
        String(r.segments),
        spreadMs(r.scans.map((x) => x.ms)),
        count(median(r.scans.map((x) => x.users / (x.ms / 1000)))),
        spreadMs(r.jobs.map((x) => x.ms)),
        `${ratio(ratios.median)} (${ratio(ratios.low)}-${ratio(ratios.high)})`,
        s ? `${count(s.scanMs)} / ${count(s.resolveMs)} / ${count(s.publishMs)} ms` : '-',
        s ? String(s.passes) : '-',
        s ? count(s.published) : '-',
        r.exact ? 'yes' : '**NO**',
        mib(Math.max(...r.jobs.map((j) => j.maxRss))),
        mib(job.baseRss),
        mib(Math.max(...r.jobs.map((j) => j.peakHeapUsed))),
        ms(median(r.jobs.map((j) => j.cpuMs))),
        mib(Math.max(...r.scans.map((x) => x.maxRss))),
      ];
    }),
    notes: [
      '"exact": in every round the job\'s cutoff and published count equal those computed by sorting every loaded score, and the bare scan saw every user.',
      'DynamoDB Local is one JVM on the same 2 cores as the job: scan throughput stops growing once segments outnumber cores, unlike DynamoDB, where each segment is served by its own partitions.',
    ],
    plots,
    goals,
    figures,
  };
}
