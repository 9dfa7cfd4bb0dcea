import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadScorerConfig } from '../lib/config.js';
import { createKafka } from '../lib/kafka.js';
import { LazyProducer } from '../lib/publish.js';
import { createScoreHandler } from '../lib/score-batch.js';

// Cold start: a bad setting stops here, naming the setting, before any event is taken.
const config = loadScorerConfig();

export const handler = createScoreHandler(
  { config, dynamo: new DynamoDBClient({}), deadLetters: new LazyProducer(createKafka(config.kafka)) },
  new Logger({ serviceName: 'activity-scorer' }),
);
