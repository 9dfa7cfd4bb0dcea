// The popular-users job next to a bare parallel scan of the same table with the same segments:
// wall time and peak memory, each run in a fresh child process (bench/job-child.ts).
import { ensureTopicsOn } from '../local/services/kafka-topics.js';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SCAN_PAGE_ITEMS, scanPageItems } from '../lib/popular-job.js';
import { scanScores } from '../lib/adapters/scan.js';
import type { LocalStack } from '../local/services/stack.js';
import { localDynamoClient } from '../local/services/clients.js';
import { ensureScoresTable } from '../local/services/tables.js';
import { exactPopular, seedShapedScores, seedUserId, writeUserScores } from '../local/fixtures/index.js';
import { createProgressBar } from '../local/report/progress.js';
import type { ChildRequest, ChildResult } from './job-child.js';
import { count, mib, ms, ratio, type Log, type Section } from './report.js';
import { median } from './measured.js';
import { jobSection } from './job-report.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '..');
const LOAD_CHUNK = 50_000;

export interface JobBenchOptions {
  users: number[];
  segments: number[];
  /**
   * Rounds per (size, segments) pair, at least 3; each round runs a bare scan and the job, alternating which goes
   * first.
   */
  rounds: number;
}

export interface JobRow {
  users: number;
  segments: number;
  /** Round by round: scans[i] and jobs[i] ran back to back. */
  scans: ChildResult[];
  jobs: ChildResult[];
  exact: boolean;
}

/** Runs one measured job or scan in a fresh Node process, started with `nodeFlags` (V8 heap limits, for one). */
export async function measureInChild(request: ChildRequest, nodeFlags: string[] = []): Promise<ChildResult> {
  const { stdout } = await run(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', join(REPO, 'bench/job-child.ts'), JSON.stringify(request)],
    {
      cwd: REPO,
      maxBuffer: 4 * 1024 * 1024,
    },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line === undefined) throw new Error(`the ${request.mode} child printed no result:\n${stdout}`);
  return JSON.parse(line.slice('RESULT '.length)) as ChildResult;
}

export interface SeedTable {
  table: string;
  scores: Float64Array;
  /** BatchWriteItem items/s while loading it. */
  loadRate: number;
}

const seedTables = new Map<string, Promise<SeedTable>>();

/**
 * A table of `users` seed-shaped scores on this stack, loaded once per bench run: the job and
 * job-memory areas read the same 1,000,000 users rather than loading them twice.
 */
export function seedTable(dynamo: DynamoDBClient, endpoint: string, users: number, log: Log): Promise<SeedTable> {
  const key = `${endpoint} ${users}`;
  let loaded = seedTables.get(key);
  if (loaded === undefined) {
    loaded = (async () => {
      const table = `bench-seed-${users}-${Date.now().toString(36)}`;
      const scores = seedShapedScores(users, 2026);
      const loadRate = await loadTable(dynamo, table, scores, log);
      // DynamoDB Local's JVM compiles its scan path on first use; that belongs to no one's figure.
      await scanScores(dynamo, table, 4, () => {}, SCAN_PAGE_ITEMS);
      return { table, scores, loadRate };
    })();
    seedTables.set(key, loaded);
  }
  return loaded;
}

export async function loadTable(
  dynamo: DynamoDBClient,
  table: string,
  scores: Float64Array,
  log: Log,
): Promise<number> {
  await ensureScoresTable(dynamo, table);
  const bar = createProgressBar({ label: `loading ${count(scores.length)} users`, total: scores.length });
  const started = performance.now();
  for (let start = 0; start < scores.length; start += LOAD_CHUNK) {
    await writeUserScores(dynamo, table, scores.subarray(start, start + LOAD_CHUNK), {
      userId: (i) => seedUserId(start + i),
    });
    bar.update(Math.min(scores.length, start + LOAD_CHUNK));
  }
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  log(`job: ${count(scores.length)} users loaded at ${count(scores.length / seconds)} items/s (BatchWriteItem)`);
  return scores.length / seconds;
}

export async function benchPopularJob(stack: LocalStack, options: JobBenchOptions, log: Log): Promise<Section> {
  const dynamo = localDynamoClient(stack.dynamoEndpoint);
  const stamp = Date.now().toString(36);
  const rows: JobRow[] = [];
  const loadRates: number[] = [];
  try {
    for (const users of options.users) {
      const { table, scores, loadRate } = await seedTable(dynamo, stack.dynamoEndpoint, users, log);
      loadRates.push(loadRate);
      const expected = exactPopular(scores, 95);
      const exactCutoff = expected.cutoff;
      const exactCount = expected.users.size;
      for (const segments of options.segments) {
        const base = { dynamoEndpoint: stack.dynamoEndpoint, kafkaBrokers: stack.kafkaBrokers, table, segments };
        const scans: ChildResult[] = [];
        const jobs: ChildResult[] = [];
        let exact = true;
        for (let round = 0; round < options.rounds; round++) {
          const topic = `bench-popular-${users}-${segments}-${round}-${stamp}`;
          await ensureTopicsOn(stack.kafkaBrokers, [{ topic, partitions: 1 }]);
          const scanRun = () =>
            measureInChild({ ...base, mode: 'scan', pageLimit: scanPageItems(segments), topic: '' });
          const jobRun = () => measureInChild({ ...base, mode: 'job', topic });
          // Alternating which goes first keeps the JVM's leftover garbage from always landing on the same one.
          let scan: ChildResult;
          let job: ChildResult;
          if (round % 2 === 0) {
            scan = await scanRun();
            job = await jobRun();
          } else {
            job = await jobRun();
            scan = await scanRun();
          }
          scans.push(scan);
          jobs.push(job);
          exact &&= job.summary?.cutoff === exactCutoff && job.summary.published === exactCount && scan.users === users;
        }
        rows.push({ users, segments, scans, jobs, exact });
        const ratios = jobs.map((j, i) => j.ms / scans[i]!.ms);
        log(
          `job: ${count(users)} users, ${segments} segments: bare scan ${ms(median(scans.map((r) => r.ms)))}, job ${ms(median(jobs.map((r) => r.ms)))} ` +
            `(${ratio(median(ratios))}, rounds ${ratios.map(ratio).join(' ')}), job peak RSS ${mib(Math.max(...jobs.map((j) => j.maxRss)))}`,
        );
      }
    }
  } finally {
    dynamo.destroy();
  }
  return jobSection(rows, options, loadRates);
}
