// The bench counts capacity units with a middleware on the client the scorer writes through; it must
// count what DynamoDB Local reports and leave every request's outcome as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadScorerConfig } from '../../lib/core/config.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { scanScores } from '../../lib/adapters/scan.js';
import { createScoreHandler } from '../../lib/score-batch.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN } from '../../local/event-source-mapping/msk-event.js';
import { activityRecords, readSums, sorted } from '../../local/fixtures/index.js';
import { trackConsumedCapacity } from '../../bench/consumed-capacity.js';
import { freshScoresTable, stackEndpoints, testDynamo, testKafkaSettings } from '../support/stack.js';

const logger = new Logger({ serviceName: 'capacity-test', logLevel: 'ERROR' });
let plain: DynamoDBClient;
let deadLetters: LazyProducer;
const counted: DynamoDBClient[] = [];

/** A client of its own with the counting middleware on it. */
function countedClient() {
  const client = testDynamo();
  counted.push(client);
  return { tracked: client, tally: trackConsumedCapacity(client) };
}

beforeAll(() => {
  plain = testDynamo();
  deadLetters = new LazyProducer(createKafka(testKafkaSettings('capacity-test')));
});
afterAll(async () => {
  await deadLetters.disconnect();
  plain.destroy();
  for (const client of counted) client.destroy();
});

describe('trackConsumedCapacity', () => {
  it('adds up the write units DynamoDB Local reports, a kilobyte boundary included', async () => {
    const { tracked, tally } = countedClient();
    const table = await freshScoresTable(plain);
    // user_id (7) + "u1" (2) + "p" (1) + the padding: 1,024 bytes is one unit, 1,025 two.
    const put = (pad: number) =>
      tracked.send(new PutItemCommand({ TableName: table, Item: { user_id: { S: 'u1' }, p: { S: 'x'.repeat(pad) } } }));
    const first = await put(1014);
    expect(tally.writeUnits).toBe(1);
    await put(1015);
    expect(tally.writeUnits).toBe(3);
    expect(tally.requests).toBe(2);
    // The caller gets DynamoDB's answer, now with the capacity it would not have asked for.
    expect(first.$metadata.httpStatusCode).toBe(200);
    expect(first.ConsumedCapacity?.CapacityUnits).toBe(1);
  });

  it("leaves a refused condition as it was: the caller's exception, counted as failed", async () => {
    const { tracked, tally } = countedClient();
    const table = await freshScoresTable(plain);
    const refused = tracked.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { user_id: { S: 'nobody' } },
        UpdateExpression: 'SET score = :s',
        ConditionExpression: 'attribute_exists(score)',
        ExpressionAttributeValues: { ':s': { N: '1' } },
      }),
    );
    await expect(refused).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(tally.failed).toBe(1);
    expect(tally.writeUnits).toBe(0);
  });

  it("the scorer writes the same scores through a counted client, one unit per small item's write, and the job's scan reads half a unit per page", async () => {
    const { tracked, tally } = countedClient();
    const records = activityRecords(200, 60, { partitions: 2, seed: 9 });
    const event = buildMskEvent(records, {
      eventSourceArn: LOCAL_CLUSTER_ARN,
      bootstrapServers: stackEndpoints().kafkaBrokers,
    });
    const scoreWith = async (client: DynamoDBClient) => {
      const config = {
        ...loadScorerConfig({ SCORES_TABLE: 'unset', KAFKA_BROKERS: stackEndpoints().kafkaBrokers }),
        scoresTable: await freshScoresTable(plain),
      };
      const summary = await createScoreHandler({ config, dynamo: client, deadLetters }, logger)(event);
      return { summary, table: config.scoresTable };
    };
    const withTally = await scoreWith(tracked);
    const without = await scoreWith(plain);
    expect(withTally.summary.writes).toBe(without.summary.writes);
    expect(sorted(await readSums(plain, withTally.table))).toEqual(sorted(await readSums(plain, without.table)));
    expect(tally.writeUnits).toBe(withTally.summary.writes);

    tally.reset();
    // 60 items of about 50 bytes: each segment's pages hold well under 4 KB.
    const { pages } = await scanScores(tracked, withTally.table, 2, () => {});
    expect(tally.readUnits).toBe(pages * 0.5);
  });
});
