// What the deployed pipeline runs against on this machine: the real Kafka broker with the emulator
// stage's topics, and ministack, the AWS emulator the stage is deployed to. Both stop together.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { startKafkaBroker, type KafkaBroker } from '../services/kafka-broker.js';
import { ensureTopicsOn } from '../services/kafka-topics.js';
import { startMinistack, type Ministack } from '../services/ministack.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../services/clients.js';
import { SERVICE } from '../deploy/emulator-stage.js';

/** The topics serverless.yml's params give a stage: the shared input topic and the three it owns. */
export function stageTopics(stage: string) {
  return {
    activity: 'activity',
    popular: `${SERVICE}-${stage}-popular_users`,
    trending: `${SERVICE}-${stage}-trending_users`,
    dlq: `${SERVICE}-${stage}-activity-dlq`,
  };
}

export const ACTIVITY_PARTITIONS = 4;

export interface EmulatorStack {
  broker: KafkaBroker;
  emulator: Ministack;
  /** Clients on the emulator's Lambda and DynamoDB APIs, the ones the deployed functions use. */
  lambda: LambdaClient;
  dynamo: DynamoDBClient;
  stop(): Promise<void>;
}

export async function startEmulatorStack(stage: string): Promise<EmulatorStack> {
  // The broker's JVM and ministack start at once; either failing stops the other.
  const [broker, emulator] = await Promise.allSettled([startKafkaBroker(), startMinistack()]);
  if (broker.status === 'rejected' || emulator.status === 'rejected') {
    if (broker.status === 'fulfilled') await broker.value.stop();
    if (emulator.status === 'fulfilled') await emulator.value.stop();
    throw broker.status === 'rejected' ? broker.reason : (emulator as PromiseRejectedResult).reason;
  }
  const client = { endpoint: emulator.value.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const lambda = new LambdaClient(client);
  const dynamo = new DynamoDBClient(client);
  const stop = async () => {
    lambda.destroy();
    dynamo.destroy();
    await Promise.all([broker.value.stop(), emulator.value.stop()]);
  };
  try {
    const topics = stageTopics(stage);
    await ensureTopicsOn(broker.value.bootstrapServers, [
      { topic: topics.activity, partitions: ACTIVITY_PARTITIONS },
      { topic: topics.popular, partitions: 1 },
      { topic: topics.trending, partitions: 1 },
      { topic: topics.dlq, partitions: 1 },
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { broker: broker.value, emulator: emulator.value, lambda, dynamo, stop };
}
