// `npm run stack`: bring the local stack up, say where it is, and keep it until Ctrl-C.
import { rmSync } from 'node:fs';
import { startLocalStack, stackEnvironment, writeStackEnv } from '../services/stack.js';
import { onStopSignal, runCommand } from './cli.js';
import { STACK_ENV_FILE as ENV_FILE } from './cli-env.js';
import { kafkaVersion } from '../services/kafka-broker.js';

async function main(): Promise<void> {
  const started = performance.now();
  const stack = await startLocalStack();
  const env = stackEnvironment(stack);
  writeStackEnv(ENV_FILE, env);
  const { names } = stack;
  console.log(`Local stack up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(
    `  Kafka ${kafkaVersion()} (KRaft)        ${stack.kafkaBrokers}    broker pid ${stack.kafka.pid()}, log in ${stack.kafka.dataDir}`,
  );
  console.log(
    `    topics: ${names.activityTopic} (${names.activityPartitions} partitions), ${names.popularTopic}, ${names.trendingTopic}, ${names.dlqTopic}`,
  );
  console.log(`  DynamoDB Local                   ${stack.dynamoEndpoint}`);
  console.log(`    table: ${names.scoresTable}`);
  console.log(`Endpoints written to ${ENV_FILE}; load them with: set -a; . ./${ENV_FILE}; set +a`);
  console.log('Press Ctrl-C to stop.');

  const signal = await onStopSignal();
  console.log(`\n${signal}: stopping the local stack...`);
  await stack.stop();
  rmSync(ENV_FILE, { force: true });
  console.log('Stopped.');
}

runCommand(main);
