// A scorer wired to the run's local stack, with a fresh table and dead-letter topic per call.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MSKEvent } from 'aws-lambda';
import { loadScorerConfig, type ScorerConfig } from '../../lib/core/config.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { startEventSourceMapping } from '../../local/event-source-mapping/mapping.js';
import { createScoreHandler, type BatchSummary } from '../../lib/score-batch.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN, type KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { freshScoresTable, freshTopic, stackEndpoints, uniqueName } from './stack.js';
import { silentLogger } from '../../local/fixtures/index.js';

/** `now` is the scorer's clock, which places events in the window sums: the test's to drive. */
export async function testScorer(
  dynamo: DynamoDBClient,
  deadLetters: LazyProducer,
  overrides: Partial<ScorerConfig> = {},
  client: DynamoDBClient = dynamo,
  now?: () => number,
) {
  const config: ScorerConfig = {
    ...loadScorerConfig({ SCORES_TABLE: 'unset', KAFKA_BROKERS: stackEndpoints().kafkaBrokers }),
    scoresTable: await freshScoresTable(dynamo),
    // Created only when a test does not bring its own: the broker creates nothing on first use.
    dlqTopic: overrides.dlqTopic ?? (await freshTopic('dlq')),
    ...overrides,
  };
  return {
    config,
    handle: createScoreHandler(
      { config, dynamo: client, deadLetters, ...(now !== undefined && { now }) },
      silentLogger,
    ),
  };
}

export const eventOf = (records: KafkaRecord[], eventSourceArn = LOCAL_CLUSTER_ARN): MSKEvent =>
  buildMskEvent(records, { eventSourceArn, bootstrapServers: stackEndpoints().kafkaBrokers });

/**
 * Scores everything on `topic` through the event source mapping stand-in and the real handler,
 * and fails as soon as one batch has failed three times: a poison pill that would stall its
 * partition for ever. Resolves with every invocation's summary.
 */
export async function scoreTopicThroughStandIn(
  config: ScorerConfig,
  dynamo: DynamoDBClient,
  options: { topic: string; groupPrefix: string; batchSize: number },
): Promise<BatchSummary[]> {
  const deadLetters = new LazyProducer(createKafka(config.kafka));
  const handle = createScoreHandler({ config, dynamo, deadLetters }, silentLogger);
  const summaries: BatchSummary[] = [];
  let poisoned: Error | undefined;
  const esm = await startEventSourceMapping({
    kafka: config.kafka,
    topic: options.topic,
    groupId: uniqueName(options.groupPrefix),
    batchSize: options.batchSize,
    batchingWindowMs: 100,
    backoff: { initialMs: 50, maxMs: 200 },
    invoke: async (event) => summaries.push(await handle(event)),
    onBatch: (report) => {
      if (!report.ok && report.attempt >= 3)
        poisoned ??= new Error(
          `partition ${report.partition} offsets ${report.firstOffset}-${report.lastOffset} failed ${report.attempt} times: ${report.error?.stack}`,
        );
    },
  });
  try {
    await Promise.race([
      esm.caughtUp(),
      (async () => {
        while (poisoned === undefined) await new Promise((r) => setTimeout(r, 100));
        throw poisoned;
      })(),
    ]);
  } finally {
    poisoned ??= new Error('stopped');
    await esm.stop();
    await deadLetters.disconnect();
  }
  return summaries;
}
