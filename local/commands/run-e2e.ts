// `npm run e2e`: the whole pipeline deployed with `serverless deploy` to an AWS emulator on this
// machine (ministack) and driven end to end; the last line says whether the published run is exact.
// Ctrl-C stops the emulator and the broker, and with them everything deployed.
import { parseArgs } from 'node:util';
import { CommandFailed, Interrupted, numberFlag, onStopSignal, runCommand } from './cli.js';
import { startEmulatorStack, type EmulatorStack } from '../e2e/emulator-stack.js';
import { E2eCheckFailed, runE2e } from '../e2e/pipeline.js';
import { ScheduleDidNotFire } from '../e2e/scheduled-run.js';
import { ServerlessCommandError } from '../deploy/emulator-stage.js';

const USAGE = `Usage: npm run e2e -- [options]
  --events N        events to produce (default 20000)
  --users N         distinct users (default 1000)
  --batch-size N    records per invocation of the deployed scorer, 1-10000 (default 500)
  --seed N          the data set's seed (default 42)
  --wait S          seconds to wait for the deployed schedule to run the job (default 150)
Starts the Kafka broker and ministack (installed by bash local/setup.sh), deploys the "local" stage with
serverless deploy, scores the seed's data set through the deployed scorer, waits for the deployed schedule
to run the job, checks the published run against the exact oracle, and removes the stack.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      users: { type: 'string' },
      'batch-size': { type: 'string' },
      seed: { type: 'string' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const options = {
    stage: 'local',
    events: numberFlag('events', values.events, 20_000, { integer: true, min: 1 }),
    users: numberFlag('users', values.users, 1_000, { integer: true, min: 1 }),
    batchSize: numberFlag('batch-size', values['batch-size'], 500, { integer: true, min: 1, max: 10_000 }),
    seed: numberFlag('seed', values.seed, 42, { integer: true }),
    scheduleWaitMs: numberFlag('wait', values.wait, 150, { min: 1 }) * 1000,
  };
  // Ctrl-C: the step in flight stops (the batch being scored ends first), then ministack and the broker go.
  const stop = new AbortController();
  const interrupted = onStopSignal((signal) => {
    console.log(`\n${signal}: stopping ministack and the Kafka broker, and with them the deployed stack...`);
    stop.abort(new Interrupted());
  });

  const started = performance.now();
  console.log(`Node ${process.version}. Starting the Kafka broker and ministack (the AWS emulator)...`);
  const starting = startEmulatorStack(options.stage);
  const stack: EmulatorStack = await Promise.race([
    starting,
    interrupted.then(() => Promise.reject(new Interrupted())),
  ]).catch(async (err: unknown) => {
    await starting.then((s) => s.stop()).catch(() => undefined);
    throw err;
  });
  let result;
  try {
    console.log(
      `up in ${((performance.now() - started) / 1000).toFixed(1)} s: Kafka ${stack.broker.bootstrapServers} (pid ${stack.broker.pid()}), ` +
        `ministack ${stack.emulator.endpoint} (pid ${stack.emulator.pid})`,
    );
    result = await runE2e(stack, options, (line) => console.log(line), stop.signal).catch((err: unknown) => {
      // What the run found wrong is the whole story: one line (osls's own output for a failed command).
      if (err instanceof E2eCheckFailed || err instanceof ScheduleDidNotFire || err instanceof ServerlessCommandError) {
        throw new CommandFailed(`e2e: FAILED: ${err.message}`);
      }
      throw err;
    });
  } finally {
    await stack.stop();
  }
  console.log(
    `e2e: stack ${result.stackName}, ${result.events} events, ${result.invocations} invocations, cutoff ${result.cutoff}, ` +
      `${result.published} users published, ${result.exact ? 'exact' : 'NOT exact'}`,
  );
}

runCommand(main, USAGE);
