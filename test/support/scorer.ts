// A scorer wired to the run's local stack, with a fresh table and dead-letter topic per call.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MSKEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadScorerConfig, type ScorerConfig } from '../../lib/core/config.js';
import type { LazyProducer } from '../../lib/adapters/producer.js';
import { createScoreHandler } from '../../lib/score-batch.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN, type KafkaRecord } from '../../local/esm/msk-event.js';
import { freshScoresTable, freshTopic, stackEndpoints } from './stack.js';

export const quietLogger = new Logger({ serviceName: 'scorer-test', logLevel: 'SILENT' });

export async function testScorer(dynamo: DynamoDBClient, deadLetters: LazyProducer, overrides: Partial<ScorerConfig> = {}, client: DynamoDBClient = dynamo) {
  const config: ScorerConfig = {
    ...loadScorerConfig({ SCORES_TABLE: 'unset', KAFKA_BROKERS: stackEndpoints().kafkaBrokers }),
    scoresTable: await freshScoresTable(dynamo),
    // Created only when a test does not bring its own: the broker creates nothing on first use.
    dlqTopic: overrides.dlqTopic ?? (await freshTopic('dlq')),
    ...overrides,
  };
  return { config, handle: createScoreHandler({ config, dynamo: client, deadLetters }, quietLogger) };
}

export const eventOf = (records: KafkaRecord[], eventSourceArn = LOCAL_CLUSTER_ARN): MSKEvent =>
  buildMskEvent(records, { eventSourceArn, bootstrapServers: stackEndpoints().kafkaBrokers });
