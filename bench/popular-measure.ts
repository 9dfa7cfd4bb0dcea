// The popular-users job next to a bare parallel scan of the same table, on a local stack started
// here: wall time at each size, and the job's memory at the largest. Prints a table; not a test.
// Run: npm run bench:popular [-- 100000 1000000]   (node --expose-gc lets it settle the heap first)
// The job's own peak RSS is measured in a child process that only runs the job, as a Lambda would.
import { execFile } from 'node:child_process';
import { startLocalStack } from '../local/stack.js';
import { localDynamoClient } from '../local/clients.js';
import { ensureScoresTable } from '../local/tables.js';
import { seedShapedScores, writeUserScores } from '../local/seed-scores.js';
import { createKafka } from '../lib/kafka.js';
import { LazyProducer } from '../lib/publish.js';
import { scanScores } from '../lib/scan.js';
import { SCAN_PAGE_ITEMS, runPopularJob, type PopularRunSummary } from '../lib/popular-job.js';
import type { PopularConfig } from '../lib/config.js';

const SEGMENTS = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(100_000, 1_000_000);

const MiB = 1024 * 1024;
const mib = (bytes: number) => (bytes / MiB).toFixed(1);

function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Samples rss and heapUsed while `work` runs; the peaks are reported above a baseline taken just before. */
async function withMemoryPeaks<T>(work: () => Promise<T>) {
  settle();
  const base = process.memoryUsage();
  const peak = { rss: base.rss, heapUsed: base.heapUsed };
  const sample = () => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
  };
  const timer = setInterval(sample, 10);
  try {
    const result = await work();
    sample();
    return { result, base, peak };
  } finally {
    clearInterval(timer);
  }
}

interface JobOnly {
  dynamoEndpoint: string;
  brokers: string[];
  table: string;
  topic: string;
}

/** Child mode: one job run in a fresh process; prints its summary and the process's peak memory. */
async function jobOnly(spec: JobOnly): Promise<void> {
  const dynamo = localDynamoClient(spec.dynamoEndpoint);
  const producer = new LazyProducer(createKafka({ brokers: spec.brokers, clientId: 'popular-bench-child', ssl: false, sasl: 'none' }));
  const config: PopularConfig = { scoresTable: spec.table, percentile: 95, scanSegments: SEGMENTS, popularTopic: spec.topic, publishBatchSize: 1000, kafka: { brokers: spec.brokers, clientId: 'popular-bench-child', ssl: false, sasl: 'none' } };
  const measured = await withMemoryPeaks(() => runPopularJob({ config, dynamo, producer }));
  await producer.disconnect();
  dynamo.destroy();
  console.log(JSON.stringify({ totalMs: measured.result.totalMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, baseRssMiB: measured.base.rss / MiB, heapPeakMiB: measured.peak.heapUsed / MiB }));
}

function runJobInChild(spec: JobOnly): Promise<{ totalMs: number; maxRssMiB: number; baseRssMiB: number; heapPeakMiB: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...process.execArgv, process.argv[1]!], { env: { ...process.env, BENCH_JOB_ONLY: JSON.stringify(spec) } }, (err, stdout) => {
      if (err) return reject(err);
      const line = stdout.trim().split('\n').pop() ?? '';
      resolve(JSON.parse(line));
    });
  });
}

async function main(): Promise<void> {
  const stack = await startLocalStack();
  const dynamo = localDynamoClient(stack.dynamoEndpoint);
  const kafka = { brokers: stack.kafkaBrokers.split(','), clientId: 'popular-bench', ssl: false, sasl: 'none' as const };
  const producer = new LazyProducer(createKafka(kafka));
  const rows: string[] = [];
  try {
    for (const users of sizes) {
      const table = `bench-popular-${users}`;
      await ensureScoresTable(dynamo, table);
      const scores = seedShapedScores(users, 2026);
      const loadStarted = performance.now();
      await writeUserScores(dynamo, table, scores);
      console.error(`loaded ${users} users in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);

      const sorted = Float64Array.from(scores).sort();
      const exactCutoff = sorted[Math.ceil((95 * users) / 100) - 1]!;
      const exactCount = scores.filter((s) => s > exactCutoff).length;

      const bareMs: number[] = [];
      const bareFullPagesMs: number[] = [];
      const jobMs: number[] = [];
      let last: PopularRunSummary | undefined;
      let memory: Awaited<ReturnType<typeof withMemoryPeaks>> | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        // Bare scans: the job's page size, and DynamoDB's own 1 MB pages.
        for (const [limit, times] of [[SCAN_PAGE_ITEMS, bareMs], [undefined, bareFullPagesMs]] as const) {
          settle();
          const scanStarted = performance.now();
          const totals = await scanScores(dynamo, table, SEGMENTS, () => {}, limit);
          times.push(performance.now() - scanStarted);
          if (totals.users !== users) throw new Error(`bare scan saw ${totals.users} of ${users} users`);
        }

        const config: PopularConfig = { scoresTable: table, percentile: 95, scanSegments: SEGMENTS, popularTopic: `bench-popular-${users}-${round}`, publishBatchSize: 1000, kafka };
        stack.kafka?.createTopic(config.popularTopic, 1);
        await producer.get();
        const measured = await withMemoryPeaks(() => runPopularJob({ config, dynamo, producer }));
        jobMs.push(measured.result.totalMs);
        last = measured.result;
        if (!memory || measured.peak.rss - measured.base.rss > memory.peak.rss - memory.base.rss) memory = measured;
      }
      if (!last || !memory) continue;
      const child = await runJobInChild({ dynamoEndpoint: stack.dynamoEndpoint, brokers: kafka.brokers, table, topic: `bench-popular-${users}-child` });
      const exact = last.cutoff === exactCutoff && last.published === exactCount;
      const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(' / ');
      rows.push(
        [
          users.toLocaleString('en-US'),
          fmt(bareMs),
          fmt(bareFullPagesMs),
          fmt(jobMs),
          `${last.scanMs} / ${last.resolveMs} / ${last.publishMs}`,
          String(last.passes),
          last.candidatesKept.toLocaleString('en-US'),
          last.published.toLocaleString('en-US'),
          exact ? 'yes' : `NO (cutoff ${last.cutoff} vs ${exactCutoff})`,
          `+${mib(memory.peak.rss - memory.base.rss)} (peak ${mib(memory.peak.rss)})`,
          `+${mib(memory.peak.heapUsed - memory.base.heapUsed)} (peak ${mib(memory.peak.heapUsed)})`,
          `${child.maxRssMiB.toFixed(1)} (${child.baseRssMiB.toFixed(1)} before the job; heap peak ${child.heapPeakMiB.toFixed(1)}; ${child.totalMs} ms)`,
        ].join(' | '),
      );
    }
  } finally {
    await producer.disconnect();
    dynamo.destroy();
    await stack.stop();
  }
  console.log(`segments ${SEGMENTS}, p95, seed-shaped scores, ${ROUNDS} rounds each (bare scan and job interleaved); times in ms, memory in MiB`);
  console.log(`users | bare scan (${SCAN_PAGE_ITEMS}/page) | bare scan (1 MB pages) | job total | last job scan / resolve / publish | passes | candidates (peak) | published | exact | job rss | job heapUsed | job alone in a process: peak rss`);
  for (const row of rows) console.log(row);
}

if (process.env.BENCH_JOB_ONLY) await jobOnly(JSON.parse(process.env.BENCH_JOB_ONLY) as JobOnly);
else await main();
