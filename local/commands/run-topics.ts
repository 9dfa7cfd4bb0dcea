// `npm run topics -- --brokers host:9098,... [--sasl aws-iam --region eu-west-1] [--stage prod]`:
// creates activity, <service>-<stage>-popular_users, -trending_users and -activity-dlq (bare names
// without --stage) and prints what the cluster has.
import { parseArgs } from 'node:util';
import { loadTopicsToolConfig } from './settings.js';
import { namedKafkaFailure } from '../../lib/adapters/kafka-authentication.js';
import { createKafka, kafkaFailureMessage } from '../../lib/adapters/kafka-client.js';
import { applyTopicPlan, topicPlan } from '../services/topics.js';

const USAGE = `Usage: npm run topics -- --brokers HOST:PORT[,...] [--sasl none|aws-iam] [--region REGION]
       [--stage STAGE] [--service NAME] [--activity-topic NAME] [--partitions N] [--replication N]
Without --stage the topics are activity, popular_users, trending_users and activity-dlq; with it, the
three a stage writes are named <service>-<stage>-... as serverless.yml names them (--service defaults to popular-users).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string' },
      sasl: { type: 'string' },
      region: { type: 'string' },
      stage: { type: 'string' },
      service: { type: 'string', default: 'popular-users' },
      'activity-topic': { type: 'string', default: 'activity' },
      partitions: { type: 'string' },
      replication: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // A flag given wins; without it the environment's setting, then the config's default.
  const config = loadTopicsToolConfig({
    ...process.env,
    ...(values.brokers !== undefined && { KAFKA_BROKERS: values.brokers }),
    ...(values.sasl !== undefined && { KAFKA_SASL_MECHANISM: values.sasl }),
    ...(values.region !== undefined && { AWS_REGION: values.region }),
    ...(values.partitions !== undefined && { TOPICS_PARTITIONS: values.partitions }),
    ...(values.replication !== undefined && { TOPICS_REPLICATION: values.replication }),
  });
  const prefix = values.stage === undefined ? '' : `${values.service}-${values.stage}-`;
  const plan = topicPlan({
    prefix,
    activityTopic: values['activity-topic'],
    activityPartitions: config.partitions,
    replicationFactor: config.replicationFactor,
  });

  const admin = await createKafka(config.kafka).admin();
  try {
    const report = await applyTopicPlan(admin, plan);
    for (const t of report) {
      const settings = ['cleanup.policy', 'retention.ms', 'min.insync.replicas']
        .map((k) => `${k}=${t.configs[k]}`)
        .join(' ');
      console.log(
        `${t.created ? 'created' : 'exists '}  ${t.topic.padEnd(40)} ${String(t.partitions).padStart(3)} partitions, replication ${t.replicationFactor}, ${settings}`,
      );
      for (const d of t.differences) console.log(`         differs from the plan: ${d}`);
      for (const p of t.problems) console.error(`         PROBLEM: ${p}`);
    }
    return report.some((t) => t.problems.length > 0) ? 1 : 0;
  } catch (err) {
    throw namedKafkaFailure(err, config.kafka);
  } finally {
    await admin.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(kafkaFailureMessage(err));
    console.error(USAGE);
    process.exit(2);
  },
);
