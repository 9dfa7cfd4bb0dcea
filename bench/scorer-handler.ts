// Scorer handler throughput on DynamoDB Local next to the raw UpdateItem rate of the same client, same run.
// Usage: npx tsx bench/scorer-handler.ts [--batches 10] [--batch-size 10000] [--users 100000]
import { parseArgs } from 'node:util';
import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { startLocalStack } from '../local/stack.js';
import { localDynamoClient } from '../local/clients.js';
import { ensureScoresTable } from '../local/tables.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN } from '../local/msk-event.js';
import { createKafka } from '../lib/kafka.js';
import { LazyProducer } from '../lib/publish.js';
import { createScoreHandler } from '../lib/score-batch.js';
import { loadScorerConfig } from '../lib/config.js';
import { mapWithConcurrency } from '../lib/concurrency.js';
import { activityRecords } from '../test/support/scores.js';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '10' }, 'batch-size': { type: 'string', default: '10000' }, users: { type: 'string', default: '100000' }, concurrency: { type: 'string', default: '32' } } });
const batches = Number(values.batches), batchSize = Number(values['batch-size']), users = Number(values.users), concurrency = Number(values.concurrency);

async function rawUpdates(client: DynamoDBClient, table: string, count: number): Promise<number> {
  const keys = Array.from({ length: count }, (_, i) => String(1000 + ((i * 7919) % users)));
  const started = performance.now();
  await mapWithConcurrency(keys, concurrency, async (key) => {
    await client.send(new UpdateItemCommand({ TableName: table, Key: { user_id: { S: key } }, UpdateExpression: 'ADD #s :d', ExpressionAttributeNames: { '#s': 'score' }, ExpressionAttributeValues: { ':d': { N: '1' } } }));
  });
  return count / ((performance.now() - started) / 1000);
}

const stack = await startLocalStack();
try {
  const client = localDynamoClient(stack.dynamoEndpoint);
  await ensureScoresTable(client, 'raw');
  await ensureScoresTable(client, 'handler');
  const config = { ...loadScorerConfig({ SCORES_TABLE: 'handler', KAFKA_BROKERS: stack.kafkaBrokers }), writeConcurrency: concurrency };
  const handle = createScoreHandler({ config, dynamo: client, deadLetters: new LazyProducer(createKafka(config.kafka)) }, new Logger({ logLevel: 'ERROR' }));
  const all = activityRecords(batches * batchSize, users, { seed: 3 });
  await rawUpdates(client, 'raw', 2000); // warm the JVM and the connection pool
  const rawRates: number[] = [];
  let events = 0, writes = 0, handlerMs = 0;
  for (let b = 0; b < batches; b++) {
    rawRates.push(await rawUpdates(client, 'raw', 5000));
    const event = buildMskEvent(all.slice(b * batchSize, (b + 1) * batchSize), { eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: stack.kafkaBrokers });
    const started = performance.now();
    const summary = await handle(event);
    handlerMs += performance.now() - started;
    events += summary.accepted;
    writes += summary.writes;
    process.stderr.write(`batch ${b + 1}/${batches}: ${summary.writes} writes in ${summary.durationMs} ms\n`);
  }
  const raw = rawRates.reduce((a, b) => a + b, 0) / rawRates.length;
  const eventsPerSec = events / (handlerMs / 1000);
  const writesPerSec = writes / (handlerMs / 1000);
  console.log(`| measure | value |\n|---|---|`);
  console.log(`| raw UpdateItem/s (concurrency ${concurrency}) | ${raw.toFixed(0)} |`);
  console.log(`| handler events/s (${batchSize}-record batches, ${users} users) | ${eventsPerSec.toFixed(0)} |`);
  console.log(`| handler UpdateItem/s | ${writesPerSec.toFixed(0)} (${(writesPerSec / raw).toFixed(2)}x raw) |`);
  console.log(`| DynamoDB writes per event | ${(writes / events).toFixed(3)} |`);
} finally {
  await stack.stop();
}
