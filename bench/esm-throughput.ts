// Events/s through broker -> mapping stand-in -> scorer -> DynamoDB Local, per batch size.
// Usage: npx tsx bench/esm-throughput.ts [events=100000] [users=10000] [batch sizes=100,1000] [scorer|noop]
// `noop` replaces the scorer with a function that does nothing: the stand-in's own ceiling.
import { Logger } from '@aws-lambda-powertools/logger';
import { startLocalStack } from '../local/stack.js';
import { localDynamoClient } from '../local/clients.js';
import { ensureScoresTable } from '../local/tables.js';
import { createKafka } from '../lib/kafka.js';
import { LazyProducer } from '../lib/publish.js';
import { createScoreHandler } from '../lib/score-batch.js';
import { DEFAULT_SCORE_WEIGHTS, type KafkaSettings } from '../lib/config.js';
import { connectActivityProducer, defaultPopulation, produceDataSet, seededRandom } from '../local/generate.js';
import { startEventSourceMapping } from '../local/esm.js';

const events = Number(process.argv[2] ?? 100_000);
const users = Number(process.argv[3] ?? 10_000);
const batchSizes = (process.argv[4] ?? '100,1000').split(',').map(Number);
const noop = process.argv[5] === 'noop';

const stack = await startLocalStack();
const kafkaSettings: KafkaSettings = { brokers: stack.kafkaBrokers.split(','), clientId: 'bench', ssl: false, sasl: 'none' };
const kafka = createKafka(kafkaSettings);
const dynamo = localDynamoClient(stack.dynamoEndpoint, 128);
const rows: string[] = [];
try {
  for (const batchSize of batchSizes) {
    const topic = `bench-${batchSize}-${Date.now()}`;
    const table = `scores-${batchSize}-${Date.now()}`;
    await ensureScoresTable(dynamo, table);
    const producer = await connectActivityProducer(kafka);
    const produced = await produceDataSet(producer, topic, { rows: events, population: defaultPopulation({ users: users - 1 }), random: seededRandom(1) });
    await producer.disconnect();

    const deadLetters = new LazyProducer(kafka);
    const config = { scoresTable: table, weights: DEFAULT_SCORE_WEIGHTS, dlqTopic: 'activity-dlq', writeConcurrency: 32, kafka: kafkaSettings };
    const handler = createScoreHandler({ config, dynamo, deadLetters }, new Logger({ logLevel: 'SILENT' }));
    const started = performance.now();
    const esm = await startEventSourceMapping({ kafka: kafkaSettings, topic, groupId: `bench-${batchSize}`, batchSize, invoke: noop ? async () => undefined : handler });
    await esm.caughtUp();
    const seconds = (performance.now() - started) / 1000;
    const { invocations } = esm.stats();
    await esm.stop();
    await deadLetters.disconnect();
    rows.push(
      `| ${batchSize} | ${events.toLocaleString('en-US')} | ${users.toLocaleString('en-US')} | ${Math.round(events / (produced.elapsedMs / 1000)).toLocaleString('en-US')} | ${invocations} | ${seconds.toFixed(1)} | ${Math.round(events / seconds).toLocaleString('en-US')} |`,
    );
  }
} finally {
  dynamo.destroy();
  await stack.stop();
}
console.log(noop ? 'Target: a function that does nothing' : 'Target: the scorer (createScoreHandler) on DynamoDB Local');
console.log('| batch size | events | users | produce events/s | invocations | map+score s (incl. group join) | events/s |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
process.exit(0);
