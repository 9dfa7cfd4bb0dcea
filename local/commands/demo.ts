// `npm start`: the whole pipeline on this machine, end to end, with progress throughout and a report at the end.
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadPopularConfig, loadScorerConfig, type Env } from '../../lib/core/config.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { createScoreHandler } from '../../lib/score-batch.js';
import { runPopularJob, type PopularRunSummary } from '../../lib/popular-job.js';
import { startLocalStack, type LocalStack } from '../services/stack.js';
import { localDynamoClient } from '../services/clients.js';
import { ensureScoresTable } from '../services/tables.js';
import { ensureTopicsOn } from '../services/kafka-topics.js';
import { startEventSourceMapping } from '../event-source-mapping/mapping.js';
import { connectActivityProducer, defaultPopulation, produceDataSet, seededRandom } from '../generators/generate.js';
import { createProgressBar } from '../report/progress.js';
import type { StageTiming } from '../report/report.js';
import { readRunBack, readTrendingBack, writeDemoReport } from '../report/demo-report.js';
import { Interrupted, numberFlag, onStopSignal, runCommand } from './cli.js';
import { printSummary } from '../report/demo-output.js';
import { runContinuously } from './demo-continuous.js';

const USAGE = `Usage: npm start -- [options]
  --events N        events to produce (default 500000)
  --users N         distinct users (default 5000: about 100 events each, as in the seed)
  --days D          event times spread over the last D days, oldest first (default 14)
  --percentile P    popular = above this percentile (default 95)
  --segments N      parallel scan segments of the job (default 8)
  --batch-size N    records per scorer invocation, 1-10000 (default 10000)
  --continuous      stream events at --rate and run the job every --interval seconds until Ctrl-C
  --rate N          events per second in continuous mode (default 2000)
  --interval S      seconds between job runs in continuous mode (default 30)
  --report PATH     where to write the report (default report/popular-users.html)
Uses KAFKA_BROKERS and AWS_ENDPOINT_URL_DYNAMODB when both are set; otherwise starts its own local stack.`;

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string' },
    users: { type: 'string' },
    days: { type: 'string' },
    percentile: { type: 'string' },
    segments: { type: 'string' },
    'batch-size': { type: 'string' },
    continuous: { type: 'boolean', default: false },
    rate: { type: 'string' },
    interval: { type: 'string' },
    report: { type: 'string', default: 'report/popular-users.html' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

interface Pipeline {
  stack?: LocalStack;
  env: Env;
  names: { activityTopic: string; popularTopic: string; trendingTopic: string; scoresTable: string; dlqTopic: string };
}

/** Our own stack, or the external endpoints the user gave, with fresh names so earlier data does not mix in. */
async function bringUpPipeline(): Promise<Pipeline> {
  if (process.env.KAFKA_BROKERS && (process.env.AWS_ENDPOINT_URL_DYNAMODB || process.env.AWS_ENDPOINT_URL)) {
    const id = randomUUID().slice(0, 8);
    const names = {
      activityTopic: `activity-demo-${id}`,
      popularTopic: `popular_users-demo-${id}`,
      trendingTopic: `trending_users-demo-${id}`,
      scoresTable: `scores-demo-${id}`,
      dlqTopic: `activity-dlq-demo-${id}`,
    };
    console.log(
      `Using external endpoints: Kafka ${process.env.KAFKA_BROKERS}, DynamoDB ${process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL}`,
    );
    await ensureTopicsOn(process.env.KAFKA_BROKERS, [
      { topic: names.activityTopic, partitions: 4 },
      { topic: names.popularTopic, partitions: 1 },
      { topic: names.trendingTopic, partitions: 1 },
      { topic: names.dlqTopic, partitions: 1 },
    ]);
    const client = localDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL!);
    await ensureScoresTable(client, names.scoresTable);
    client.destroy();
    return { env: { ...process.env }, names };
  }
  const started = performance.now();
  process.stdout.write(`Node ${process.version}. Starting the local stack (DynamoDB Local + Kafka broker)... `);
  const stack = await startLocalStack();
  console.log(
    `up in ${((performance.now() - started) / 1000).toFixed(1)} s (Kafka ${stack.kafkaBrokers}, DynamoDB ${stack.dynamoEndpoint})`,
  );
  const env = { ...process.env, KAFKA_BROKERS: stack.kafkaBrokers, AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint };
  return { stack, env, names: stack.names };
}

async function main(): Promise<void> {
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const events = numberFlag('events', flags.events, 500_000, { integer: true, min: 1 });
  const users = numberFlag('users', flags.users, 5_000, { integer: true, min: 1 });
  const days = numberFlag('days', flags.days, 14, { integer: true, min: 1, max: 3650 });
  const batchSize = numberFlag('batch-size', flags['batch-size'], 10_000, { integer: true, min: 1, max: 10_000 });
  const rate = numberFlag('rate', flags.rate, 2_000, { min: 1 });
  const intervalS = numberFlag('interval', flags.interval, 30, { min: 1 });
  const seed = numberFlag('seed', flags.seed, 42, { integer: true });
  const pipeline = await bringUpPipeline();
  // From here on a signal stops the work at the next step, then the stack: never the stack first.
  const interrupted = onStopSignal((signal) =>
    console.log(`\n${signal}: finishing the work in flight, then stopping the local stack...`),
  );
  const untilInterrupted = <T>(work: Promise<T>): Promise<T> =>
    Promise.race([work, interrupted.then(() => Promise.reject(new Interrupted()))]);
  const { names } = pipeline;
  const env: Env = {
    ...pipeline.env,
    SCORES_TABLE: names.scoresTable,
    POPULAR_TOPIC: names.popularTopic,
    TRENDING_TOPIC: names.trendingTopic,
    DLQ_TOPIC: names.dlqTopic,
    ...(flags.percentile !== undefined && { PERCENTILE: flags.percentile }),
    ...(flags.segments !== undefined && { SCAN_SEGMENTS: flags.segments }),
  };
  const scorerConfig = loadScorerConfig(env);
  const jobConfig = loadPopularConfig(env);
  const dynamo = localDynamoClient(env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL!, 128);
  const kafka = createKafka({ ...scorerConfig.kafka, clientId: 'demo' });
  const deadLetters = new LazyProducer(kafka);
  const popularProducer = new LazyProducer(kafka);
  const producer = await connectActivityProducer(kafka);
  const population = defaultPopulation({ users });
  const random = seededRandom(seed);
  const quiet = new Logger({ serviceName: 'demo', logLevel: 'WARN' });

  const mapping = await startEventSourceMapping({
    kafka: scorerConfig.kafka,
    topic: names.activityTopic,
    groupId: `demo-${randomUUID().slice(0, 8)}`,
    batchSize,
    batchingWindowMs: 500,
    invoke: createScoreHandler({ config: scorerConfig, dynamo, deadLetters }, quiet),
  });
  const runJob = (onProgress?: (n: number) => void) =>
    runPopularJob({ config: jobConfig, dynamo, producer: popularProducer }, { onProgress });

  const report = { dynamo, kafka, jobConfig, names, reportPath: flags.report };
  const writeReport = (summary: PopularRunSummary, stages: StageTiming[]) => writeDemoReport(report, summary, stages);

  const produceBar = createProgressBar({ label: 'produce', total: events });

  const shutdown = async () => {
    await mapping.stop();
    await producer.close();
    await deadLetters.disconnect();
    await popularProducer.disconnect();
    dynamo.destroy();
    if (pipeline.stack) {
      await pipeline.stack.stop();
      console.log('Local stack stopped.');
    }
  };

  try {
    if (flags.continuous) {
      await runContinuously({
        interrupted,
        producer,
        topic: names.activityTopic,
        population,
        mapping,
        runJob,
        rate,
        intervalS,
        writeReport,
      });
      return;
    }
    const stages: StageTiming[] = [];
    console.log(
      `\nProducing ${events.toLocaleString('en-US')} events over ${users.toLocaleString('en-US')} users and the last ${days} days to ${names.activityTopic}, scored as they arrive`,
    );
    console.log(
      `through the event source mapping stand-in (batch size ${batchSize}) into DynamoDB table ${names.scoresTable}`,
    );
    const pipelineStarted = performance.now();
    const { sent: produced } = await untilInterrupted(
      produceDataSet(producer, names.activityTopic, {
        rows: events,
        population,
        random,
        overDays: { days },
        onProgress: (p) => produceBar.update(p.sent),
      }),
    );
    produceBar.finish(produced);
    stages.push({
      stage: 'produce to Kafka',
      seconds: (performance.now() - pipelineStarted) / 1000,
      items: produced,
      unit: 'events',
    });
    const scoreBar = createProgressBar({ label: 'score  ', total: events });
    const ticker = setInterval(() => scoreBar.update(mapping.stats().recordsCommitted), 250);
    try {
      await untilInterrupted(mapping.caughtUp());
    } finally {
      clearInterval(ticker);
    }
    const scored = mapping.stats().recordsCommitted;
    scoreBar.finish(scored);
    if (scored !== events)
      console.warn(`Warning: ${events - scored} events were produced but never scored; see docs/troubleshooting.md.`);
    stages.push({
      stage: 'score (Kafka -> stand-in -> scorer -> DynamoDB)',
      seconds: (performance.now() - pipelineStarted) / 1000,
      items: scored,
      unit: 'events',
    });

    console.log(`Running the popular-users job (${jobConfig.scanSegments} segments, p${jobConfig.percentile})`);
    const jobBar = createProgressBar({ label: 'scan', total: users + 1 });
    const summary = await untilInterrupted(runJob((n) => jobBar.update(n)));
    jobBar.finish(summary.usersScanned);
    stages.push({
      stage: 'popular-users job (scan, digest, cutoff, publish)',
      seconds: summary.totalMs / 1000,
      items: summary.usersScanned,
      unit: 'users',
    });

    const readStarted = performance.now();
    const popular = await readRunBack(report, summary);
    const trending = await readTrendingBack(report, summary);
    const read = popular.length + (trending?.length ?? 0);
    stages.push({
      stage: `read the runs back`,
      seconds: (performance.now() - readStarted) / 1000,
      items: read,
      unit: 'messages',
    });

    printSummary(summary, popular, stages, trending);
    await writeDemoReport(report, summary, stages, popular, trending);
  } finally {
    await shutdown();
  }
}

runCommand(main, USAGE);
