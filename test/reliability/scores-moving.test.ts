import { describe, expect, it } from 'vitest';
import { BatchWriteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_MESSAGE_MAX_BYTES, type PopularConfig } from '../../lib/core/config.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { runPopularJob } from '../../lib/popular-job.js';
import { dynamoScoreSource } from '../../lib/adapters/scan.js';
import { mapWithConcurrency } from '../../lib/core/concurrency.js';
import type { ScoreSource } from '../../lib/core/score-source.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import {
  continuousScores,
  exactCutoff,
  readSums,
  seededRandom,
  seedShapedScores,
  seedUserId,
  writeUserScores,
} from '../../local/fixtures/index.js';
import { freshScoresTable, freshTopic, testKafkaSettings, stackClients } from '../support/stack.js';

const { dynamo, producer } = stackClients('moving');
describe('reliability: scores rise while the job scans (the scan is not a snapshot)', () => {
  it('every run is complete and consistent with some moment of each user: bounds hold for the cutoff and every user', async () => {
    const users = 6_000;
    const initial = seedShapedScores(users, 53);
    const config: PopularConfig = {
      scoresTable: await freshScoresTable(dynamo, 'moving'),
      percentile: 20,
      scanSegments: 4,
      popularTopic: await freshTopic('moving-popular'),
      publishBatchSize: 200,
      // Below the popular set: the cutoff is searched and the publish streams from a later scan.
      maxHeldUsers: 1_000,
      messageMaxBytes: DEFAULT_MESSAGE_MAX_BYTES,
      kafka: testKafkaSettings('moving'),
    };
    await writeUserScores(dynamo, config.scoresTable, initial);

    // The scorer at work: random users gain 1-300 points, as long as the run lasts.
    let running = true;
    let updates = 0;
    const random = seededRandom(54);
    const writer = (async () => {
      while (running) {
        const user = seedUserId(Math.floor(random() * users));
        const delta = 1 + Math.floor(random() * 300);
        await dynamo.send(
          new UpdateItemCommand({
            TableName: config.scoresTable,
            Key: { user_id: { S: user } },
            UpdateExpression: 'ADD score :d',
            ExpressionAttributeValues: { ':d': { N: String(delta) } },
          }),
        );
        updates++;
      }
    })();
    const summary = await runPopularJob({ config, dynamo, producer }).finally(() => (running = false));
    await writer;
    expect(updates).toBeGreaterThan(0);
    expect(summary.publishPath).toBe('stream');

    const final = await readSums(dynamo, config.scoresTable);
    const run = await readLatestCompleteRun(createKafka(testKafkaSettings('moving-reader')), config.popularTopic, {
      source: config.kafka.clientId,
    });
    expect(run).toMatchObject({
      runId: summary.runId,
      count: summary.published,
      usersScanned: users,
      cutoff: summary.cutoff,
    });
    const cutoff = run!.cutoff!;
    // Scores only rise, so the cutoff of any moment lies between the initial and the final r-th smallest.
    expect(final.size).toBe(users);
    expect(cutoff).toBeGreaterThanOrEqual(exactCutoff(initial, config.percentile)!);
    expect(cutoff).toBeLessThanOrEqual(exactCutoff(final.values(), config.percentile)!);
    const published = new Map(run!.users.map((u) => [u.userId, u.score]));
    expect(published.size).toBe(run!.count);
    for (const [userId, score] of published) {
      const i = Number(userId) - 1;
      expect(score).toBeGreaterThan(cutoff);
      expect(score).toBeGreaterThanOrEqual(initial[i]!);
      expect(score).toBeLessThanOrEqual(final.get(userId)!);
    }
    // Above the cutoff from the start: read at or above that, so certainly published.
    for (let i = 0; i < users; i++)
      if (initial[i]! > cutoff) expect(published.has(seedUserId(i)), `user ${seedUserId(i)}`).toBe(true);
    // Never above the cutoff at any moment: never published.
    for (const [userId, score] of final)
      if (score <= cutoff) expect(published.has(userId), `user ${userId}`).toBe(false);
  }, 180_000);

  it('new users arriving during the cutoff search (p50, 1,000 held): the search follows the rank and the run is exact for the scan that decided', async () => {
    const users = 30_000;
    const initial = continuousScores(users, 55);
    const config: PopularConfig = {
      scoresTable: await freshScoresTable(dynamo, 'arriving'),
      percentile: 50,
      scanSegments: 4,
      popularTopic: await freshTopic('arriving-popular'),
      publishBatchSize: 500,
      maxHeldUsers: 1_000,
      messageMaxBytes: DEFAULT_MESSAGE_MAX_BYTES,
      kafka: testKafkaSettings('arriving'),
    };
    await writeUserScores(dynamo, config.scoresTable, initial);

    // Before every scan after the first, 1,000-5,000 newcomers with one to three points arrive: every scan
    // sees more users below the rank than the one before, so the rank keeps leaving a band placed where it was.
    let added = 0;
    const random = seededRandom(56);
    const addNewcomers = async (count: number) => {
      const requests = Array.from({ length: count }, () => ({
        PutRequest: { Item: { user_id: { S: `new-${added++}` }, score: { N: String(1 + Math.floor(random() * 3)) } } },
      }));
      const chunks = Array.from({ length: Math.ceil(requests.length / 25) }, (_, k) =>
        requests.slice(k * 25, k * 25 + 25),
      );
      await mapWithConcurrency(chunks, 8, async (chunk) => {
        let unprocessed: typeof chunk | undefined = chunk;
        while (unprocessed !== undefined && unprocessed.length > 0) {
          const out = await dynamo.send(
            new BatchWriteItemCommand({ RequestItems: { [config.scoresTable]: unprocessed } }),
          );
          unprocessed = out.UnprocessedItems?.[config.scoresTable] as typeof chunk | undefined;
        }
      });
    };
    const table = dynamoScoreSource(dynamo, config.scoresTable, config.scanSegments);
    let scans = 0;
    const source: ScoreSource = {
      segments: table.segments,
      scan: async (onPage) => {
        if (scans++ > 0) await addNewcomers(1_000 + Math.floor(random() * 4_001));
        return table.scan(onPage);
      },
    };
    const summary = await runPopularJob({ config, dynamo, producer, source });
    expect(added).toBeGreaterThan(0);
    expect(summary.publishPath).toBe('stream');
    // The first scan, the search passes, the publishing scan: 5 here, where the band left behind by the rank took 16.
    expect(summary.passes).toBeLessThanOrEqual(7);

    const final = await readSums(dynamo, config.scoresTable);
    const run = await readLatestCompleteRun(createKafka(testKafkaSettings('arriving-reader')), config.popularTopic, {
      source: config.kafka.clientId,
    });
    expect(run).toMatchObject({ runId: summary.runId, count: summary.published, cutoff: summary.cutoff });
    // Newcomers only ever lower the median: the cutoff of the deciding scan lies between the final one and the first.
    const cutoff = run!.cutoff!;
    expect(cutoff).toBeLessThanOrEqual(exactCutoff(initial, config.percentile)!);
    expect(cutoff).toBeGreaterThanOrEqual(exactCutoff(final.values(), config.percentile)!);
    // Nobody's score changed and every newcomer scores 3 at most: exactly the first users above the cutoff are popular.
    const expected = new Set<string>();
    for (let i = 0; i < users; i++) if (initial[i]! > cutoff) expected.add(seedUserId(i));
    expect(new Set(run!.users.map((u) => u.userId))).toEqual(expected);
  }, 300_000);
});
