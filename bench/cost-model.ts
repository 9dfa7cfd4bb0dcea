// What a deployment costs on AWS, from a team's numbers and this bench's own figures. Pure functions:
// bench/cost-doc.ts renders them into docs/scale-and-cost.md and `npm run cost-model` prints them
// for other numbers. Every bench figure arrives with the results.md row it came from.
import { scanPageItems } from '../lib/adapters/scan.js';
import { pageReadUnits, writeUnits } from './dynamo-units.js';

export interface Workload {
  users: number;
  eventsPerSecond: number;
  partitions: number;
  /** Producers keyed by user id (one user, one partition), or not (each user spread over all of them). */
  keyedByUser: boolean;
  shape: 'uniform' | 'skewed';
  /** Minutes between job runs (serverless.yml's scheduleMinutes). */
  jobEveryMinutes: number;
  /** Days the activity topic keeps records: the Kafka storage, which MSK prices (left to the reader). */
  retentionDays: number;
  /** Days the table has taken events: how many partitions' positions an unkeyed user's item has gathered. */
  tableAgeDays: number;
}

/** serverless.yml's defaults. */
export const DEPLOYED = {
  batchSize: 100,
  batchingWindowSeconds: 1,
  writeConcurrency: 32,
  scorerMemoryMb: 512,
  jobMemoryMb: 1024,
  scanSegments: 8,
  percentile: 95,
  maxHeldUsers: 250_000,
} as const;
export type Deployment = { [K in keyof typeof DEPLOYED]: number };

/** us-east-1, on demand, arm64. Sources and dates: docs/scale-and-cost.md, "Prices". */
export const PRICES = {
  asOf: '2026-11-29',
  writeUnit: 0.625 / 1e6,
  readUnit: 0.125 / 1e6,
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  storageGbMonth: 0.25,
} as const;
export type Prices = Omit<typeof PRICES, 'asOf'>;

/** What the model assumes rather than measures. */
export const ASSUMPTIONS = {
  /** A DynamoDB UpdateItem's round trip from Lambda in the same region. */
  writeLatencyMs: 5,
  /** Lambda gives one full vCPU at 1,769 MB, in proportion below it. */
  mbPerVcpu: 1769,
  /** The job's pages are parsed on Node's one thread: a second vCPU does not speed them up. */
  maxUsefulVcpus: 1,
  /** Lambda's 15 minutes, less a fifth for a slow day. */
  jobBudgetSeconds: 720,
  /** DynamoDB stores 100 bytes of index overhead per item. */
  storageOverheadBytes: 100,
} as const;
export type Assumptions = typeof ASSUMPTIONS;

/** A bench figure with the results.md row it came from. */
export interface Figure {
  value: number;
  row: string;
}

/** The bench figures the model reads (ids in results.json: see `BENCH_FIGURE_IDS`). */
export interface BenchFigures {
  scanItemsPerSecondPerSegment: Figure;
  jobCpuMsPer1000Users: Figure;
  publishMsPer1000Published: Figure;
  jobMaxRssMib: Figure;
  p95CandidatesPerUser: Figure;
  streamPathScans: Figure;
  scorerCpuMsPerWrite: Figure;
  kafkaBytesPerRecord: Figure;
  benchBatchSize: Figure;
  /** By `${shape}.${keyed|unkeyed}.p${partitions}` for the bench's partition counts. */
  writesPerEvent: Record<string, Figure>;
  /** Long-run item bytes by the same key. */
  itemBytes: Record<string, Figure>;
}

export interface ScorerCost {
  /** Records per invocation: a partition's share of the rate over the batching window, at most the batch size. */
  batchEvents: number;
  writesPerEvent: number;
  writesPerEventFrom: string;
  itemBytes: number;
  /** Positions an item holds: 1 when keyed by user, else the partitions an average user's events have reached. */
  partitionsPerItem: number;
  writeUnitsPerWrite: number;
  writeUnitsPerEvent: number;
  invocationMs: number;
  /** What one partition's lane can take: full batches back to back. */
  maxEventsPerSecondPerPartition: number;
  /** $ per million events. */
  dynamoPerMillion: number;
  lambdaPerMillion: number;
}

export interface JobCost {
  scans: number;
  published: number;
  /** The deployed SCAN_SEGMENTS, or more when a run needs them to finish in time. */
  segments: number;
  /** The fewest segments (a power of two) that finish in time; undefined when none do. */
  segmentsNeeded?: number;
  memoryMb: number;
  /** Items/s of one scan: segments × the per-segment rate, or the CPU's rate when that is lower. */
  scanItemsPerSecond: number;
  cpuBound: boolean;
  scanSeconds: number;
  publishSeconds: number;
  durationSeconds: number;
  fits: boolean;
  readUnitsPerRun: number;
  peakMemoryMib: number;
  dynamoPerRun: number;
  lambdaPerRun: number;
  runsPerDay: number;
}

export interface CostEstimate {
  workload: Workload;
  scorer: ScorerCost;
  job: JobCost;
  tableGb: number;
  storagePerMonth: number;
  kafkaRetainedGb: number;
  perDay: { ingestion: number; job: number; storage: number; total: number };
}

const vcpus = (memoryMb: number, a: Assumptions) => Math.min(a.maxUsefulVcpus, memoryMb / a.mbPerVcpu);

/** The bench row whose partition count is nearest (on a log scale) to the workload's. */
export function nearestPartitions(available: number[], partitions: number): number {
  return available.reduce((a, b) => (Math.abs(Math.log(b / partitions)) < Math.abs(Math.log(a / partitions)) ? b : a));
}

const partitionsIn = (figures: Record<string, Figure>) =>
  [...new Set(Object.keys(figures).map((k) => Number(/\.p(\d+)$/.exec(k)?.[1])))].filter(Number.isFinite);

/**
 * An item's bytes with `held` partitions' positions: the keyed row's item, plus per extra partition
 * what the unkeyed rows at two partition counts differ by.
 */
export function itemBytesFor(figures: BenchFigures, shape: Workload['shape'], held: number): number {
  const counts = partitionsIn(figures.itemBytes).sort((a, b) => a - b);
  const [few, many] = [counts[0]!, counts.at(-1)!];
  const at = (p: number) => figures.itemBytes[`${shape}.unkeyed.p${p}`]!.value;
  const perPartition = many > few ? (at(many) - at(few)) / (many - few) : 0;
  return at(few) + (held - few) * perPartition;
}

/**
 * Partitions an item has positions for: a user's expected distinct partitions after `events` events spread at random.
 */
export function partitionsPerItem(workload: Workload): number {
  if (workload.keyedByUser) return 1;
  const eventsPerUser = (workload.eventsPerSecond * 86_400 * workload.tableAgeDays) / workload.users;
  const p = workload.partitions;
  return Math.max(1, p * (1 - (1 - 1 / p) ** eventsPerUser));
}

export function scorerCost(
  workload: Workload,
  figures: BenchFigures,
  d: Deployment = DEPLOYED,
  prices: Prices = PRICES,
  a: Assumptions = ASSUMPTIONS,
): ScorerCost {
  const batchEvents = Math.min(
    d.batchSize,
    Math.max(1, (workload.eventsPerSecond / workload.partitions) * d.batchingWindowSeconds),
  );
  const key = `${workload.shape}.${workload.keyedByUser ? 'keyed' : 'unkeyed'}.p${nearestPartitions(partitionsIn(figures.writesPerEvent), workload.partitions)}`;
  const measured = figures.writesPerEvent[key];
  if (measured === undefined) throw new Error(`cost model: no bench figure capacity.writes-per-event.${key}`);
  // Smaller batches than the bench's combine fewer events per user: at most one write per event.
  const smaller = batchEvents < figures.benchBatchSize.value;
  const writesPerEvent = smaller ? 1 : measured.value;
  const held = partitionsPerItem(workload);
  const itemBytes = workload.keyedByUser ? figures.itemBytes[key]!.value : itemBytesFor(figures, workload.shape, held);
  const writeUnitsPerWrite = writeUnits(itemBytes, itemBytes);
  const writeUnitsPerEvent = writesPerEvent * writeUnitsPerWrite;
  const invocationTime = (events: number) => {
    const writes = events * writesPerEvent;
    return (
      (writes * figures.scorerCpuMsPerWrite.value) / vcpus(d.scorerMemoryMb, a) +
      Math.ceil(writes / d.writeConcurrency) * a.writeLatencyMs
    );
  };
  const invocationMs = invocationTime(batchEvents);
  const invocationsPerMillion = 1e6 / batchEvents;
  return {
    batchEvents,
    writesPerEvent,
    writesPerEventFrom: smaller
      ? `at most 1 (batches of ${Math.round(batchEvents)} are smaller than the bench's ${figures.benchBatchSize.value})`
      : measured.row,
    itemBytes,
    partitionsPerItem: held,
    writeUnitsPerWrite,
    writeUnitsPerEvent,
    invocationMs,
    maxEventsPerSecondPerPartition: d.batchSize / (invocationTime(d.batchSize) / 1000),
    dynamoPerMillion: 1e6 * writeUnitsPerEvent * prices.writeUnit,
    lambdaPerMillion:
      invocationsPerMillion *
      ((d.scorerMemoryMb / 1024) * (invocationMs / 1000) * prices.lambdaGbSecond + prices.lambdaRequest),
  };
}

/** One job run at a segment count and memory size: how long it takes and what it reads. */
function jobRun(
  users: number,
  itemBytes: number,
  segments: number,
  memoryMb: number,
  figures: BenchFigures,
  d: Deployment,
  a: Assumptions,
) {
  const candidates = users * figures.p95CandidatesPerUser.value;
  const scans = candidates > d.maxHeldUsers ? figures.streamPathScans.value : 1;
  const published = users * (1 - d.percentile / 100);
  const ioRate = segments * figures.scanItemsPerSecondPerSegment.value;
  const cpuRate = ((1000 * 1000) / figures.jobCpuMsPer1000Users.value) * vcpus(memoryMb, a);
  const scanItemsPerSecond = Math.min(ioRate, cpuRate);
  const scanSeconds = (scans * users) / scanItemsPerSecond;
  const publishSeconds = (published * figures.publishMsPer1000Published.value) / 1000 / 1000;
  // The job's own page size: each page's rounding up to 4 KB is half a unit at most.
  const pageItems = scanPageItems(segments);
  const readUnitsPerScan = Math.ceil(users / pageItems) * pageReadUnits(pageItems * itemBytes, false);
  return {
    scans,
    published,
    scanItemsPerSecond,
    cpuBound: cpuRate < ioRate,
    scanSeconds,
    publishSeconds,
    durationSeconds: scanSeconds + publishSeconds,
    readUnitsPerRun: scans * readUnitsPerScan,
  };
}

const MAX_SEGMENTS = 1024; // SCAN_SEGMENTS' upper bound

/**
 * The job at the deployed segments and memory, or with as many more segments (powers of two, up
 * to 1,024) as a run needs to finish within budget, then at one full vCPU. When nothing fits, the
 * segments that saturate a full vCPU, flagged.
 */
export function jobCost(
  workload: Workload,
  itemBytes: number,
  figures: BenchFigures,
  d: Deployment = DEPLOYED,
  prices: Prices = PRICES,
  a: Assumptions = ASSUMPTIONS,
): JobCost {
  const run = (segments: number, memoryMb: number) =>
    jobRun(workload.users, itemBytes, segments, memoryMb, figures, d, a);
  const memories = [...new Set([d.jobMemoryMb, Math.max(d.jobMemoryMb, a.mbPerVcpu * a.maxUsefulVcpus)])];
  let chosen: { segments: number; segmentsNeeded?: number; memoryMb: number } | undefined;
  for (const memoryMb of memories) {
    for (let segments = 1; segments <= MAX_SEGMENTS; segments *= 2) {
      if (run(segments, memoryMb).durationSeconds <= a.jobBudgetSeconds) {
        chosen = { segments: Math.max(segments, d.scanSegments), segmentsNeeded: segments, memoryMb };
        break;
      }
    }
    if (chosen) break;
  }
  if (chosen === undefined) {
    const memoryMb = memories.at(-1)!;
    let segments = 1;
    while (segments < MAX_SEGMENTS && run(segments, memoryMb).cpuBound === false) segments *= 2;
    chosen = { segments, memoryMb };
  }
  const { segments, segmentsNeeded, memoryMb } = chosen;
  const result = run(segments, memoryMb);
  return {
    ...result,
    segments,
    segmentsNeeded,
    memoryMb,
    fits: segmentsNeeded !== undefined,
    peakMemoryMib: figures.jobMaxRssMib.value,
    dynamoPerRun: result.readUnitsPerRun * prices.readUnit,
    lambdaPerRun: (memoryMb / 1024) * result.durationSeconds * prices.lambdaGbSecond + prices.lambdaRequest,
    runsPerDay: 1440 / workload.jobEveryMinutes,
  };
}

export function estimateCost(
  workload: Workload,
  figures: BenchFigures,
  d: Deployment = DEPLOYED,
  prices: Prices = PRICES,
  a: Assumptions = ASSUMPTIONS,
): CostEstimate {
  const scorer = scorerCost(workload, figures, d, prices, a);
  const job = jobCost(workload, scorer.itemBytes, figures, d, prices, a);
  const tableGb = (workload.users * (scorer.itemBytes + a.storageOverheadBytes)) / 1e9;
  const storagePerMonth = tableGb * prices.storageGbMonth;
  const millionEventsPerDay = (workload.eventsPerSecond * 86_400) / 1e6;
  const ingestion = millionEventsPerDay * (scorer.dynamoPerMillion + scorer.lambdaPerMillion);
  const jobPerDay = job.runsPerDay * (job.dynamoPerRun + job.lambdaPerRun);
  const storage = storagePerMonth / 30;
  return {
    workload,
    scorer,
    job,
    tableGb,
    storagePerMonth,
    kafkaRetainedGb:
      (workload.eventsPerSecond * 86_400 * workload.retentionDays * figures.kafkaBytesPerRecord.value) / 1e9,
    perDay: { ingestion, job: jobPerDay, storage, total: ingestion + jobPerDay + storage },
  };
}

/**
 * The table size from which the p95 candidates outgrow MAX_HELD_USERS and every run takes the streaming path's scans.
 */
export function streamPathFromUsers(figures: BenchFigures, d: Deployment = DEPLOYED): number {
  return d.maxHeldUsers / figures.p95CandidatesPerUser.value;
}

/**
 * Users per event/s at which the job's reads cost as much a day as the scorer's writes: above it the
 * full scan, not ingestion, is the larger DynamoDB bill. Keyed producers, at the bench's long-run item.
 */
export function readWriteCrossover(
  figures: BenchFigures,
  scans: number,
  jobEveryMinutes: number,
  shape: Workload['shape'] = 'uniform',
  prices: Prices = PRICES,
): number {
  const key = `${shape}.keyed.p${Math.min(...partitionsIn(figures.writesPerEvent))}`;
  const writeUnitsPerEvent =
    figures.writesPerEvent[key]!.value * writeUnits(figures.itemBytes[key]!.value, figures.itemBytes[key]!.value);
  const readUnitsPerUser = figures.itemBytes[key]!.value / 4096 / 2;
  const runsPerDay = 1440 / jobEveryMinutes;
  return (86_400 * writeUnitsPerEvent * prices.writeUnit) / (runsPerDay * scans * readUnitsPerUser * prices.readUnit);
}
