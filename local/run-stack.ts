// `npm run stack`: bring the local stack up, say where it is, and keep it until Ctrl-C.
import { rmSync } from 'node:fs';
import { startLocalStack, stackEnvironment, writeStackEnv } from './stack.js';
import { MissingPrerequisiteError } from './prerequisites.js';
import { STACK_ENV_FILE as ENV_FILE } from './cli-env.js';
import { kafkaVersion } from './kafka-broker.js';

async function main(): Promise<void> {
  const started = performance.now();
  const stack = await startLocalStack();
  const env = stackEnvironment(stack);
  writeStackEnv(ENV_FILE, env);
  const { names } = stack;
  console.log(`Local stack up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  Kafka ${kafkaVersion()} (KRaft)        ${stack.kafkaBrokers}    broker pid ${stack.kafka.pid()}, log in ${stack.kafka.dataDir}`);
  console.log(`    topics: ${names.activityTopic} (${names.activityPartitions} partitions), ${names.popularTopic}, ${names.dlqTopic}`);
  console.log(`  DynamoDB Local                   ${stack.dynamoEndpoint}`);
  console.log(`    table: ${names.scoresTable}`);
  console.log(`Endpoints written to ${ENV_FILE}; load them with: set -a; . ./${ENV_FILE}; set +a`);
  console.log('Press Ctrl-C to stop.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack...`);
    await stack.stop();
    rmSync(ENV_FILE, { force: true });
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof MissingPrerequisiteError ? `Missing prerequisite: ${err.message}` : err);
  process.exit(1);
});
