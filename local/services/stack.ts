// The real pieces on a laptop: DynamoDB Local and an Apache Kafka broker, with topics and table made.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadStackConfig, type StackConfig } from '../commands/settings.js';
import { startKafkaBroker, type KafkaBroker } from './kafka-broker.js';
import { ensureTopicsOn } from './kafka-topics.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { localDynamoClient, LOCAL_CREDENTIALS, LOCAL_REGION } from './clients.js';
import { ensureScoresTable } from './tables.js';

export interface LocalStack {
  kafkaBrokers: string;
  dynamoEndpoint: string;
  names: StackConfig;
  /** The broker process, for tests that crash and restart it. */
  kafka: KafkaBroker;
  stop(): Promise<void>;
}

export async function startLocalStack(): Promise<LocalStack> {
  const names = loadStackConfig();
  // Both JVMs start at once: on two cores this is about a second faster than one after the other.
  const [kafka, dynamo] = await Promise.allSettled([startKafkaBroker(), startDynamoDbLocal()]);
  if (kafka.status === 'rejected' || dynamo.status === 'rejected') {
    if (kafka.status === 'fulfilled') await kafka.value.stop();
    if (dynamo.status === 'fulfilled') await dynamo.value.stop();
    throw kafka.status === 'rejected' ? kafka.reason : (dynamo as PromiseRejectedResult).reason;
  }
  const broker = kafka.value;
  const stop = async () => {
    await Promise.all([dynamo.value.stop(), broker.stop()]);
  };
  try {
    await ensureTopicsOn(broker.bootstrapServers, [
      { topic: names.activityTopic, partitions: names.activityPartitions },
      { topic: names.popularTopic, partitions: 1 },
      { topic: names.trendingTopic, partitions: 1 },
      { topic: names.dlqTopic, partitions: 1 },
    ]);
    const client = localDynamoClient(dynamo.value.endpoint);
    await ensureScoresTable(client, names.scoresTable);
    client.destroy();
  } catch (err) {
    await stop();
    throw err;
  }
  return { kafkaBrokers: broker.bootstrapServers, dynamoEndpoint: dynamo.value.endpoint, names, kafka: broker, stop };
}

/** The environment other tools need to reach this stack, as `.local/stack.env` holds it. */
export function stackEnvironment(
  stack: Pick<LocalStack, 'kafkaBrokers' | 'dynamoEndpoint' | 'names'>,
): Record<string, string> {
  return {
    KAFKA_BROKERS: stack.kafkaBrokers,
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
    AWS_REGION: process.env.AWS_REGION ?? LOCAL_REGION,
    // DynamoDB Local accepts any credentials; these only stop the SDK from searching for real ones.
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    SCORES_TABLE: stack.names.scoresTable,
  };
}

export function writeStackEnv(path: string, env: Record<string, string>): void {
  mkdirSync(dirname(path), { recursive: true });
  const lines = [
    '# Written by `npm run stack`: endpoints of the running local stack. Source it: set -a; . ./.local/stack.env; set +a',
  ];
  for (const [k, v] of Object.entries(env)) lines.push(`${k}=${v}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}
