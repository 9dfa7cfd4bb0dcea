import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../local/services/stack.js';

export interface StackEndpoints {
  kafkaBrokers: string;
  dynamoEndpoint: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
  }
}

/** Starts the real local stack once per run, unless KAFKA_BROKERS and a DynamoDB endpoint point elsewhere. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const externalKafka = process.env.KAFKA_BROKERS;
  const externalDynamo = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;
  if (externalKafka && externalDynamo) {
    project.provide('stack', { kafkaBrokers: externalKafka, dynamoEndpoint: externalDynamo });
    return undefined;
  }
  const stack = await startLocalStack();
  project.provide('stack', { kafkaBrokers: stack.kafkaBrokers, dynamoEndpoint: stack.dynamoEndpoint });
  return () => stack.stop();
}
