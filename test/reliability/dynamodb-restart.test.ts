import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { createScoreHandler } from '../../lib/score-batch.js';
import { DEFAULT_SCORE_WEIGHTS, type ScorerConfig } from '../../lib/core/config.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/services/dynamodb-local.js';
import { freePort } from '../../local/services/service-process.js';
import { localDynamoClient } from '../../local/services/clients.js';
import { ensureScoresTable } from '../../local/services/tables.js';
import { testKafkaSettings, uniqueName } from '../support/stack.js';
import { eventOf } from '../support/scorer.js';
import { activityRecords, expectedSums, readSums, silentLogger, sorted } from '../../local/fixtures/index.js';

// A private DynamoDB Local on disk and on a fixed port, so it can die and come back at the same endpoint with its data.
const dataDir = mkdtempSync(join(tmpdir(), 'dynamo-restart-'));
let port = 0;
let db: DynamoDbLocal | undefined;
let scorerClient: DynamoDBClient;
let observer: DynamoDBClient;
const deadLetters = new LazyProducer(createKafka(testKafkaSettings('dynamo-restart')));

beforeAll(async () => {
  port = await freePort();
  db = await startDynamoDbLocal({ port, dbPath: dataDir });
  scorerClient = localDynamoClient(db.endpoint);
  observer = localDynamoClient(db.endpoint, 2);
});

afterAll(async () => {
  scorerClient?.destroy();
  observer?.destroy();
  await deadLetters.disconnect();
  await db?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function itemCount(table: string): Promise<number> {
  const out = await observer.send(new ScanCommand({ TableName: table, Select: 'COUNT' }));
  return out.Count ?? 0;
}

describe('reliability: DynamoDB Local stopped in the middle of a batch', () => {
  it('fails the invocation; after a restart the retry of the same event succeeds and the sums are exact', async () => {
    const table = uniqueName('restart');
    await ensureScoresTable(scorerClient, table);
    const records = activityRecords(3_000, 1_500, { topic: uniqueName('restart-activity'), seed: 23 });
    const users = expectedSums(records).size;
    const config: ScorerConfig = {
      scoresTable: table,
      weights: DEFAULT_SCORE_WEIGHTS,
      dlqTopic: uniqueName('restart-dlq'),
      writeConcurrency: 4,
      kafka: testKafkaSettings('dynamo-restart'),
    };
    // One handler, one client, as in a warm Lambda container that outlives the outage.
    const handle = createScoreHandler({ config, dynamo: scorerClient, deadLetters }, silentLogger);
    const event = eventOf(records);

    const first = handle(event);
    first.catch(() => undefined);
    while ((await itemCount(table)) < 100) await new Promise((r) => setTimeout(r, 20));
    await db!.stop();
    await expect(first).rejects.toThrow();

    db = await startDynamoDbLocal({ port, dbPath: dataDir });
    const partial = await readSums(observer, table);
    expect(partial.size).toBeGreaterThanOrEqual(100);
    expect(partial.size).toBeLessThan(users);

    const retry = await handle(event);
    expect(retry.alreadyAppliedUsers).toBe(partial.size);
    expect(sorted(await readSums(observer, table))).toEqual(sorted(expectedSums(records)));
  });
});
