import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { DEFAULT_MESSAGE_MAX_BYTES, loadPopularConfig, type PopularConfig } from '../../lib/core/config.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { createPopularHandler, runPopularJob, type PopularRunSummary } from '../../lib/popular-job.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import { topicBounds } from '../../lib/adapters/topic-scan.js';
import { maxPublishBatch, popularUserMessage, TRENDING_KEY_PREFIX } from '../../lib/core/popular-run.js';
import { startKafkaBroker } from '../../local/services/kafka-broker.js';
import { freePort } from '../../local/services/service-process.js';
import {
  continuousScores,
  exactPopular,
  seedShapedScores,
  seedUserId,
  silentLogger,
  skewedScores,
  writeUserScores,
} from '../../local/fixtures/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/clients.js';
import {
  freshScoresTable,
  freshTopic,
  readTopic,
  stackEndpoints,
  testKafka,
  testKafkaSettings,
  stackClients,
} from '../support/stack.js';

const { dynamo, producer } = stackClients('popular-test');

async function jobConfig(scoresTable: string, overrides: Partial<PopularConfig> = {}): Promise<PopularConfig> {
  return {
    scoresTable,
    percentile: 95,
    scanSegments: 8,
    popularTopic: await freshTopic('popular'),
    publishBatchSize: 1000,
    maxHeldUsers: 250_000,
    messageMaxBytes: DEFAULT_MESSAGE_MAX_BYTES,
    kafka: testKafkaSettings('popular-test'),
    ...overrides,
  };
}

interface PublishedUser {
  user_id: string;
  score: number;
  cutoff: number;
  percentile: number;
}

/**
 * Reads a run's messages back from Kafka with a consumer: its users, each carrying the run's
 * identity, then its run-end marker; and checks the lib reader returns the same run as complete.
 */
async function readRun(summary: PopularRunSummary): Promise<Map<string, number>> {
  const messages = (await readTopic(summary.topic, summary.published + 1)).filter((m) => m.key === summary.runKey);
  expect(messages).toHaveLength(summary.published + 1);
  const marker = messages.at(-1)!;
  // run_source: the job's client id, which names the stage on AWS (<service>-<stage>-popular).
  expect(marker.headers).toEqual({
    run_id: summary.runId,
    run_started_at: summary.startedAt,
    run_source: 'popular-test',
    run_end: 'true',
  });
  expect(JSON.parse(marker.value!.toString())).toEqual({
    run_id: summary.runId,
    count: summary.published,
    cutoff: summary.cutoff,
    percentile: summary.percentile,
    users_scanned: summary.usersScanned,
  });
  const users = new Map<string, number>();
  for (const message of messages.slice(0, -1)) {
    expect(message.headers).toEqual({
      run_id: summary.runId,
      run_started_at: summary.startedAt,
      run_source: 'popular-test',
    });
    const value = JSON.parse(message.value!.toString()) as PublishedUser;
    expect(value).toEqual({
      user_id: value.user_id,
      score: value.score,
      cutoff: summary.cutoff,
      percentile: summary.percentile,
    });
    users.set(value.user_id, value.score);
  }
  expect(users.size).toBe(messages.length - 1); // nobody twice

  const latest = await readLatestCompleteRun(testKafka(), summary.topic, { source: 'popular-test' });
  if (latest?.runId === summary.runId) {
    expect(latest).toMatchObject({
      key: summary.runKey,
      startedAt: summary.startedAt,
      source: 'popular-test',
      count: summary.published,
      cutoff: summary.cutoff,
      usersScanned: summary.usersScanned,
    });
    expect(new Map(latest.users.map((u) => [u.userId, u.score]))).toEqual(users);
  }
  return users;
}

/** Messages on a topic, read from its offsets: proves that nothing was published. */
async function messagesOn(topic: string): Promise<number> {
  return (await topicBounds(testKafka(), topic)).reduce((sum, b) => sum + b.end - b.start, 0);
}

const scheduledEvent = {
  id: 'schedule-1',
  time: new Date().toISOString(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
} as ScheduledEvent;

describe('popular-users job on 100,000 users', () => {
  const seedShaped = seedShapedScores(100_000, 101);
  const skewed = skewedScores(100_000, 102);
  let seedTable = '';
  let skewedTable = '';

  beforeAll(async () => {
    [seedTable, skewedTable] = await Promise.all([
      freshScoresTable(dynamo, 'popular-seed'),
      freshScoresTable(dynamo, 'popular-skew'),
    ]);
    await Promise.all([writeUserScores(dynamo, seedTable, seedShaped), writeUserScores(dynamo, skewedTable, skewed)]);
  }, 300_000);

  it('publishes exactly the users above the 95th percentile of seed-shaped scores (F1 = 1) in one pass', async () => {
    const progress: number[] = [];
    const summary = await runPopularJob(
      { config: await jobConfig(seedTable), dynamo, producer },
      { onProgress: (n) => progress.push(n) },
    );
    const expected = exactPopular(seedShaped, 95);
    expect(summary).toMatchObject({
      usersScanned: 100_000,
      segments: 8,
      passes: 1,
      cutoff: expected.cutoff,
      popularCount: expected.users.size,
      published: expected.users.size,
    });
    expect(Math.abs(summary.estimatedCutoff! - expected.cutoff!)).toBeLessThanOrEqual(1);
    expect(summary.candidatesKept).toBeLessThan(20_000); // a small multiple of ~5,000 popular users, not 100,000
    expect(progress.at(-1)).toBe(100_000);
    expect(await readRun(summary)).toEqual(expected.users);
  });

  it('publishes exactly the users above the 95th percentile of skewed scores', async () => {
    const summary = await runPopularJob({ config: await jobConfig(skewedTable), dynamo, producer });
    const expected = exactPopular(skewed, 95);
    expect(summary).toMatchObject({ usersScanned: 100_000, cutoff: expected.cutoff, published: expected.users.size });
    expect(await readRun(summary)).toEqual(expected.users);
  });

  it('publishes the same set with 1 segment and with 16', async () => {
    const one = await runPopularJob({
      config: await jobConfig(seedTable, { scanSegments: 1, percentile: 99 }),
      dynamo,
      producer,
    });
    const sixteen = await runPopularJob({
      config: await jobConfig(seedTable, { scanSegments: 16, percentile: 99 }),
      dynamo,
      producer,
    });
    expect([one.segments, sixteen.segments]).toEqual([1, 16]);
    const expected = exactPopular(seedShaped, 99);
    const [fromOne, fromSixteen] = [await readRun(one), await readRun(sixteen)];
    expect(fromOne).toEqual(fromSixteen);
    expect(fromOne).toEqual(expected.users);
  });

  it('falls back to searching the cutoff when the thresholds overshoot, and the set is still exact', async () => {
    const summary = await runPopularJob(
      { config: await jobConfig(skewedTable, { percentile: 90 }), dynamo, producer },
      { selection: { margin: -0.04 } },
    );
    const expected = exactPopular(skewed, 90);
    expect(summary.passes).toBeGreaterThanOrEqual(3);
    expect(summary).toMatchObject({ cutoff: expected.cutoff, published: expected.users.size, publishPath: 'stream' });
    expect(await readRun(summary)).toEqual(expected.users);
  });

  it('p1 with a budget of 2,000 held users: the cutoff is searched, the publish streams from a last scan, the set is exact', async () => {
    const scores = seedShapedScores(20_000, 103);
    const config = await jobConfig(await freshScoresTable(dynamo, 'popular-p1'), {
      percentile: 1,
      maxHeldUsers: 2_000,
      scanSegments: 4,
      publishBatchSize: 500,
    });
    await writeUserScores(dynamo, config.scoresTable, scores);
    const summary = await runPopularJob({ config, dynamo, producer });
    const expected = exactPopular(scores, 1);
    expect(summary).toMatchObject({
      usersScanned: 20_000,
      cutoff: expected.cutoff,
      published: expected.users.size,
      publishPath: 'stream',
    });
    // Never more users held than the budget and the page that crossed it (5,000-item pages).
    expect(summary.candidatesKept).toBeLessThanOrEqual(2_000 + 5_000);
    const latest = await readLatestCompleteRun(testKafka(), config.popularTopic, {
      source: config.kafka.clientId,
      timeoutMs: 90_000,
    });
    expect(latest).toMatchObject({ runId: summary.runId, count: expected.users.size, cutoff: expected.cutoff });
    expect(new Map(latest!.users.map((u) => [u.userId, u.score]))).toEqual(expected.users);
  }, 180_000);
});

describe('popular-users job on tiny tables', () => {
  it('an empty table publishes only its run-end marker, with no cutoff', async () => {
    const config = await jobConfig(await freshScoresTable(dynamo, 'popular-empty'));
    const summary = await runPopularJob({ config, dynamo, producer });
    expect(summary).toMatchObject({
      usersScanned: 0,
      popularCount: 0,
      published: 0,
      cutoff: null,
      estimatedCutoff: null,
      passes: 1,
    });
    expect(await messagesOn(config.popularTopic)).toBe(1);
    expect(await readRun(summary)).toEqual(new Map());
    expect(
      await readLatestCompleteRun(testKafka(), config.popularTopic, { source: config.kafka.clientId }),
    ).toMatchObject({
      runId: summary.runId,
      count: 0,
      cutoff: null,
      usersScanned: 0,
      users: [],
    });
  });

  it('one user is never above the percentile of itself: an empty run, complete by its marker', async () => {
    const config = await jobConfig(await freshScoresTable(dynamo, 'popular-one'));
    await writeUserScores(dynamo, config.scoresTable, [17]);
    const summary = await runPopularJob({ config, dynamo, producer });
    expect(summary).toMatchObject({ usersScanned: 1, cutoff: 17, popularCount: 0, published: 0 });
    expect(
      await readLatestCompleteRun(testKafka(), config.popularTopic, { source: config.kafka.clientId }),
    ).toMatchObject({
      runId: summary.runId,
      count: 0,
      cutoff: 17,
      usersScanned: 1,
      users: [],
    });
  });

  it('all scores equal: nobody strictly above, and the run says so rather than looking failed', async () => {
    const config = await jobConfig(await freshScoresTable(dynamo, 'popular-equal'), {
      percentile: 50,
      scanSegments: 3,
    });
    await writeUserScores(dynamo, config.scoresTable, new Array(300).fill(5));
    const summary = await runPopularJob({ config, dynamo, producer });
    expect(
      await readLatestCompleteRun(testKafka(), config.popularTopic, { source: config.kafka.clientId }),
    ).toMatchObject({
      runId: summary.runId,
      count: 0,
      cutoff: 5,
      usersScanned: 300,
      users: [],
    });
  });

  it('ten users at p80 publish the two above the 8th smallest; a second run is told apart by its run id', async () => {
    const scores = [4, 9, 1, 7, 10, 2, 8, 3, 6, 5];
    const config = await jobConfig(await freshScoresTable(dynamo, 'popular-ten'), {
      percentile: 80,
      scanSegments: 4,
      publishBatchSize: 1,
    });
    await writeUserScores(dynamo, config.scoresTable, scores);
    const first = await runPopularJob({ config, dynamo, producer });
    expect(first).toMatchObject({ usersScanned: 10, cutoff: 8, published: 2 });
    expect(await readRun(first)).toEqual(
      new Map([
        [seedUserId(1), 9],
        [seedUserId(4), 10],
      ]),
    );

    const second = await runPopularJob({ config, dynamo, producer });
    const all = await readTopic(config.popularTopic, 6);
    expect(new Set(all.map((m) => m.headers.run_id))).toEqual(new Set([first.runId, second.runId]));
    expect(first.runId).not.toBe(second.runId);
    expect(
      (await readLatestCompleteRun(testKafka(), config.popularTopic, { source: config.kafka.clientId }))?.runId,
    ).toBe(second.runId);
  });

  it('gives two overlapping runs of one process different keys, each holding only its own messages', async () => {
    const config = await jobConfig(await freshScoresTable(dynamo, 'popular-overlap'), {
      percentile: 50,
      scanSegments: 2,
    });
    await writeUserScores(dynamo, config.scoresTable, [1, 2, 3, 4, 5, 6]);
    const [a, b] = await Promise.all([
      runPopularJob({ config, dynamo, producer }),
      runPopularJob({ config, dynamo, producer }),
    ]);
    expect(a.runKey).not.toBe(b.runKey);
    const all = await readTopic(config.popularTopic, a.published + b.published + 2);
    for (const run of [a, b]) {
      const mine = all.filter((m) => m.key === run.runKey);
      expect(mine).toHaveLength(run.published + 1);
      expect(new Set(mine.map((m) => m.headers.run_id))).toEqual(new Set([run.runId]));
    }
  });
});

describe('popular-users job: items without a numeric score', () => {
  it('are left out of the run, counted in the summary and logged as a warning', async () => {
    const config = await jobConfig(await freshScoresTable(dynamo, 'popular-unscored'), {
      percentile: 80,
      scanSegments: 2,
    });
    await writeUserScores(dynamo, config.scoresTable, [4, 9, 1, 7, 10, 2, 8, 3, 6, 5]);
    const odd: Record<string, AttributeValue>[] = [
      { user_id: { S: 'no-score' } },
      { user_id: { S: 'text-score' }, score: { S: '12' } },
      { user_id: { S: 'flag-score' }, score: { BOOL: true } },
    ];
    for (const Item of odd) await dynamo.send(new PutItemCommand({ TableName: config.scoresTable, Item }));
    const logger = silentLogger.createChild();
    const warn = vi.spyOn(logger, 'warn');
    const summary = await createPopularHandler({ config, dynamo, producer }, logger)(scheduledEvent);
    expect(summary).toMatchObject({ usersScanned: 10, unscoredItems: 3, cutoff: 8, published: 2 });
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/without a user_id string and a numeric score/),
      expect.objectContaining({ unscoredItems: 3 }),
    );
  });
});

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
