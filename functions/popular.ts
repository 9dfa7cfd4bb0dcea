import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadPopularConfig } from '../lib/config.js';
import { createKafka } from '../lib/kafka.js';
import { LazyProducer } from '../lib/publish.js';
import { createPopularHandler } from '../lib/popular-job.js';

// Cold start: a bad PERCENTILE or SCAN_SEGMENTS stops here, naming the setting, before any run.
const config = loadPopularConfig();

export const handler = createPopularHandler(
  { config, dynamo: new DynamoDBClient({}), producer: new LazyProducer(createKafka(config.kafka)) },
  new Logger({ serviceName: 'popular-users-job' }),
);
