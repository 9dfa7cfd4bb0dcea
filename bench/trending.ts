// What trending costs: the scorer's writes and consumed write units per event with TRENDING_DAYS 0, 7
// and 90 on the same events, and the job's wall time with the trending set on and off over the same
// table, each run in a fresh child process (bench/job-child.ts), on the local stack.
import { ensureTopicsOn } from '../local/services/kafka-topics.js';
import { dayOf } from '../lib/core/utc-days.js';
import { trendingWindow } from '../lib/core/trending-window.js';
import { scanPageItems } from '../lib/adapters/scan.js';
import type { LocalStack } from '../local/services/stack.js';
import { localDynamoClient } from '../local/services/clients.js';
import { ensureScoresTable } from '../local/services/tables.js';
import {
  windowAttributes,
  exactPopular,
  lastDaysSums,
  seedShapedDays,
  seedUserId,
  writeUserScores,
} from '../local/fixtures/index.js';
import { createProgressBar } from '../local/report/progress.js';
import { measureInChild } from './job.js';
import type { ChildResult } from './job-child.js';
import { atMost, exactly, measured } from './measured.js';
import { count, ms, ratio, type GoalCheck, type Log, type Section } from './report.js';
import { scorerRows, type ActivityPattern, type ScorerRow } from './trending-scorer.js';

export interface TrendingBenchOptions {
  /** The scorer rows: each pattern with each TRENDING_DAYS. */
  scorer: { patterns: ActivityPattern[]; batchSize: number };
  /** The job rows: users in a table with 30 days of history, TRENDING_DAYS=7 on and off. */
  job: { users: number; rounds: number; segments: number };
}

interface JobRows {
  users: number;
  off: ChildResult;
  on: ChildResult;
  /** Bare parallel scans of the same table: the score alone, and with the run day's window sum projected too. */
  scan: ChildResult;
  scanWithWindow: ChildResult;
  exact: boolean;
  /** The job on vs off, one sample per round. */
  ratios: number[];
  loadRate: number;
}

async function jobRows(stack: LocalStack, o: TrendingBenchOptions['job'], log: Log): Promise<JobRows> {
  const dynamo = localDynamoClient(stack.dynamoEndpoint);
  const stamp = Date.now().toString(36);
  const table = `bench-trending-job-${o.users}-${stamp}`;
  try {
    // Thirty days of history; the items hold the window sums a scorer with TRENDING_DAYS=7 keeps today.
    const history = seedShapedDays(o.users, 30, 2027);
    const today = dayOf(Date.now());
    await ensureScoresTable(dynamo, table);
    const bar = createProgressBar({ label: `loading ${count(o.users)} users with window sums`, total: o.users });
    const started = performance.now();
    const attributes = windowAttributes(history, today, 7);
    for (let start = 0; start < o.users; start += 50_000) {
      await writeUserScores(dynamo, table, history.allTime.subarray(start, start + 50_000), {
        userId: (i) => seedUserId(start + i),
        attributes: (i) => attributes(start + i),
      });
      bar.update(Math.min(o.users, start + 50_000));
    }
    bar.finish();
    const loadRate = o.users / ((performance.now() - started) / 1000);

    const allTime = exactPopular(history.allTime, 95);
    const window = lastDaysSums(history, 7);
    const trending = exactPopular(
      new Map([...window.entries()].filter(([, w]) => w > 0).map(([i, w]) => [seedUserId(i), w])),
      95,
    );
    const base = {
      dynamoEndpoint: stack.dynamoEndpoint,
      kafkaBrokers: stack.kafkaBrokers,
      table,
      segments: o.segments,
      mode: 'job' as const,
    };
    const offs: ChildResult[] = [];
    const ons: ChildResult[] = [];
    const scans: ChildResult[] = [];
    const windowScans: ChildResult[] = [];
    const runWindow = trendingWindow(new Date(), 7);
    // One bare scan first, not counted: the first pass over a freshly loaded table ran up to 30% slower
    // than the next ones, and would land on whichever of off and on came first.
    await measureInChild({ ...base, mode: 'scan', topic: '', pageLimit: scanPageItems(o.segments) });
    let exact = true;
    for (let round = 0; round < o.rounds; round++) {
      const popular = `bench-trending-popular-${round}-${stamp}`;
      const trendingTopic = `bench-trending-${round}-${stamp}`;
      await ensureTopicsOn(stack.kafkaBrokers, [
        { topic: popular, partitions: 1 },
        { topic: trendingTopic, partitions: 1 },
      ]);
      const off = () => measureInChild({ ...base, topic: popular });
      const on = () => measureInChild({ ...base, topic: popular, trending: { days: 7, topic: trendingTopic } });
      // Alternating which goes first keeps the JVM's leftover garbage from always landing on the same one.
      const pair = round % 2 === 0 ? [await off(), await on()] : [await on(), await off()].reverse();
      offs.push(pair[0]!);
      ons.push(pair[1]!);
      // The raw limits next to them: what reading the score, and the score and the window, costs alone.
      const scanBase = { ...base, mode: 'scan' as const, topic: '', pageLimit: scanPageItems(o.segments) };
      scans.push(await measureInChild(scanBase));
      windowScans.push(await measureInChild({ ...scanBase, window: runWindow }));
      const [a, b] = pair as [ChildResult, ChildResult];
      exact &&= a.summary?.cutoff === allTime.cutoff && a.summary.published === allTime.users.size;
      exact &&=
        b.summary?.cutoff === allTime.cutoff &&
        b.summary.trending?.cutoff === trending.cutoff &&
        b.summary.trending.published === trending.users.size;
      log(
        `trending: job, ${count(o.users)} users, round ${round + 1}: off ${ms(a.ms)}, on ${ms(b.ms)} (${ratio(b.ms / a.ms)})`,
      );
    }
    const fastest = (runs: ChildResult[]) => runs.reduce((x, y) => (y.ms < x.ms ? y : x));
    // Each round's pair is one sample of the ratio the goal reads.
    const ratios = ons.map((on, i) => on.ms / offs[i]!.ms);
    return {
      users: o.users,
      off: fastest(offs),
      on: fastest(ons),
      scan: fastest(scans),
      scanWithWindow: fastest(windowScans),
      ratios,
      exact,
      loadRate,
    };
  } finally {
    dynamo.destroy();
  }
}

/** Where the fastest rounds' time went: the passes, the scan, each set's publishing, and the CPU Node spent. */
function jobBreakdown(job: JobRows): string {
  const parts = (r: ChildResult) => {
    const s = r.summary;
    if (s === undefined) return 'no summary';
    const t = s.trending;
    const sets =
      t === undefined
        ? `publish ${ms(s.publishMs)}`
        : `publish ${ms(s.publishMs)} all-time and ${ms(t.publishMs)} trending, side by side; trending ${t.passes} pass(es), ${t.publishPath}, ${count(t.candidatesKept)} candidates`;
    return `${s.passes} pass(es), scan ${ms(s.scanMs)}, ${sets}; all-time ${s.publishPath}, ${count(s.candidatesKept)} candidates; Node CPU ${ms(r.cpuMs)}`;
  };
  const floor = job.scanWithWindow.ms + (job.off.ms - job.scan.ms);
  return (
    `Breakdown of the fastest rounds. Off: ${parts(job.off)}. On: ${parts(job.on)}. ` +
    `Node CPU of the bare scans: ${ms(job.scan.cpuMs)} for the score, ${ms(job.scanWithWindow.cpuMs)} with the window (DynamoDB Local runs on the same cores, so the job's CPU slows its scan). ` +
    `The floor: the bare scan with the window sum plus what the job adds to its bare scan with trending off, ${ms(floor)}, ${ratio(floor / job.off.ms)} the job off.`
  );
}

export async function benchTrending(stack: LocalStack, options: TrendingBenchOptions, log: Log): Promise<Section> {
  const scorer: ScorerRow[] = [];
  for (const pattern of options.scorer.patterns)
    scorer.push(...(await scorerRows(stack, pattern, options.scorer.batchSize, log)));
  const job = await jobRows(stack, options.job, log);
  const common = options.scorer.patterns[0]!;
  const off = scorer.find((r) => r.pattern === common && r.days === 0)!;
  const seven = scorer.find((r) => r.pattern === common && r.days === 7)!;
  const perEvent = (n: number, r: ScorerRow) => (n / r.events).toFixed(3);
  // The timed rows fill only the users, the wall time and the ratio to the job with trending off.
  const timedRow = (name: string, wallMs: number) => [
    name,
    count(job.users),
    ...Array<string>(5).fill(''),
    ms(wallMs),
    ratio(wallMs / job.off.ms),
  ];
  const goals: GoalCheck[] = [
    {
      claim: `Job wall time with the trending set on vs off, ${count(job.users)} users, ${options.job.segments} segments`,
      goal: atMost(1.3, ratio),
      measured: measured(job.ratios),
      note: `fastest ${ms(job.on.ms)} vs ${ms(job.off.ms)}`,
    },
    {
      claim: `Both sets exact in every round of the job, ${count(job.users)} users`,
      goal: exactly(1, (value) => (value === 1 ? 'yes' : 'no')),
      measured: measured([job.exact ? 1 : 0]),
    },
    {
      claim: `Scorer writes per event with TRENDING_DAYS=7 vs 0, the same events (${common.name}): one write per user per batch`,
      goal: atMost(1.02, ratio),
      // The same events and batches each time: the count does not vary between runs.
      measured: measured([seven.writes / off.writes]),
      note: `${perEvent(seven.writes, seven)} vs ${perEvent(off.writes, off)} writes, ${perEvent(seven.consumed, seven)} vs ${perEvent(off.consumed, off)} write units per event`,
    },
  ];
  const patterns = options.scorer.patterns
    .map(
      (p) =>
        `*${p.name}*: ${count(p.events)} events of ${count(p.users)} users (about ${(p.events / p.users / p.days).toFixed(1)} per user per day)`,
    )
    .join('; ');
  return {
    title: 'Trending: what the window costs',
    method: [
      `*Scorer*, users drawn uniformly as in the seed, events spread evenly over ${common.days} days, oldest first: ${patterns}. In batches of ${count(options.scorer.batchSize)}, ` +
        "each scored by the real handler with its clock set a minute after the batch's newest event, as when events are scored as they arrive; one fresh table per TRENDING_DAYS. " +
        'Every UpdateItem carries `ReturnConsumedCapacity: TOTAL` (added by a client middleware in the bench, not by the scorer): the write units are what DynamoDB Local reports ' +
        'for the writes that succeeded; writes refused by their condition are counted apart (DynamoDB bills them too, by item size, and reports nothing for them).',
      `*Job*: ${count(job.users)} users loaded with BatchWriteItem (${count(job.loadRate)} items/s), each with its all-time score and the window sums a scorer with TRENDING_DAYS=7 keeps (yesterday's run to 7 days on) ` +
        `(30 days of history, 30% of users joining on a random day: \`local/generators/daily-scores.ts\`); then \`runPopularJob\` at p95 with ${options.job.segments} segments ` +
        `in a fresh child process, trending off and on (TRENDING_DAYS=7, its own topic) on the same table, after one bare scan that is not counted, ${options.job.rounds} rounds alternating which goes first, the fastest of each shown. ` +
        "Both sets are checked against the oracles (the trending one from the history's last 7 days). Next to them, each round, the raw limits: bare parallel scans (`scanScores`, nothing done per page) " +
        "of the same table reading the score alone, and the score with the run day's window sum, as the job's scan does with trending on.",
    ],
    header: [
      'row',
      'events or users',
      'writes/event',
      'write units/event',
      'refused writes/event',
      'users cleared of old window sums',
      'late events',
      'wall time',
      'vs off',
    ],
    rows: [
      ...scorer.map((r) => [
        `scorer, ${r.pattern.name}, ${r.days === 0 ? 'trending off' : `TRENDING_DAYS=${r.days}`}`,
        count(r.events),
        perEvent(r.writes, r),
        perEvent(r.consumed, r),
        perEvent(r.refused, r),
        count(r.staleWindowUsers),
        count(r.lateEvents),
        ms(r.handlerMs),
        ratio(r.handlerMs / scorer.find((o) => o.pattern === r.pattern && o.days === 0)!.handlerMs),
      ]),
      timedRow('bare parallel scan, score (raw)', job.scan.ms),
      timedRow("bare parallel scan, score and the run day's window sum (raw)", job.scanWithWindow.ms),
      timedRow('job, trending off', job.off.ms),
      timedRow('job, TRENDING_DAYS=7', job.on.ms),
    ],
    notes: [
      'A write unit covers 1 KB of the item written (the larger of before and after): window sums of about 15 bytes each keep a 7-day item (9 sums) well under 1 KB, while the 92 of TRENDING_DAYS=90 take every item written with that window past it: each event adds to every run day whose window holds it, so the longest window costs write units on every write, not only for users active every day.',
      "The scorer rows' wall time is the handler's over every batch, one sample each, on fresh tables: what the window's wider writes cost the scorer, shown and not a goal (issue 16 asks for one write per user per batch, which the writes column holds to).",
      'A user back after more idle days than the window is long (a week at least) costs one more write, once: the first write finds that window sums may be older than it can remove without reading, and the re-cut removes them.',
      jobBreakdown(job),
      `Job memory with trending on: peak RSS ${(job.on.maxRss / 1024 / 1024).toFixed(1)} MiB against ${(job.off.maxRss / 1024 / 1024).toFixed(1)} MiB off.`,
    ],
    plots: [],
    goals,
  };
}
