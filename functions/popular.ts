import type { Context, Handler, ScheduledEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { loadPopularConfig } from '../lib/core/config.js';
import { createKafka, kafkaLibrary } from '../lib/adapters/kafka-client.js';
import { createPopularHandler, type PopularRunSummary } from '../lib/popular-job.js';
import { LazyProducer } from '../lib/adapters/producer.js';

// Cold start: a bad PERCENTILE or SCAN_SEGMENTS stops here, naming the setting, before any run.
const config = loadPopularConfig();
// Every run publishes, so the client is loaded here, in init: loaded on first use it took ~0.3 s of
// CPU from the run's scan (bench "Popular-users job"), on the vCPU share the scan needs.
await kafkaLibrary();
const logger = new Logger({ serviceName: 'popular-users-job' });
const metrics = new Metrics({ serviceName: 'popular-users-job' });
const runJob = createPopularHandler(
  { config, dynamo: new DynamoDBClient({}), producer: new LazyProducer(createKafka(config.kafka)) },
  logger,
  metrics,
);

export const handler: Handler<ScheduledEvent, PopularRunSummary> = async (event: ScheduledEvent, context: Context) => {
  logger.addContext(context);
  try {
    // The search gives up while there is still time to say why, rather than being cut off by the time-out.
    return await runJob(event, { remainingMs: () => context.getRemainingTimeInMillis() });
  } finally {
    // A failed run records no RunSucceeded: the missing-run alarm and Lambda's Errors see it.
    metrics.publishStoredMetrics();
  }
};
