// The popular-users job at its edges: requests at the broker's size limit, Kafka down or dying
// mid-run, and functions/popular.ts refusing bad settings at cold start and handing the cutoff
// search the invocation's remaining time.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { DEFAULT_MESSAGE_MAX_BYTES, loadPopularConfig } from '../../lib/core/config.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { createPopularHandler, runPopularJob, type PopularRunSummary } from '../../lib/popular-job.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import { maxPublishBatch, popularUserMessage, TRENDING_KEY_PREFIX } from '../../lib/core/popular-run.js';
import { startKafkaBroker } from '../../local/services/kafka-broker.js';
import { freePort } from '../../local/services/service-process.js';
import { continuousScores, seedShapedScores, silentLogger, writeUserScores } from '../../local/fixtures/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/clients.js';
import {
  freshScoresTable,
  freshTopic,
  stackEndpoints,
  testKafka,
  testKafkaSettings,
  stackClients,
} from '../support/stack.js';
import { jobConfig, scheduledEvent } from '../support/popular-job.js';

const { dynamo, producer } = stackClients('popular-test');

describe('popular-users job: requests within the broker limit', () => {
  it('the largest PUBLISH_BATCH_SIZE the config accepts fits the real broker with the longest user ids; 20% more per request is refused', async () => {
    // The job's client id rides in every message as run_source, so it counts towards the limit.
    // With trending on (the default) the trending run's keys are a byte longer, so its bound is the one checked.
    const batch = maxPublishBatch(DEFAULT_MESSAGE_MAX_BYTES, 'popular-test', TRENDING_KEY_PREFIX);
    const accepts =
      (size: number, env: Record<string, string> = {}) =>
      () =>
        loadPopularConfig({
          SCORES_TABLE: 't',
          KAFKA_BROKERS: 'b:9092',
          KAFKA_CLIENT_ID: 'popular-test',
          PUBLISH_BATCH_SIZE: String(size),
          ...env,
        });
    expect(accepts(batch)).not.toThrow();
    expect(accepts(batch + 1)).toThrow(/PUBLISH_BATCH_SIZE/);
    expect(accepts(maxPublishBatch(DEFAULT_MESSAGE_MAX_BYTES, 'popular-test'), { TRENDING_DAYS: '0' })).not.toThrow();
    // 128 characters JSON escapes to 6 bytes each: the largest id the scorer accepts, at its largest.
    const longId = (i: number) => `${i}`.padStart(8, '0') + '\u0001'.repeat(120);
    const users = Math.ceil(batch * 1.5);
    const config = await jobConfig(await freshScoresTable(dynamo, 'popular-long-ids'), {
      percentile: 0.01,
      scanSegments: 2,
      publishBatchSize: batch,
    });
    await writeUserScores(
      dynamo,
      config.scoresTable,
      Float64Array.from({ length: users }, (_, i) => 1e15 + i),
      { userId: longId },
    );
    const summary = await runPopularJob({ config, dynamo, producer });
    expect(summary.published).toBe(users - 1);
    const latest = await readLatestCompleteRun(testKafka(), config.popularTopic, { source: config.kafka.clientId });
    expect(latest).toMatchObject({ runId: summary.runId, count: users - 1 });

    // The limit is real: the same messages, 20% more of them in one request, are refused by the broker.
    const raw = await producer.get();
    const run = {
      runId: summary.runId,
      key: summary.runKey,
      startedAt: new Date(summary.startedAt),
      percentile: 0.01,
      source: 'popular-test',
    };
    const messages = Array.from({ length: Math.ceil(batch * 1.2) }, (_, i) =>
      popularUserMessage({ userId: longId(i), score: 1e15 + i }, run, 1e15),
    );
    await expect(raw.send(config.popularTopic, messages)).rejects.toThrow(/larger than the max message size/);
  }, 120_000);
});

describe('popular-users job failures', () => {
  let table = '';
  beforeAll(async () => {
    table = await freshScoresTable(dynamo, 'popular-fail');
    await writeUserScores(dynamo, table, seedShapedScores(200, 9));
  });

  it('rejects and logs an error, claiming nothing, when Kafka is down', async () => {
    // Nothing listens on a port just freed: a broker that is down.
    const deadProducer = new LazyProducer(
      createKafka({ ...testKafkaSettings('popular-dead'), brokers: [`127.0.0.1:${await freePort()}`] }),
    );
    const logger = silentLogger.createChild();
    const info = vi.spyOn(logger, 'info');
    const error = vi.spyOn(logger, 'error');
    try {
      const handler = createPopularHandler(
        { config: await jobConfig(table, { percentile: 50 }), dynamo, producer: deadProducer },
        logger,
      );
      await expect(handler(scheduledEvent)).rejects.toThrow();
      expect(info).not.toHaveBeenCalled();
      expect(error).toHaveBeenCalledTimes(1);
    } finally {
      await deadProducer.disconnect();
    }
  });

  it('rejects when the broker dies after the producer connected', async () => {
    // A private broker, so killing it disturbs no other test.
    const broker = await startKafkaBroker();
    const config = await jobConfig(table, {
      percentile: 50,
      kafka: { ...testKafkaSettings('popular-dying'), brokers: [broker.bootstrapServers] },
    });
    config.popularTopic = await freshTopic('popular-dying', 1, broker.bootstrapServers);
    const dyingProducer = new LazyProducer(createKafka(config.kafka));
    try {
      await dyingProducer.get();
      await broker.kill();
      await expect(runPopularJob({ config, dynamo, producer: dyingProducer })).rejects.toThrow();
    } finally {
      await dyingProducer.disconnect();
      await broker.stop();
    }
  });
});

describe('functions/popular.ts cold start', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    vi.resetModules();
  });

  async function importWith(env: Record<string, string>): Promise<unknown> {
    vi.resetModules();
    Object.assign(
      process.env,
      { SCORES_TABLE: 'scores', KAFKA_BROKERS: stackEndpoints().kafkaBrokers, PERCENTILE: '95', SCAN_SEGMENTS: '8' },
      env,
    );
    return import('../../functions/popular.js');
  }

  it('fails naming PERCENTILE when it is not strictly between 0 and 100', async () => {
    await expect(importWith({ PERCENTILE: '100' })).rejects.toThrow(/PERCENTILE=100/);
    await expect(importWith({ PERCENTILE: 'high' })).rejects.toThrow(/PERCENTILE=high/);
  });

  it('fails naming SCAN_SEGMENTS when it is not a positive integer', async () => {
    await expect(importWith({ SCAN_SEGMENTS: '0' })).rejects.toThrow(/SCAN_SEGMENTS=0/);
    await expect(importWith({ SCAN_SEGMENTS: '2.5' })).rejects.toThrow(/SCAN_SEGMENTS=2.5/);
  });

  it('loads with valid settings and exposes the handler', async () => {
    const module = (await importWith({})) as { handler: unknown };
    expect(typeof module.handler).toBe('function');
  });

  it("hands the invocation's remaining time to the cutoff search, which gives up before a pass it could not finish", async () => {
    const table = await freshScoresTable(dynamo, 'deadline');
    await writeUserScores(dynamo, table, continuousScores(3_000, 61));
    const module = (await importWith({
      SCORES_TABLE: table,
      POPULAR_TOPIC: await freshTopic('deadline-popular'),
      PERCENTILE: '50',
      SCAN_SEGMENTS: '2',
      // Below the popular set: the cutoff is searched.
      MAX_HELD_USERS: '1000',
      AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    })) as { handler: (event: ScheduledEvent, context: Context) => Promise<PopularRunSummary> };
    const context = (remaining: number) =>
      ({ awsRequestId: 'req-deadline', getRemainingTimeInMillis: () => remaining }) as unknown as Context;
    // A millisecond left after the first scan: not enough for a search pass and the publishing scan.
    await expect(module.handler(scheduledEvent, context(1))).rejects.toThrow(
      /stopped before search pass 1: .* remain before the function's time-out/,
    );
    const summary = await module.handler(scheduledEvent, context(600_000));
    expect(summary).toMatchObject({ publishPath: 'stream', usersScanned: 3_000 });
    expect(summary.passes).toBeGreaterThanOrEqual(3);
  });
});
