// The popular-users job on the local stack: exact sets at p95 on 100,000 seed-shaped and skewed users,
// with any segment count, a searched cutoff and a streamed publish; tiny tables; items without a score.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createPopularHandler, runPopularJob } from '../../lib/popular-job.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import {
  exactPopular,
  seedShapedScores,
  seedUserId,
  silentLogger,
  skewedScores,
  writeUserScores,
} from '../../local/fixtures/index.js';
import { freshScoresTable, readTopic, testKafka, stackClients } from '../support/stack.js';
import { jobConfig, messagesOn, readRun, scheduledEvent } from '../support/popular-job.js';

const { dynamo, producer } = stackClients('popular-test');

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
