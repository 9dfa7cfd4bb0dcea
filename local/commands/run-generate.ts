// `npm run generate`: the seed's static data set (default), or with --rate a continuous stream until Ctrl-C.
import { parseArgs } from 'node:util';
import { loadMappingConfig } from './settings.js';
import { numberFlag, onStopSignal, runCommand } from './cli.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { adoptStackEnv } from './cli-env.js';
import {
  connectActivityProducer,
  defaultPopulation,
  produceDataSet,
  seededRandom,
  SEED_DEFAULTS,
  startActivityStream,
} from '../generators/generate.js';
import { createProgressBar } from '../report/progress.js';

const USAGE = `Usage: npm run generate -- [--rows N] [--users N] [--start ID] [--topic NAME] [--seed N] [--days D]
       npm run generate -- --rate EVENTS_PER_SECOND [--users N] [--start ID] [--topic NAME]
Static data set by default (${SEED_DEFAULTS.rows.toLocaleString('en-US')} rows over ${SEED_DEFAULTS.users.toLocaleString('en-US')} users from id ${SEED_DEFAULTS.start});
with --days D, the same rows with event times (CreateTime) spread evenly over the last D days, oldest first;
with --rate, a continuous stream until Ctrl-C. Brokers come from KAFKA_BROKERS (or .local/stack.env).`;

async function main(): Promise<void> {
  const stopped = onStopSignal();
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      users: { type: 'string' },
      start: { type: 'string' },
      rate: { type: 'string' },
      topic: { type: 'string' },
      seed: { type: 'string' },
      days: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  adoptStackEnv();
  const config = loadMappingConfig();
  const topic = values.topic ?? config.activityTopic;
  const population = defaultPopulation({
    users: numberFlag('users', values.users, SEED_DEFAULTS.users, { integer: true, min: 1 }),
    start: numberFlag('start', values.start, SEED_DEFAULTS.start, { integer: true, min: 0 }),
  });
  const random =
    values.seed === undefined ? Math.random : seededRandom(numberFlag('seed', values.seed, 0, { integer: true }));
  const producer = await connectActivityProducer(createKafka({ ...config.kafka, clientId: 'activity-generator' }));

  try {
    if (values.rate !== undefined) {
      const rate = numberFlag('rate', values.rate, 0, { min: Number.MIN_VALUE });
      const bar = createProgressBar({ label: `streaming to ${topic}` });
      const stream = startActivityStream(producer, topic, {
        rate,
        population,
        random,
        onProgress: (p) => bar.update(p.sent),
        onError: (err) => process.stderr.write(`\nsend failed, will catch up: ${err.message}\n`),
      });
      await stopped;
      const { sent } = await stream.stop();
      bar.finish(sent);
      return;
    }
    const rows = numberFlag('rows', values.rows, SEED_DEFAULTS.rows, { integer: true, min: 1 });
    const days =
      values.days === undefined ? undefined : numberFlag('days', values.days, 0, { integer: true, min: 1, max: 3650 });
    const bar = createProgressBar({ label: `producing to ${topic}`, total: rows });
    const result = await produceDataSet(producer, topic, {
      rows,
      population,
      random,
      onProgress: (p) => bar.update(p.sent),
      ...(days !== undefined && { overDays: { days } }),
    });
    bar.finish(result.sent);
    const seconds = result.elapsedMs / 1000;
    console.log(
      `${result.sent.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s (${Math.round(result.sent / seconds).toLocaleString('en-US')}/s)`,
    );
  } finally {
    await producer.close();
  }
}

runCommand(main, USAGE);
