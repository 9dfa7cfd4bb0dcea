// `npm run esm`: the event source mapping stand-in on KAFKA_BROKERS, feeding the scorer in process,
// or with --invoke a deployed function through the Lambda Invoke API. Ctrl-C stops after the batch in flight.
import { parseArgs } from 'node:util';
import { Agent } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadScorerConfig } from '../../lib/core/config.js';
import { loadMappingConfig, mappingOptions } from './settings.js';
import { onStopSignal, runCommand } from './cli.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { createScoreHandler } from '../../lib/score-batch.js';
import { adoptStackEnv } from './cli-env.js';
import { startEventSourceMapping, type MskInvoker } from '../event-source-mapping/mapping.js';
import { lambdaInvoker } from '../event-source-mapping/lambda-invoker.js';
import { createProgressBar } from '../report/progress.js';

const USAGE = `Usage: npm run esm -- [--invoke FUNCTION_NAME] [--batch-size N] [--window SECONDS] [--topic NAME] [--group ID] [--verbose]
Reads KAFKA_BROKERS, SCORES_TABLE and the ESM_* settings (or .local/stack.env). Without --invoke the scorer runs
in this process against the DynamoDB endpoint the AWS SDK is given (AWS_ENDPOINT_URL_DYNAMODB); with it, each
batch goes to that function through the Lambda Invoke API: AWS's, or the AWS emulator's when AWS_ENDPOINT_URL
(or AWS_ENDPOINT_URL_LAMBDA) points at it, as .local/emulator.env from npm run emulator does.`;

async function main(): Promise<void> {
  // Listening from the start: a signal while the group is still joining also stops cleanly.
  const stopSignal = onStopSignal();
  const { values } = parseArgs({
    options: {
      invoke: { type: 'string' },
      'batch-size': { type: 'string' },
      window: { type: 'string' },
      topic: { type: 'string' },
      group: { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  adoptStackEnv();
  // Flags override the environment, and go through the same validation.
  const mapping = loadMappingConfig({
    ...process.env,
    ...(values['batch-size'] !== undefined && { ESM_BATCH_SIZE: values['batch-size'] }),
    ...(values.window !== undefined && { ESM_BATCHING_WINDOW_SECONDS: values.window }),
    ...(values.topic !== undefined && { ACTIVITY_TOPIC: values.topic }),
    ...(values.group !== undefined && { ESM_GROUP_ID: values.group }),
  });

  let invoke: MskInvoker;
  let release: () => Promise<void>;
  if (values.invoke !== undefined) {
    const lambda = new LambdaClient({});
    invoke = lambdaInvoker(lambda, values.invoke);
    release = async () => lambda.destroy();
  } else {
    const config = loadScorerConfig();
    const dynamo = new DynamoDBClient({
      requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 128 }) }),
    });
    const deadLetters = new LazyProducer(createKafka(config.kafka));
    const logger = new Logger({ serviceName: 'activity-scorer', logLevel: values.verbose ? 'INFO' : 'WARN' });
    invoke = createScoreHandler({ config, dynamo, deadLetters }, logger);
    release = async () => {
      await deadLetters.disconnect();
      dynamo.destroy();
    };
  }

  const target = values.invoke ?? 'the in-process scorer';
  console.error(
    `Mapping ${mapping.activityTopic} -> ${target}: group ${mapping.groupId}, batch size ${mapping.batchSize}, ` +
      `window ${mapping.batchingWindowMs / 1000} s, starting at ${mapping.startingPosition}.`,
  );
  const bar = createProgressBar({ label: 'records scored' });
  let scored = 0;
  const esm = await startEventSourceMapping({
    ...mappingOptions(mapping, invoke),
    onBatch: (report) => {
      if (!report.ok) {
        process.stderr.write(
          `\npartition ${report.partition} offsets ${report.firstOffset}-${report.lastOffset} failed (attempt ${report.attempt}): ` +
            `${report.error?.message}; the same batch is retried in ${((report.retryInMs ?? 0) / 1000).toFixed(1)} s\n`,
        );
      }
      if (report.ok) scored += report.records;
      bar.update(scored);
    },
  });

  console.error(`Joined group ${mapping.groupId}. Ctrl-C stops after the batch in flight.`);

  const signal = await stopSignal;
  console.error(`\n${signal}: finishing the batch in flight...`);
  await esm.stop();
  await release();
  const stats = esm.stats();
  bar.finish(stats.recordsCommitted);
  console.error(
    `Stopped: ${stats.invocations} invocations (${stats.failedInvocations} failed), ${stats.recordsCommitted} records committed.`,
  );
}

runCommand(main, USAGE);
