// One measured run in a process of its own, so its peak memory is its own: either the popular-users
// job or a bare parallel scan of the same table. Prints one `RESULT {json}` line for bench/job.ts.
import { createKafka, kafkaLibrary } from '../lib/adapters/kafka-client.js';
import { LazyProducer } from '../lib/adapters/producer.js';
import { scanScores, type RunDaySum } from '../lib/adapters/scan.js';
import { runPopularJob, type PopularRunSummary } from '../lib/popular-job.js';
import { DEFAULT_MESSAGE_MAX_BYTES, type PopularConfig } from '../lib/core/config.js';
import { localDynamoClient } from '../local/services/clients.js';
import { ownPeakRss } from './peak-rss.js';

export interface ChildRequest {
  mode: 'job' | 'scan';
  dynamoEndpoint: string;
  kafkaBrokers: string;
  table: string;
  segments: number;
  /** Items per scan request; DynamoDB's own 1 MB pages when absent. */
  pageLimit?: number;
  topic: string;
  /** The job's PERCENTILE; 95 when absent. */
  percentile?: number;
  /** The job's MAX_HELD_USERS; the default when absent. */
  maxHeldUsers?: number;
  /** TRENDING_DAYS and the trending topic: the trending set selected beside the all-time one; off when absent. */
  trending?: { days: number; topic: string };
  /** In 'scan' mode, the window sum the scan projects too, as the job's does with trending on. */
  window?: RunDaySum;
}

export interface ChildResult {
  ms: number;
  users: number;
  /** Resident set size before the run: Node, the loaded modules and the clients. */
  baseRss: number;
  /** This process's own high-water resident set (bench/peak-rss.ts), the figure Lambda reports as Max Memory Used. */
  maxRss: number;
  peakHeapUsed: number;
  /** CPU time (user + system) of this process during the run: what a Lambda's vCPU share must cover. */
  cpuMs: number;
  summary?: PopularRunSummary;
}

const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest;
const dynamo = localDynamoClient(request.dynamoEndpoint);
const kafka = {
  brokers: request.kafkaBrokers.split(','),
  clientId: 'bench-popular',
  ssl: false,
  sasl: 'none' as const,
};
const producer = new LazyProducer(createKafka(kafka));
// The job's init loads the Kafka client (functions/popular.ts); the run is timed after it, as Lambda times a handler.
if (request.mode === 'job') await kafkaLibrary();

const baseRss = process.memoryUsage().rss;
let peakHeapUsed = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  peakHeapUsed = Math.max(peakHeapUsed, process.memoryUsage().heapUsed);
}, 5);

const cpuBefore = process.cpuUsage();
const started = performance.now();
let users: number;
let summary: PopularRunSummary | undefined;
if (request.mode === 'scan') {
  users = (await scanScores(dynamo, request.table, request.segments, () => {}, request.pageLimit, request.window))
    .users;
} else {
  const config: PopularConfig = {
    scoresTable: request.table,
    percentile: request.percentile ?? 95,
    scanSegments: request.segments,
    popularTopic: request.topic,
    publishBatchSize: 1000,
    maxHeldUsers: request.maxHeldUsers ?? 250_000,
    messageMaxBytes: DEFAULT_MESSAGE_MAX_BYTES,
    kafka,
    ...(request.trending !== undefined && { trending: { ...request.trending, percentile: request.percentile ?? 95 } }),
  };
  summary = await runPopularJob({ config, dynamo, producer });
  users = summary.usersScanned;
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
peakHeapUsed = Math.max(peakHeapUsed, process.memoryUsage().heapUsed);

const result: ChildResult = {
  ms,
  users,
  baseRss,
  maxRss: ownPeakRss(),
  peakHeapUsed,
  cpuMs: (cpu.user + cpu.system) / 1000,
  summary,
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
await producer.disconnect();
dynamo.destroy();
process.exit(0);
