import { describe, expect, it } from 'vitest';
import { functionMemoryMb } from '../../bench/lambda-heap.js';
import {
  DEPLOYED,
  estimateCost,
  itemBytesFor,
  jobCost,
  nearestPartitions,
  partitionsPerItem,
  PRICES,
  scorerCost,
  type BenchFigures,
  type Workload,
} from '../../bench/cost-model.js';

const fig = (value: number) => ({ value, row: 'fixture' });
const byKey = (values: Record<string, number>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, fig(v)]));

// Round figures of the shape a bench run writes, so the arithmetic below can be followed by hand.
const FIGURES: BenchFigures = {
  scanItemsPerSecondPerSegment: fig(130_000),
  jobCpuMsPer1000Users: fig(4),
  publishMsPer1000Published: fig(20),
  jobMaxRssMib: fig(240),
  p95CandidatesPerUser: fig(0.068),
  streamPathScans: fig(3),
  scorerCpuMsPerWrite: fig(0.2),
  kafkaBytesPerRecord: fig(50),
  benchBatchSize: fig(100),
  writesPerEvent: byKey({
    'uniform.keyed.p4': 0.997,
    'uniform.keyed.p64': 0.991,
    'uniform.unkeyed.p4': 1,
    'uniform.unkeyed.p64': 1,
    'skewed.keyed.p4': 0.68,
    'skewed.unkeyed.p64': 0.9,
  }),
  itemBytes: byKey({
    'uniform.keyed.p4': 57,
    'uniform.keyed.p64': 58,
    'uniform.unkeyed.p4': 165,
    'uniform.unkeyed.p64': 2_433,
    'skewed.unkeyed.p4': 165,
    'skewed.unkeyed.p64': 2_433,
  }),
};

const workload = (over: Partial<Workload> = {}): Workload => ({
  users: 1_000_000,
  eventsPerSecond: 1_000,
  partitions: 4,
  keyedByUser: true,
  shape: 'uniform',
  jobEveryMinutes: 5,
  retentionDays: 7,
  tableAgeDays: 30,
  ...over,
});

describe('the scorer: write units per event', () => {
  it('keyed by user: the measured writes per event, one unit each, $0.625 per million write units', () => {
    const s = scorerCost(workload(), FIGURES);
    expect(s.batchEvents).toBe(100); // 250 events/s per partition fill a batch of 100 within the 1 s window
    expect(s.writesPerEvent).toBe(0.997);
    expect(s.writeUnitsPerWrite).toBe(1);
    expect(s.dynamoPerMillion).toBeCloseTo(0.997 * 0.625, 6);
  });

  it('batches smaller than the bench measured are charged one write per event, the bound', () => {
    const s = scorerCost(workload({ partitions: 64 }), FIGURES);
    expect(s.batchEvents).toBeCloseTo(15.625, 6);
    expect(s.writesPerEvent).toBe(1);
    expect(s.writesPerEventFrom).toMatch(/at most 1/);
  });

  it('producers without keys: an item that has gathered every partition costs 3 units per write at 64 partitions', () => {
    const s = scorerCost(workload({ keyedByUser: false, partitions: 64, eventsPerSecond: 10_000 }), FIGURES);
    expect(s.partitionsPerItem).toBeCloseTo(64, 3);
    expect(s.itemBytes).toBeCloseTo(2_433, 0);
    expect(s.writeUnitsPerEvent).toBe(3);
  });

  it('a lane takes what its invocations allow: CPU scaled to the 512 MB share of a vCPU plus one latency per 32 writes', () => {
    const s = scorerCost(workload(), FIGURES);
    const writes = 100 * 0.997;
    const ms = (writes * 0.2) / (512 / 1769) + Math.ceil(writes / 32) * 5;
    expect(s.invocationMs).toBeCloseTo(ms, 6);
    expect(s.maxEventsPerSecondPerPartition).toBeCloseTo(100 / (ms / 1000), 6);
  });
});

describe('item growth', () => {
  it("counts the distinct partitions an unkeyed user's events reach, at least one", () => {
    expect(partitionsPerItem(workload({ keyedByUser: true, partitions: 64 }))).toBe(1);
    // 1,000 events/s over 100M users for a day: 0.86 events each.
    expect(
      partitionsPerItem(workload({ keyedByUser: false, partitions: 64, users: 100_000_000, tableAgeDays: 1 })),
    ).toBe(1);
    // ... and for 30 days: 26 events each, over 21 of the 64 partitions.
    expect(partitionsPerItem(workload({ keyedByUser: false, partitions: 64, users: 100_000_000 }))).toBeCloseTo(
      21.45,
      2,
    );
    const many = partitionsPerItem(
      workload({ keyedByUser: false, partitions: 64, users: 1_000_000, eventsPerSecond: 10 }),
    );
    expect(many).toBeCloseTo(64 * (1 - (63 / 64) ** ((10 * 86_400 * 30) / 1e6)), 9);
  });

  it('interpolates item bytes per partition held between the two measured partition counts', () => {
    expect(itemBytesFor(FIGURES, 'uniform', 4)).toBe(165);
    expect(itemBytesFor(FIGURES, 'uniform', 64)).toBe(2_433);
    expect(itemBytesFor(FIGURES, 'uniform', 34)).toBe((165 + 2_433) / 2);
  });

  it('reads the bench row with the nearest partition count', () => {
    expect(nearestPartitions([4, 64], 12)).toBe(4);
    expect(nearestPartitions([4, 64], 24)).toBe(64);
  });
});

describe('the job', () => {
  it('1M users: one scan at the deployed 8 segments (one would do), and the read units follow the bytes scanned', () => {
    const j = jobCost(workload(), 57, FIGURES);
    expect(j.scans).toBe(1); // 68,000 candidates fit in MAX_HELD_USERS
    expect(j.segmentsNeeded).toBe(1);
    expect(j.segments).toBe(8);
    // 8 segments could read 1,040,000 items/s; 1,024 MB buys 0.58 of a vCPU, which parses 144,700.
    expect(j.cpuBound).toBe(true);
    expect(j.scanSeconds).toBeCloseTo(1e6 / ((1e6 / 4) * (1024 / 1769)), 6);
    expect(j.publishSeconds).toBeCloseTo((50_000 * 20) / 1e6, 6);
    // 200 pages of 5,000 items of 57 bytes: 70 started 4 KB blocks each, halved.
    expect(j.readUnitsPerRun).toBe(200 * 35);
    expect(j.dynamoPerRun).toBeCloseTo(7_000 * PRICES.readUnit, 12);
    expect(j.runsPerDay).toBe(288);
  });

  it('100M users: the candidates outgrow MAX_HELD_USERS, three scans, CPU-bound, and it does not fit one invocation', () => {
    const j = jobCost(workload({ users: 100_000_000 }), 57, FIGURES);
    expect(j.scans).toBe(3);
    expect(j.cpuBound).toBe(true);
    expect(j.fits).toBe(false);
    expect(j.segmentsNeeded).toBeUndefined();
    expect(j.memoryMb).toBe(1769);
    // A full vCPU parses 250,000 items/s: two segments of 130,000 saturate it.
    expect(j.segments).toBe(2);
  });

  it('adds segments (powers of two) beyond the deployed ones when a run needs them to finish within budget', () => {
    const slowSegments = { ...FIGURES, scanItemsPerSecondPerSegment: fig(2_000) };
    const j = jobCost(workload(), 57, slowSegments);
    // 1M users within 720 s less a 1 s publish: 1,391 items/s, which one segment of 2,000 items/s gives.
    expect([j.segmentsNeeded, j.segments]).toEqual([1, 8]);
    const slower = jobCost(workload(), 57, { ...FIGURES, scanItemsPerSecondPerSegment: fig(100) });
    // 1,391 items/s at 100 a segment: 16 segments.
    expect([j.fits, slower.segmentsNeeded, slower.segments]).toEqual([true, 16, 16]);
  });
});

describe('estimateCost', () => {
  it('adds ingestion, the job and storage per day', () => {
    const e = estimateCost(workload(), FIGURES);
    const ingestion = 86.4 * (e.scorer.dynamoPerMillion + e.scorer.lambdaPerMillion);
    expect(e.perDay.ingestion).toBeCloseTo(ingestion, 9);
    expect(e.perDay.job).toBeCloseTo(288 * (e.job.dynamoPerRun + e.job.lambdaPerRun), 9);
    expect(e.tableGb).toBeCloseTo((1e6 * (57 + 100)) / 1e9, 9);
    expect(e.perDay.total).toBeCloseTo(e.perDay.ingestion + e.perDay.job + e.perDay.storage, 9);
    expect(e.kafkaRetainedGb).toBeCloseTo((1_000 * 86_400 * 7 * 50) / 1e9, 9);
  });
});

describe('DEPLOYED', () => {
  it("holds serverless.yml's memory sizes", () => {
    expect(DEPLOYED.scorerMemoryMb).toBe(functionMemoryMb('score'));
    expect(DEPLOYED.jobMemoryMb).toBe(functionMemoryMb('popular'));
  });
});
