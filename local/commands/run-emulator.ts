// `npm run emulator`: the Kafka broker with the local stage's topics and ministack (the AWS emulator),
// kept up until Ctrl-C, for deploying and driving the local stage by hand (docs/local-stack.md, "The emulator path").
import { rmSync } from 'node:fs';
import { stackEnvironment, writeStackEnv } from '../services/stack.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../services/clients.js';
import { startEmulatorStack, stageTopics } from '../e2e/emulator-stack.js';
import { onStopSignal, runCommand } from './cli.js';

const ENV_FILE = '.local/emulator.env';
const STAGE = 'local';

async function main(): Promise<void> {
  const started = performance.now();
  const stack = await startEmulatorStack(STAGE);
  const topics = stageTopics(STAGE);
  const env = {
    ...stackEnvironment({
      kafkaBrokers: stack.broker.bootstrapServers,
      dynamoEndpoint: stack.emulator.endpoint,
      names: {
        scoresTable: `popular-users-${STAGE}-scores`,
        activityTopic: topics.activity,
        activityPartitions: 4,
        popularTopic: topics.popular,
        trendingTopic: topics.trending,
        dlqTopic: topics.dlq,
      },
    }),
    // Every AWS call of serverless, the stand-in's --invoke and the SDK goes to the emulator.
    AWS_ENDPOINT_URL: stack.emulator.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    ESM_GROUP_ID: `popular-users-${STAGE}-scorer`,
  };
  writeStackEnv(ENV_FILE, env);
  console.log(`Up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(
    `  Kafka      ${stack.broker.bootstrapServers}    topics ${topics.activity}, ${topics.popular}, ${topics.trending}, ${topics.dlq}`,
  );
  console.log(`  ministack  ${stack.emulator.endpoint}    (pid ${stack.emulator.pid})`);
  console.log(`Environment written to ${ENV_FILE}. In another shell:`);
  console.log(`  set -a; . ./${ENV_FILE}; set +a`);
  console.log(`  npx serverless deploy --stage ${STAGE} --param="kafkaBrokers=$KAFKA_BROKERS"`);
  console.log(
    `  npm run generate -- --rows 20000 --users 1000 && npm run esm -- --invoke popular-users-${STAGE}-score`,
  );
  console.log('Press Ctrl-C to stop (everything deployed goes with the emulator).');

  const signal = await onStopSignal();
  console.log(`\n${signal}: stopping ministack and the Kafka broker...`);
  await stack.stop();
  rmSync(ENV_FILE, { force: true });
  console.log('Stopped.');
}

runCommand(main);
