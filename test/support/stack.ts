// What integration tests share: clients on the run's local stack, and a fresh table or topic per test.
import { afterAll, beforeAll, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoClient } from '../../local/services/clients.js';
import { ensureScoresTable } from '../../local/services/tables.js';
import { ensureTopicsOn } from '../../local/services/kafka-topics.js';
import { asText, readFromBeginning, type TextMessage } from '../../local/fixtures/index.js';
import { createKafka, plainKafka, type KafkaClients } from '../../lib/adapters/kafka-client.js';
import { connectProducer, LazyProducer } from '../../lib/adapters/producer.js';
import type { KafkaSettings } from '../../lib/core/config.js';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { startKafkaBroker, type KafkaBroker, type KafkaBrokerOptions } from '../../local/services/kafka-broker.js';

export function stackEndpoints() {
  return inject('stack');
}

export function testDynamo(): DynamoDBClient {
  return localDynamoClient(stackEndpoints().dynamoEndpoint);
}

export function testKafkaSettings(clientId = 'test'): KafkaSettings {
  return { brokers: stackEndpoints().kafkaBrokers.split(','), clientId, ssl: false, sasl: 'none' };
}

/** A test file's DynamoDB client and producer on the run's stack, both closed once the file's tests end. */
export function stackClients(clientId: string): { dynamo: DynamoDBClient; producer: LazyProducer } {
  const dynamo = testDynamo();
  const producer = new LazyProducer(createKafka(testKafkaSettings(clientId)));
  afterAll(async () => {
    await producer.disconnect();
    dynamo.destroy();
  });
  return { dynamo, producer };
}

export function testKafka(brokers = stackEndpoints().kafkaBrokers): KafkaClients {
  return plainKafka(brokers, 'test-reader');
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A new topic for one test, made through the admin API: the broker creates nothing on first use, as on MSK. */
export async function freshTopic(
  prefix: string,
  partitions = 1,
  brokers = stackEndpoints().kafkaBrokers,
): Promise<string> {
  const topic = uniqueName(prefix);
  await ensureTopicsOn(brokers, [{ topic, partitions }]);
  return topic;
}

/** A new, empty scores table for one test. */
export async function freshScoresTable(client: DynamoDBClient, prefix = 'scores'): Promise<string> {
  const table = uniqueName(prefix);
  await ensureScoresTable(client, table);
  return table;
}

/** Reads a topic from the beginning until `count` messages arrived (or the timeout says how many did). */
export async function readTopic(
  topic: string,
  count: number,
  timeoutMs = 20_000,
  brokers = stackEndpoints().kafkaBrokers,
): Promise<TextMessage[]> {
  return (await readFromBeginning(testKafka(brokers), topic, count, { timeoutMs })).map(asText);
}

/**
 * Produces records to the partitions they name, in order, in requests well under the broker's 1 MiB;
 * with `withTimestamps`, each with its own timestamp as its CreateTime (else the producer's now).
 */
export async function produceRecords(
  topic: string,
  records: readonly KafkaRecord[],
  brokers = stackEndpoints().kafkaBrokers,
  options: { withTimestamps?: boolean } = {},
): Promise<void> {
  const producer = await connectProducer(plainKafka(brokers, 'test-producer'));
  try {
    for (let i = 0; i < records.length; i += 2000) {
      const messages = records.slice(i, i + 2000).map((r) => ({
        partition: r.partition,
        key: r.key ?? null,
        value: r.value,
        ...(options.withTimestamps === true && { timestamp: r.timestamp }),
      }));
      await producer.send(topic, messages);
    }
  } finally {
    await producer.close();
  }
}

/**
 * A Kafka broker of the calling test file's own, started before its tests and stopped after them,
 * so crashing it disturbs no other file.
 */
export function privateBroker(options: KafkaBrokerOptions = {}): () => KafkaBroker {
  let broker: KafkaBroker | undefined;
  beforeAll(async () => {
    broker = await startKafkaBroker(options);
  });
  afterAll(async () => {
    await broker?.stop();
  });
  return () => {
    if (broker === undefined) throw new Error('the private broker is used before its beforeAll ran');
    return broker;
  };
}
