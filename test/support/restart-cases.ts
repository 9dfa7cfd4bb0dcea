// A partition's log that started again (recreated topic, or another cluster holding copies), cut into
// batches at every boundary and delivered again in several ways: each case is one user alone on a
// partition of its own, so thousands of cases run side by side through the same invocations.
import type { BatchSummary } from '../../lib/score-batch.js';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { FIRST_TIMESTAMP, windowSumsOf } from '../../local/fixtures/index.js';

/** What the new log holds, in order: a copy of the old log's k-th event, or an event produced there. */
export type NewLogEntry = { copy: number } | { fresh: number };

export interface RestartScenario {
  name: string;
  /** The old log's timestamps, in offset order from `oldFirstOffset` (not necessarily ascending: skewed clocks). */
  old: number[];
  oldFirstOffset: number;
  /** The new log from offset 0. A fresh entry's value is its timestamp in ms after `FRESH_FROM`. */
  newLog: NewLogEntry[];
  /** LOG_APPEND_TIME: the target re-stamps every record, copies included, with its own clock. */
  logAppendTime?: boolean;
}

export type Redelivery = 'once' | 'twice' | 'recut' | 'shifted' | 'old-again';
export const REDELIVERIES: readonly Redelivery[] = ['once', 'twice', 'recut', 'shifted', 'old-again'];

/** Fresh events are a day after the old log; a LogAppendTime target stamps copies an hour after it. */
export const FRESH_FROM = FIRST_TIMESTAMP + 86_400_000;
const COPIED_AT = FIRST_TIMESTAMP + 3_600_000;
export const WEIGHT = 3;

export interface RestartCase {
  scenario: RestartScenario;
  cuts: number[];
  redelivery: Redelivery;
  partition: number;
  userId: string;
  /** What the sum must be when every event counts once: the old log and the fresh events. */
  exact: number;
  /** What the sum is when every copy counts again as well. */
  copiesCountedTwice: number;
  copies: number;
}

const record = (
  userId: string,
  partition: number,
  offset: number,
  timestamp: number,
  logAppendTime = false,
): KafkaRecord => ({
  topic: 'activity',
  partition,
  offset,
  timestamp,
  timestampType: logAppendTime ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
  key: userId,
  value: JSON.stringify({ user_id: userId, activity: 'message.private' }),
});

export function oldLog(c: RestartCase): KafkaRecord[] {
  return c.scenario.old.map((t, k) => record(c.userId, c.partition, c.scenario.oldFirstOffset + k, t));
}

export function newLog(c: RestartCase): KafkaRecord[] {
  const { scenario } = c;
  return scenario.newLog.map((entry, offset) => {
    const copiedOrFresh = 'copy' in entry ? scenario.old[entry.copy]! : FRESH_FROM + entry.fresh;
    const stamped = scenario.logAppendTime ? ('copy' in entry ? COPIED_AT + offset : copiedOrFresh) : copiedOrFresh;
    return record(c.userId, c.partition, offset, stamped, scenario.logAppendTime);
  });
}

/** Every way to cut n records into consecutive non-empty batches: the batches' first indices. */
export function everyCut(n: number): number[][] {
  const cuts: number[][] = [];
  for (let mask = 0; mask < 2 ** (n - 1); mask++) {
    const starts = [0];
    for (let i = 1; i < n; i++) if (mask & (1 << (i - 1))) starts.push(i);
    cuts.push(starts);
  }
  return cuts;
}

/** The deliveries of one case after its old log: the new log's batches, some of them again or at other boundaries. */
export function deliveries(c: RestartCase): KafkaRecord[][] {
  const log = newLog(c);
  const bounds = [...c.cuts, log.length];
  const batch = (k: number) => log.slice(bounds[k], bounds[k + 1]);
  const mid = (k: number) => Math.floor((bounds[k]! + bounds[k + 1]!) / 2);
  const out: KafkaRecord[][] = [];
  for (let k = 0; k < c.cuts.length; k++) {
    out.push(batch(k));
    if (c.redelivery === 'twice') out.push(batch(k));
    // The previous batch and this one again, as one.
    if (c.redelivery === 'recut' && k > 0) out.push(log.slice(bounds[k - 1], bounds[k + 1]));
    // From the middle of this batch into the middle of the next: later events arrive early, in a redelivery.
    if (c.redelivery === 'shifted') out.push(log.slice(mid(k), k + 1 < c.cuts.length ? mid(k + 1) + 1 : log.length));
  }
  if (c.redelivery === 'recut') out.push(log);
  // A retry of the old log's batch arriving last.
  if (c.redelivery === 'old-again') out.push(oldLog(c));
  return out.filter((d) => d.length > 0);
}

export interface CaseOptions {
  redeliveries?: readonly Redelivery[];
  /**
   * Every cut when 1; else every k-th of them (shifted per scenario), and always the one batch and the all-single cuts.
   */
  cutsEvery?: number;
}

export function buildCases(scenarios: readonly RestartScenario[], options: CaseOptions = {}): RestartCase[] {
  const { redeliveries = REDELIVERIES, cutsEvery = 1 } = options;
  const cases: RestartCase[] = [];
  scenarios.forEach((scenario, s) => {
    const copies = scenario.newLog.filter((e) => 'copy' in e).length;
    const fresh = scenario.newLog.length - copies;
    const all = everyCut(scenario.newLog.length);
    const chosen = all.filter((_, i) => i === 0 || i === all.length - 1 || (i + s) % cutsEvery === 0);
    for (const redelivery of redeliveries) {
      for (const cuts of chosen) {
        const partition = cases.length;
        cases.push({
          scenario,
          cuts,
          redelivery,
          partition,
          userId: `s${s}-${redelivery}-${cuts.join('.')}`,
          exact: WEIGHT * (scenario.old.length + fresh),
          copiesCountedTwice: WEIGHT * (scenario.old.length + fresh + copies),
          copies,
        });
      }
    }
  });
  return cases;
}

/**
 * Delivers every case's old log (and once more), then in lock step every case's k-th new-log delivery:
 * one invocation per round, as one MSK event holding all the partitions.
 */
export async function deliverCases(
  cases: readonly RestartCase[],
  deliver: (records: KafkaRecord[]) => Promise<BatchSummary>,
): Promise<BatchSummary[]> {
  const summaries: BatchSummary[] = [];
  const old = cases.flatMap(oldLog);
  summaries.push(await deliver(old), await deliver(old));
  const rounds = cases.map(deliveries);
  const longest = Math.max(...rounds.map((r) => r.length));
  for (let k = 0; k < longest; k++) summaries.push(await deliver(rounds.flatMap((r) => r[k] ?? [])));
  return summaries;
}

/** The scorer's clock for these cases with trending on: a day after the fresh events, so every event's day is kept. */
export const SCORER_NOW = FRESH_FROM + 86_400_000;

/**
 * What a case's window sums hold when every event counts once: the old log's and the fresh events, each on its UTC
 * date, summed per run date as a scorer at SCORER_NOW with TRENDING_DAYS=7 keeps them.
 */
export function exactWindows(c: RestartCase): Map<string, number> {
  const stamps = [...c.scenario.old, ...c.scenario.newLog.flatMap((e) => ('fresh' in e ? [FRESH_FROM + e.fresh] : []))];
  const perDate = new Map<string, number>();
  for (const t of stamps) {
    const date = new Date(t).toISOString().slice(0, 10);
    perDate.set(date, (perDate.get(date) ?? 0) + WEIGHT);
  }
  return windowSumsOf(perDate, { scorerNow: SCORER_NOW, days: 7 });
}

/** Cases whose stored window sums are not the exact ones, as readable lines, grouped by scenario and redelivery. */
export function windowMismatches(cases: readonly RestartCase[], stored: Map<string, Map<string, number>>): string[] {
  const byGroup = new Map<string, { count: number; example: string }>();
  const text = (m: Map<string, number> | undefined) => JSON.stringify([...(m ?? [])].sort());
  for (const c of cases) {
    const got = text(stored.get(c.userId));
    const want = text(exactWindows(c));
    if (got === want) continue;
    const group = `${c.scenario.name} / ${c.redelivery}`;
    const entry = byGroup.get(group) ?? {
      count: 0,
      example: `batches from ${c.cuts.join(',')}: stored ${got}, expected ${want}`,
    };
    entry.count++;
    byGroup.set(group, entry);
  }
  return [...byGroup].map(([group, { count, example }]) => `${group}: ${count} cases, e.g. ${example}`);
}

/** Cases whose stored sum is not `expected(c)`, as readable lines, grouped by scenario and redelivery. */
export function mismatches(
  cases: readonly RestartCase[],
  sums: Map<string, number>,
  expected: (c: RestartCase) => number,
): string[] {
  const byGroup = new Map<string, { count: number; example: string }>();
  for (const c of cases) {
    const got = sums.get(c.userId) ?? 0;
    if (got === expected(c)) continue;
    const group = `${c.scenario.name} / ${c.redelivery}`;
    const entry = byGroup.get(group) ?? {
      count: 0,
      example: `batches from ${c.cuts.join(',')}: stored ${got}, expected ${expected(c)}`,
    };
    entry.count++;
    byGroup.set(group, entry);
  }
  return [...byGroup].map(([group, { count, example }]) => `${group}: ${count} cases, e.g. ${example}`);
}

const seconds = (...s: number[]) => s.map((k) => FIRST_TIMESTAMP + k * 1000);
const copies = (...k: number[]) => k.map((copy) => ({ copy }));
const fresh = (...at: number[]) => at.map((ms) => ({ fresh: ms }));
const OLD = seconds(0, 1, 2, 3, 4);

/**
 * The scenarios that must come out exact. Each new log is 7 records long: 64 ways to cut it, each delivered in 5 ways.
 */
export const RESTART_SCENARIOS: readonly RestartScenario[] = [
  { name: 'recreated topic', old: OLD, oldFirstOffset: 1000, newLog: fresh(0, 10, 20, 30, 40, 50, 60) },
  {
    name: 'copies, then new events',
    old: OLD,
    oldFirstOffset: 1000,
    newLog: [...copies(0, 1, 2, 3, 4), ...fresh(0, 10)],
  },
  {
    name: 'a new event first, the copies after it',
    old: OLD,
    oldFirstOffset: 1000,
    newLog: [...fresh(0), ...copies(0, 1, 2, 3, 4), ...fresh(10)],
  },
  {
    name: 'producers switched while the copy ran',
    old: OLD,
    oldFirstOffset: 1000,
    newLog: [...copies(0, 1), ...fresh(0), ...copies(2, 3), ...fresh(10), ...copies(4)],
  },
  {
    name: 'only the tail copied (retention)',
    old: OLD,
    oldFirstOffset: 1000,
    newLog: [...copies(2, 3, 4), ...fresh(0, 10, 20, 30)],
  },
  {
    name: 'skewed clocks on the old log',
    old: seconds(5, 1, 9, 3, 7),
    oldFirstOffset: 1000,
    newLog: [...copies(0, 1, 2, 3, 4), ...fresh(0, 10)],
  },
  {
    name: 'old log from offset 0, copies at the same offsets',
    old: OLD,
    oldFirstOffset: 0,
    newLog: [...copies(0, 1, 2, 3, 4), ...fresh(0, 10)],
  },
  {
    name: 'old log from offset 0, a new event first',
    old: OLD,
    oldFirstOffset: 0,
    newLog: [...fresh(0), ...copies(0, 1, 2, 3, 4), ...fresh(10)],
  },
];
