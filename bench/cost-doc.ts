// The worked tables of docs/scale-and-cost.md, rendered by bench/cost-model.ts from the figures a
// bench run wrote to results.json, so the document cannot drift from the bench. `npm run bench`
// rewrites them after a full run; `npm run cost-model` prints them, or an estimate for other numbers.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  ASSUMPTIONS,
  DEPLOYED,
  estimateCost,
  PRICES,
  readWriteCrossover,
  streamPathFromUsers,
  type BenchFigures,
  type CostEstimate,
  type Figure,
  type Workload,
} from './cost-model.js';
import { markdownTable } from './report.js';

export const COST_DOC = new URL('../docs/scale-and-cost.md', import.meta.url);
const BEGIN = '<!-- cost-model:begin';
const END = '<!-- cost-model:end -->';

/** What results.json holds that the model reads. */
export interface ResultsFile {
  run: { startedAt: string; mode: string; machine: string; loadBefore: number[] };
  figures: { id: string; value: number; unit: string; row: string }[];
}

/** The figures the model needs, by their results.json ids; a missing one names the bench area that makes it. */
export function benchFigures(results: Pick<ResultsFile, 'figures'>): BenchFigures {
  const byId = new Map(results.figures.map((f) => [f.id, f]));
  const one = (id: string, area: string, needs = ''): Figure => {
    const f = byId.get(id);
    if (f === undefined || !Number.isFinite(f.value))
      throw new Error(
        `results.json has no figure ${id}: run \`npm run bench -- --only ${area}\`${needs} (or the whole bench) first`,
      );
    return { value: f.value, row: f.row };
  };
  const family = (prefix: string, area: string): Record<string, Figure> => {
    const found = Object.fromEntries(
      results.figures
        .filter((f) => f.id.startsWith(prefix))
        .map((f) => [f.id.slice(prefix.length), { value: f.value, row: f.row }]),
    );
    if (Object.keys(found).length === 0)
      throw new Error(`results.json has no figures ${prefix}*: run \`npm run bench -- --only ${area}\` first`);
    return found;
  };
  return {
    scanItemsPerSecondPerSegment: one('job.scan-items-per-second-per-segment', 'job'),
    jobCpuMsPer1000Users: one('job.cpu-ms-per-1000-users', 'job'),
    publishMsPer1000Published: one('job.publish-ms-per-1000-published', 'job'),
    jobMaxRssMib: one('job-memory.max-rss-mib', 'job-memory'),
    p95CandidatesPerUser: one('job-memory.p95-candidates-per-user', 'job-memory'),
    streamPathScans: one(
      'job-memory.stream-path-scans',
      'job-memory',
      ' at its default 1,000,000 users, where the low percentiles outgrow MAX_HELD_USERS',
    ),
    scorerCpuMsPerWrite: one(`scorer.cpu-ms-per-write.uniform.batch-${DEPLOYED.batchSize}`, 'scorer'),
    kafkaBytesPerRecord: one('kafka.bytes-per-record', 'kafka'),
    benchBatchSize: one('capacity.batch-size', 'capacity'),
    writesPerEvent: family('capacity.writes-per-event.', 'capacity'),
    itemBytes: family('capacity.item-bytes.long-run.', 'capacity'),
  };
}

const BASE: Omit<Workload, 'users' | 'eventsPerSecond' | 'partitions'> = {
  keyedByUser: true,
  shape: 'uniform',
  jobEveryMinutes: 5,
  retentionDays: 7,
  tableAgeDays: 30,
};

/** Issue 19's four sizes; enough partitions that each lane has room (see the "partitions" column). */
export const WORKED: Workload[] = [
  { ...BASE, users: 1_000_000, eventsPerSecond: 1_000, partitions: 4 },
  { ...BASE, users: 1_000_000, eventsPerSecond: 10_000, partitions: 64 },
  { ...BASE, users: 100_000_000, eventsPerSecond: 1_000, partitions: 4 },
  { ...BASE, users: 100_000_000, eventsPerSecond: 10_000, partitions: 64 },
];

/** A number with separators; negative `digits` round to tens, hundreds, thousands. */
const n = (x: number, digits = 0) => {
  const rounded = digits < 0 ? Math.round(x / 10 ** -digits) * 10 ** -digits : x;
  return rounded.toLocaleString('en-US', {
    maximumFractionDigits: Math.max(0, digits),
    minimumFractionDigits: Math.max(0, digits),
  });
};
const usd = (x: number) =>
  x >= 100 ? `$${n(x)}` : x >= 1 ? `$${n(x, 2)}` : x >= 0.01 ? `$${n(x, 3)}` : `$${x.toPrecision(2)}`;
const seconds = (s: number) => (s >= 120 ? `${n(s / 60, 1)} min` : `${n(s, 1)} s`);
const readUnitsPer1000 = (itemBytes: number) => (1000 * itemBytes) / 4096 / 2;
const size = (w: Workload) => `${n(w.users / 1e6)}M users, ${n(w.eventsPerSecond)} events/s`;

export function scorerTable(estimates: CostEstimate[]): string {
  return markdownTable(
    [
      'workload',
      'partitions (lane room)',
      'batch',
      'writes/event',
      'item',
      'WRU/event',
      'invocation',
      '$ per M events: DynamoDB + Lambda',
      'ingestion $/day',
    ],
    estimates.map(({ workload: w, scorer: s, perDay }) => [
      size(w),
      `${w.partitions} (${n(s.maxEventsPerSecondPerPartition * w.partitions)} events/s${s.maxEventsPerSecondPerPartition * w.partitions < w.eventsPerSecond ? ', **short**' : ''})`,
      n(s.batchEvents),
      n(s.writesPerEvent, 3),
      `${n(s.itemBytes)} B, ${n(s.partitionsPerItem, 1)} position${s.partitionsPerItem === 1 ? '' : 's'}`,
      n(s.writeUnitsPerEvent, 3),
      `${n(s.invocationMs)} ms`,
      `${usd(s.dynamoPerMillion)} + ${usd(s.lambdaPerMillion)} = ${usd(s.dynamoPerMillion + s.lambdaPerMillion)}`,
      usd(perDay.ingestion),
    ]),
  );
}

export function jobTable(estimates: CostEstimate[]): string {
  return markdownTable(
    [
      'workload',
      'scans',
      'segments (fewest in time)',
      'memory (peak)',
      'scan + publish',
      'fits 15 min',
      'RRU per run',
      '$ per run: DynamoDB + Lambda',
      'job $/day',
      'storage $/month',
      'total $/day',
    ],
    estimates.map(({ workload: w, job: j, perDay, storagePerMonth }) => [
      size(w),
      String(j.scans),
      `${n(j.segments)} (${j.segmentsNeeded === undefined ? 'none' : n(j.segmentsNeeded)})`,
      `${n(j.memoryMb)} MB (${n(j.peakMemoryMib)} MiB)`,
      `${seconds(j.scanSeconds)} + ${seconds(j.publishSeconds)}${j.cpuBound ? ' (CPU-bound)' : ''}`,
      j.fits ? 'yes' : '**no**',
      n(j.readUnitsPerRun),
      `${usd(j.dynamoPerRun)} + ${usd(j.lambdaPerRun)} = ${usd(j.dynamoPerRun + j.lambdaPerRun)}`,
      usd(perDay.job),
      usd(storagePerMonth),
      usd(perDay.total),
    ]),
  );
}

export function figuresTable(f: BenchFigures): string {
  const rows: [string, Figure, (v: number) => string][] = [
    ['scan items/s per segment', f.scanItemsPerSecondPerSegment, (v) => n(v)],
    ['job CPU per 1,000 users scanned', f.jobCpuMsPer1000Users, (v) => `${n(v, 2)} ms`],
    ['publish per 1,000 popular users', f.publishMsPer1000Published, (v) => `${n(v, 1)} ms`],
    ['job peak memory (max RSS, any percentile)', f.jobMaxRssMib, (v) => `${n(v, 1)} MiB`],
    ['candidates held per user at p95', f.p95CandidatesPerUser, (v) => n(v, 4)],
    ['scans on the streaming path', f.streamPathScans, (v) => n(v)],
    ['scorer CPU per UpdateItem', f.scorerCpuMsPerWrite, (v) => `${n(v, 3)} ms`],
    ['Kafka key + value per event', f.kafkaBytesPerRecord, (v) => `${n(v, 1)} B`],
    ...Object.entries(f.writesPerEvent).map(
      ([k, v]) => [`writes/event, ${k}`, v, (x: number) => n(x, 3)] as [string, Figure, (v: number) => string],
    ),
    ...Object.entries(f.itemBytes).map(
      ([k, v]) => [`long-run item, ${k}`, v, (x: number) => `${n(x)} B`] as [string, Figure, (v: number) => string],
    ),
  ];
  return markdownTable(
    ['figure', 'value', 'bench row (bench/results/results.md)'],
    rows.map(([name, fig, fmt]) => [name, fmt(fig.value), fig.row]),
  );
}

/** The generated block: the figures it used (as JSON, so a test can re-render it), then the tables. */
export function renderCostBlock(results: ResultsFile): string {
  const figures = benchFigures(results);
  const keyed = WORKED.map((w) => estimateCost(w, figures));
  const unkeyed = WORKED.map((w) => estimateCost({ ...w, keyedByUser: false }, figures));
  const keyedItem =
    figures.itemBytes[Object.keys(figures.itemBytes).find((k) => k.startsWith('uniform.keyed.')) ?? '']!;
  const source = {
    run: results.run,
    figures: results.figures.filter((f) => /^(job|job-memory|scorer|kafka|capacity)\./.test(f.id)),
  };
  return [
    `${BEGIN} generated by bench/cost-doc.ts from bench/results/results.json; edit the prose around this block, not the block -->`,
    `<!-- cost-model:source ${JSON.stringify(source)} -->`,
    '',
    `Bench run ${results.run.startedAt} (${results.run.mode}; ${results.run.machine}; load before ${results.run.loadBefore.map((l) => l.toFixed(2)).join(' / ')}). ` +
      `Prices as of ${PRICES.asOf}; assumed DynamoDB write latency ${ASSUMPTIONS.writeLatencyMs} ms; job within ${ASSUMPTIONS.jobBudgetSeconds} s; ` +
      `scorer ${DEPLOYED.scorerMemoryMb} MB, batch ${DEPLOYED.batchSize}, ${DEPLOYED.batchingWindowSeconds} s window; job from ${DEPLOYED.jobMemoryMb} MB and ${DEPLOYED.scanSegments} segments, p${DEPLOYED.percentile}, every ${BASE.jobEveryMinutes} min.`,
    '',
    '**Figures from the bench**',
    '',
    figuresTable(figures),
    '',
    '**Ingestion: producers keyed by user, uniform users**',
    '',
    scorerTable(keyed),
    '',
    '**The job, per run and per day (same workloads)**',
    '',
    jobTable(keyed),
    '',
    `**The same workloads with producers that do not key by user** (table ${BASE.tableAgeDays} days old)`,
    '',
    scorerTable(unkeyed),
    '',
    jobTable(unkeyed),
    '',
    `- The job's reads cost as much a day as the scorer's writes at about ${n(readWriteCrossover(figures, 1, BASE.jobEveryMinutes), -3)} users per event/s with one scan a run, ` +
      `and ${n(readWriteCrossover(figures, figures.streamPathScans.value, BASE.jobEveryMinutes), -3)} with ${n(figures.streamPathScans.value)} (keyed producers, a run every ${BASE.jobEveryMinutes} minutes); above that the full scan is the larger DynamoDB bill.`,
    `- At p${DEPLOYED.percentile} the job holds ${n(figures.p95CandidatesPerUser.value * 100, 1)}% of users as candidates, so from about ${n(streamPathFromUsers(figures) / 1e6, 1)}M users ` +
      `they outgrow MAX_HELD_USERS (${n(DEPLOYED.maxHeldUsers)}) and every run takes ${n(figures.streamPathScans.value)} scans.`,
    `- With keyed producers an item is about ${n(keyedItem.value)} bytes, about ${n(readUnitsPer1000(keyedItem.value), 1)} read units per 1,000 users and scan.`,
    '',
    END,
  ].join('\n');
}

/** Replaces the generated block in the document's text; the prose around it stays. */
export function replaceCostBlock(doc: string, block: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${COST_DOC.pathname} has no "${BEGIN}" ... "${END}" block to replace`);
  return doc.slice(0, start) + block + doc.slice(end + END.length);
}

/** The block as the document holds it, and the source it says it was rendered from. */
export function readCostBlock(doc: string): { block: string; source: ResultsFile } {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`no "${BEGIN}" ... "${END}" block`);
  const block = doc.slice(start, end + END.length);
  const json = /<!-- cost-model:source (.*) -->/.exec(block)?.[1];
  if (json === undefined) throw new Error('the cost-model block names no source');
  return { block, source: JSON.parse(json) as ResultsFile };
}

export function writeCostDoc(results: ResultsFile): void {
  writeFileSync(COST_DOC, replaceCostBlock(readFileSync(COST_DOC, 'utf8'), renderCostBlock(results)));
}
