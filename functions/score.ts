import type { Context, Handler, MSKEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { loadScorerConfig } from '../lib/core/config.js';
import { createKafka } from '../lib/adapters/kafka-client.js';
import { createScoreHandler, type BatchSummary } from '../lib/score-batch.js';
import { LazyProducer } from '../lib/adapters/producer.js';

// Cold start: a bad setting stops here, naming the setting, before any event is taken.
const config = loadScorerConfig();
const logger = new Logger({ serviceName: 'activity-scorer' });
const metrics = new Metrics({ serviceName: 'activity-scorer' });
// Dead letters are not stamped: they are cut to the topic's max.message.bytes exactly, so nothing may be
// added after; their stage-named topic and dlq.source.* headers already say where they come from.
const scoreBatch = createScoreHandler(
  { config, dynamo: new DynamoDBClient({}), deadLetters: new LazyProducer(createKafka(config.kafka)) },
  logger,
  metrics,
);

export const handler: Handler<MSKEvent, BatchSummary> = async (event: MSKEvent, context: Context) => {
  // Every log line of this invocation carries its request id.
  logger.addContext(context);
  try {
    return await scoreBatch(event);
  } finally {
    // A failed batch records no batch metrics: Lambda's own Errors metric counts it.
    metrics.publishStoredMetrics();
  }
};
