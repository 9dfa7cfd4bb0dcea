// `npm run e2e`'s steps: the stage deployed to the emulator with `serverless deploy`, the seed's data
// set scored by the DEPLOYED scorer (the stand-in invokes it through the Lambda Invoke API), the
// deployed job run by its deployed schedule, its run read back and checked against the exact oracle,
// and the stack removed. Each step reports a line; the caller owns the services.
import { spawnSync } from 'node:child_process';
import { AppError } from '../../lib/core/errors.js';
import { plainKafka, type KafkaClients } from '../../lib/adapters/kafka-client.js';
import type { CompleteRun } from '../../lib/core/run-collector.js';
import { lambdaInvoker } from '../event-source-mapping/lambda-invoker.js';
import { startEventSourceMapping, type MappingStats } from '../event-source-mapping/mapping.js';
import { connectActivityProducer, defaultPopulation, produceDataSet, seededRandom } from '../generators/generate.js';
import { exactPopular, readSums, sorted, staticDataSet, sumsOf } from '../fixtures/index.js';
import { emulatorStage, type EmulatorStage } from '../deploy/emulator-stage.js';
import { stageTopics, type EmulatorStack } from './emulator-stack.js';
import { waitForScheduledRun } from './scheduled-run.js';

export interface E2eOptions {
  stage: string;
  events: number;
  users: number;
  seed: number;
  /** Records per invocation of the deployed scorer, as the mapping's BatchSize. */
  batchSize: number;
  /** How long to wait for the deployed schedule to run the job after scoring. */
  scheduleWaitMs: number;
}

export interface E2eResult {
  stackName: string;
  events: number;
  invocations: number;
  cutoff: number | null;
  published: number;
  exact: boolean;
  deployMs: number;
  scoreMs: number;
  removeMs: number;
}

/** Attempts at one batch before the run stops: AWS would retry for ever, a test must not hang. */
const FAILURES_TOLERATED = 3;

/** A check of the deployed pipeline that did not hold. */
export class E2eCheckFailed extends AppError {}

function check(ok: boolean, what: string): void {
  if (!ok) throw new E2eCheckFailed(what);
}

/** Settles with `work`, or rejects with the signal's reason as soon as it is aborted. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  signal.throwIfAborted();
  return Promise.race([
    work,
    new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
    ),
  ]);
}

interface Context {
  stack: EmulatorStack;
  stage: EmulatorStage;
  options: E2eOptions;
  kafka: KafkaClients;
  say: (line: string) => void;
  signal: AbortSignal | undefined;
}

/** The Node a deployed function ran on: ministack's worker process for it, started from the node on its PATH. */
function checkFunctionNode(c: Context, fn: 'score' | 'popular'): void {
  const name = c.stage.functionName(fn);
  const runtime = String(
    c.stage.template().Resources[fn === 'score' ? 'ScoreLambdaFunction' : 'PopularLambdaFunction']?.Properties?.Runtime,
  );
  const binary = c.stack.emulator.functionNodes().get(name);
  if (binary === undefined)
    return c.say(`${name}: its Node is not checked on this system (ministack's workers are read from /proc)`);
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  check(
    version.startsWith(`v${major}.`),
    `${name} ran on ${binary} (${version}), not on Node ${major} as its runtime ${runtime}`,
  );
  c.say(`${name} ran on Node ${version} (${binary}), its runtime ${runtime}`);
}

async function deploy(c: Context): Promise<number> {
  const { durationMs } = await c.stage.deploy({ kafkaBrokers: c.stack.broker.bootstrapServers }, c.signal);
  const differences = await c.stage.differencesFromTemplate();
  check(differences.length === 0, `the stack is not its template: ${differences.join('; ')}`);
  const created = (await c.stage.resources())?.length ?? 0;
  c.say(
    `serverless deploy --stage ${c.stage.stage}: stack ${c.stage.stackName}, all ${created} resources of its template created, alarms included, in ${(durationMs / 1000).toFixed(1)} s`,
  );
  return durationMs;
}

/**
 * Produces the seed's data set and has the stand-in feed it to the deployed scorer; returns the sums the table must
 * hold.
 */
async function score(
  c: Context,
): Promise<{ expected: Map<string, number>; stats: MappingStats; scoreMs: number; scoredAt: Date }> {
  const { activity } = stageTopics(c.stage.stage);
  const { events, users, seed, batchSize } = c.options;
  const population = defaultPopulation({ users });
  const producer = await connectActivityProducer(c.kafka);
  try {
    await abortable(
      produceDataSet(producer, activity, { rows: events, population, random: seededRandom(seed) }),
      c.signal,
    );
  } finally {
    await producer.close();
  }
  const expected = sumsOf(staticDataSet(events, population, seededRandom(seed)));
  c.say(`produced ${events} events of ${expected.size} users (the seed's data set, seed ${seed}) to ${activity}`);

  const started = performance.now();
  // The stand-in retries a failing batch for ever, as AWS does; here a batch failing three times ends the run instead
  // of hanging it.
  let failing: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (failing = reject));
  const mapping = await startEventSourceMapping({
    kafka: c.kafka,
    topic: activity,
    groupId: `${c.stage.stackName}-scorer`,
    batchSize,
    invoke: lambdaInvoker(c.stack.lambda, c.stage.functionName('score')),
    onBatch: (report) => {
      if (!report.ok && report.attempt >= FAILURES_TOLERATED) {
        failing(
          new E2eCheckFailed(
            `the deployed scorer failed offsets ${report.firstOffset}-${report.lastOffset} of partition ${report.partition} ${report.attempt} times: ${report.error?.message}`,
          ),
        );
      }
    },
  });
  try {
    await abortable(Promise.race([mapping.caughtUp(), failed]), c.signal);
  } finally {
    // On Ctrl-C too: the batch in flight ends before the emulator and the broker do.
    await mapping.stop();
  }
  const scoreMs = performance.now() - started;
  const stats = mapping.stats();
  check(stats.recordsCommitted === events, `the stand-in committed ${stats.recordsCommitted} of ${events} records`);
  c.say(
    `the stand-in invoked the deployed ${c.stage.functionName('score')} ${stats.invocations} times (${stats.failedInvocations} failed and retried): ` +
      `${events} events in ${(scoreMs / 1000).toFixed(1)} s, ${Math.round(events / (scoreMs / 1000))} events/s`,
  );
  return { expected, stats, scoreMs, scoredAt: new Date() };
}

async function scheduledRun(c: Context, scoredAt: Date): Promise<CompleteRun> {
  const rule = Object.values(c.stage.template().Resources).find((r) => r.Type === 'AWS::Events::Rule');
  c.say(
    `waiting for the deployed schedule (${String(rule?.Properties?.ScheduleExpression)}) to run ${c.stage.functionName('popular')}...`,
  );
  const run = await waitForScheduledRun(
    c.kafka,
    stageTopics(c.stage.stage).popular,
    c.stage.functionName('popular'),
    scoredAt,
    c.options.scheduleWaitMs,
    c.signal,
  );
  check(
    run.source === c.stage.functionName('popular'),
    `the run was published by ${run.source}, not by the deployed ${c.stage.functionName('popular')}`,
  );
  c.say(
    `run ${run.key}, started ${run.startedAt} by the schedule: ${run.usersScanned} users scanned, cutoff ${run.cutoff}, ${run.count} published`,
  );
  return run;
}

export async function runE2e(
  stack: EmulatorStack,
  options: E2eOptions,
  say: (line: string) => void,
  signal?: AbortSignal,
): Promise<E2eResult> {
  const stage = emulatorStage(stack.emulator.endpoint, options.stage);
  const c: Context = { stack, stage, options, kafka: plainKafka(stack.broker.bootstrapServers, 'e2e'), say, signal };
  let deployed = false;
  try {
    const deployMs = await deploy(c);
    deployed = true;
    const { expected, stats, scoreMs, scoredAt } = await score(c);
    const table = `${stage.stackName}-scores`;
    const sums = await readSums(stack.dynamo, table, { consistent: true });
    check(
      JSON.stringify(sorted(sums)) === JSON.stringify(sorted(expected)),
      `${table} does not hold the exact sums of the events`,
    );
    say(`${table}: ${sums.size} users, every sum exact`);
    checkFunctionNode(c, 'score');

    const run = await scheduledRun(c, scoredAt);
    checkFunctionNode(c, 'popular');
    const oracle = exactPopular(expected, run.percentile);
    const published = new Map(run.users.map((u) => [u.userId, u.score]));
    const exact =
      run.cutoff === oracle.cutoff &&
      run.usersScanned === expected.size &&
      JSON.stringify(sorted(published)) === JSON.stringify(sorted(oracle.users));
    check(
      exact,
      `the run (cutoff ${run.cutoff}, ${published.size} users) is not the exact p${run.percentile} set (cutoff ${oracle.cutoff}, ${oracle.users.size} users)`,
    );
    say(
      `the published set is the exact p${run.percentile} set of the fixtures' oracle: cutoff ${oracle.cutoff}, ${oracle.users.size} users`,
    );

    const removed = await stage.remove(signal);
    deployed = false;
    check((await stage.resources()) === undefined, `${stage.stackName} still exists after serverless remove`);
    say(`serverless remove: stack ${stage.stackName} gone, in ${(removed.durationMs / 1000).toFixed(1)} s`);
    return {
      stackName: stage.stackName,
      events: options.events,
      invocations: stats.invocations,
      cutoff: run.cutoff,
      published: run.count,
      exact,
      deployMs,
      scoreMs,
      removeMs: removed.durationMs,
    };
  } finally {
    // A failed run removes its stack too; an interrupted one leaves that to the emulator's own end.
    if (deployed && !signal?.aborted) await stage.remove().catch(() => undefined);
    stage.dispose();
  }
}
