// The real pieces on a laptop: DynamoDB Local and a Kafka-protocol broker, with topics and table made.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadStackConfig, type StackConfig } from '../lib/config.js';
import { startMockKafka, type MockKafka } from './kafka-mock.js';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { localDynamoClient, LOCAL_CREDENTIALS, LOCAL_REGION } from './clients.js';
import { ensureScoresTable } from './tables.js';

export interface LocalStack {
  kafkaBrokers: string;
  dynamoEndpoint: string;
  names: StackConfig;
  /** The in-process broker, for tests that take it down; absent when using an external Kafka. */
  kafka?: MockKafka;
  stop(): Promise<void>;
}

export interface StackOptions {
  names?: StackConfig;
  dynamoPort?: number;
  /** Keep DynamoDB data on disk (for restart tests); in memory by default. */
  dbPath?: string;
}

export async function startLocalStack(options: StackOptions = {}): Promise<LocalStack> {
  const names = options.names ?? loadStackConfig();
  const kafka = startMockKafka();
  let dynamo: DynamoDbLocal;
  try {
    dynamo = await startDynamoDbLocal({ port: options.dynamoPort, dbPath: options.dbPath });
  } catch (err) {
    kafka.stop();
    throw err;
  }
  kafka.createTopic(names.activityTopic, names.activityPartitions);
  kafka.createTopic(names.popularTopic, 1);
  kafka.createTopic(names.dlqTopic, 1);
  const client = localDynamoClient(dynamo.endpoint);
  await ensureScoresTable(client, names.scoresTable);
  client.destroy();
  return {
    kafkaBrokers: kafka.bootstrapServers,
    dynamoEndpoint: dynamo.endpoint,
    names,
    kafka,
    async stop() {
      await dynamo.stop();
      kafka.stop();
    },
  };
}

/** The environment other tools need to reach this stack, as `.local/stack.env` holds it. */
export function stackEnvironment(stack: Pick<LocalStack, 'kafkaBrokers' | 'dynamoEndpoint' | 'names'>): Record<string, string> {
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
  const lines = ['# Written by `npm run stack`: endpoints of the running local stack. Source it: set -a; . ./.local/stack.env; set +a'];
  for (const [k, v] of Object.entries(env)) lines.push(`${k}=${v}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}
