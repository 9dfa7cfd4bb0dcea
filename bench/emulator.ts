// The deployed stack on ministack: how long `serverless deploy` and `remove` take next to `serverless
// package` alone (the same build with no AWS call), and the scorer's events/s when invoked through the
// emulator's Lambda Invoke API next to the same handler in process, both against the emulator's
// DynamoDB, with the raw UpdateItem rate of that DynamoDB measured in the same turns.
import type { MSKEvent } from 'aws-lambda';
import { DEFAULT_SCORE_WEIGHTS, type KafkaSettings, type ScorerConfig } from '../lib/core/config.js';
import { createKafka } from '../lib/adapters/kafka-client.js';
import { LazyProducer } from '../lib/adapters/producer.js';
import { createScoreHandler, type BatchSummary } from '../lib/score-batch.js';
import { scanScores } from '../lib/adapters/scan.js';
import { packageService } from '../local/deploy/package-service.js';
import { emulatorStage } from '../local/deploy/emulator-stage.js';
import { startEmulatorStack, type EmulatorStack } from '../local/e2e/emulator-stack.js';
import { lambdaInvoker } from '../local/event-source-mapping/lambda-invoker.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN } from '../local/event-source-mapping/msk-event.js';
import { ensureScoresTable } from '../local/services/tables.js';
import {
  asKafkaRecords,
  seededRandom,
  silentLogger,
  staticDataSet,
  usersFrom1000,
  type ActivityRow,
} from '../local/fixtures/index.js';
import { rawReplay } from './scorer-replay.js';
import { barChartSvg } from './svg-plot.js';
import { count, ratio, type Log, type Section } from './report.js';

export interface EmulatorBenchOptions {
  /** Events per batch-size row. */
  events: number;
  users: number;
  batchSizes: number[];
  /** The scorer's WRITE_CONCURRENCY default, used for the raw replay too. */
  concurrency: number;
}

type Path = 'Lambda Invoke API' | 'in process';

interface ScorerRow {
  batchSize: number;
  path: Path;
  events: number;
  invocations: number;
  writes: number;
  seconds: number;
  raw: number;
  exact: boolean;
}

const STAGE = 'local';
const PARTITIONS = 4;

async function tableTotal(stack: EmulatorStack, table: string): Promise<number> {
  let total = 0;
  await scanScores(stack.dynamo, table, 4, (_, page) => {
    for (const s of page.scores) total += s;
  });
  return total;
}

const totalOf = (events: readonly ActivityRow[]) =>
  events.reduce((sum, e) => sum + DEFAULT_SCORE_WEIGHTS[e.activity]!, 0);

export async function benchEmulator(options: EmulatorBenchOptions, log: Log): Promise<Section> {
  log('e2e: starting the Kafka broker and ministack');
  const stack = await startEmulatorStack(STAGE);
  const stage = emulatorStage(stack.emulator.endpoint, STAGE);
  const params = { kafkaBrokers: stack.broker.bootstrapServers, scheduleMinutes: '1440' };
  const kafka: KafkaSettings = {
    brokers: [stack.broker.bootstrapServers],
    clientId: 'bench-e2e',
    ssl: false,
    sasl: 'none',
  };
  const deadLetters = new LazyProducer(createKafka(kafka));
  const commands: { command: string; seconds: number }[] = [];
  const rows: ScorerRow[] = [];
  try {
    const packaged = await packageService(STAGE, params);
    packaged.remove();
    commands.push({ command: 'serverless package (no AWS call: the raw build)', seconds: packaged.durationMs / 1000 });
    const created = await stage.deploy(params);
    commands.push({ command: 'serverless deploy (stack created)', seconds: created.durationMs / 1000 });
    const updated = await stage.deploy({ ...params, logLevel: 'WARN' });
    commands.push({
      command: 'serverless deploy (one setting changed: stack updated)',
      seconds: updated.durationMs / 1000,
    });
    log(
      `e2e: package ${packaged.durationMs.toFixed(0)} ms, deploy ${created.durationMs.toFixed(0)} ms, update ${updated.durationMs.toFixed(0)} ms`,
    );

    const deployedTable = `popular-users-${STAGE}-scores`;
    const invokeDeployed = lambdaInvoker(stack.lambda, stage.functionName('score'));
    const stamp = Date.now().toString(36);
    for (const batchSize of options.batchSizes) {
      const events = [
        ...staticDataSet(Math.max(options.events, batchSize), usersFrom1000(options.users), seededRandom(batchSize)),
      ];
      // A topic of its own per row: the deployed table's stored offsets never meet another row's.
      const records = asKafkaRecords(events, { topic: `bench-${stamp}-${batchSize}`, partitions: PARTITIONS });
      const batches: MSKEvent[] = [];
      const deltas: Map<number, number>[] = [];
      for (let i = 0; i < records.length; i += batchSize) {
        batches.push(
          buildMskEvent(records.slice(i, i + batchSize), {
            eventSourceArn: LOCAL_CLUSTER_ARN,
            bootstrapServers: stack.broker.bootstrapServers,
          }),
        );
        const d = new Map<number, number>();
        for (const e of events.slice(i, i + batchSize))
          d.set(e.userId, (d.get(e.userId) ?? 0) + DEFAULT_SCORE_WEIGHTS[e.activity]!);
        deltas.push(d);
      }
      const inProcessTable = `bench-in-process-${stamp}-${batchSize}`;
      const rawTable = `bench-raw-${stamp}-${batchSize}`;
      await ensureScoresTable(stack.dynamo, inProcessTable);
      await ensureScoresTable(stack.dynamo, rawTable);
      const config: ScorerConfig = {
        scoresTable: inProcessTable,
        weights: DEFAULT_SCORE_WEIGHTS,
        dlqTopic: 'activity-dlq',
        writeConcurrency: options.concurrency,
        kafka,
      };
      const inProcess = createScoreHandler({ config, dynamo: stack.dynamo, deadLetters }, silentLogger);
      const deployedBefore = await tableTotal(stack, deployedTable);

      // The three take turns batch by batch, in a rotating order, so load from other work lands on all alike.
      const time = { invoke: 0, inProcess: 0, raw: 0 };
      const writes = { invoke: 0, inProcess: 0, raw: 0 };
      for (let i = 0; i < batches.length; i++) {
        const steps = [
          async () => {
            const started = performance.now();
            writes.invoke += ((await invokeDeployed(batches[i]!)) as BatchSummary).writes;
            time.invoke += performance.now() - started;
          },
          async () => {
            const started = performance.now();
            writes.inProcess += (await inProcess(batches[i]!)).writes;
            time.inProcess += performance.now() - started;
          },
          async () => {
            const started = performance.now();
            writes.raw += await rawReplay(stack.dynamo, rawTable, deltas[i]!, options.concurrency);
            time.raw += performance.now() - started;
          },
        ];
        for (let s = 0; s < steps.length; s++) await steps[(i + s) % steps.length]!();
      }
      const raw = writes.raw / (time.raw / 1000);
      const expected = totalOf(events);
      const common = { batchSize, events: events.length, invocations: batches.length, raw };
      rows.push({
        ...common,
        path: 'Lambda Invoke API',
        writes: writes.invoke,
        seconds: time.invoke / 1000,
        exact: (await tableTotal(stack, deployedTable)) - deployedBefore === expected,
      });
      rows.push({
        ...common,
        path: 'in process',
        writes: writes.inProcess,
        seconds: time.inProcess / 1000,
        exact: (await tableTotal(stack, inProcessTable)) === expected,
      });
      log(
        `e2e: batch ${batchSize}: Invoke API ${count(events.length / (time.invoke / 1000))} events/s, in process ${count(events.length / (time.inProcess / 1000))} events/s, ` +
          `raw ${count(raw)} UpdateItem/s`,
      );
    }
    const removed = await stage.remove();
    commands.push({ command: 'serverless remove', seconds: removed.durationMs / 1000 });
  } finally {
    await deadLetters.disconnect();
    stage.dispose();
    await stack.stop();
  }
  return emulatorSection(commands, rows, options);
}

function emulatorSection(
  commands: { command: string; seconds: number }[],
  rows: ScorerRow[],
  options: EmulatorBenchOptions,
): Section {
  const packageSeconds = commands[0]!.seconds;
  const inProcess = (r: ScorerRow) => rows.find((x) => x.batchSize === r.batchSize && x.path === 'in process')!;
  const eventsPerSecond = (r: ScorerRow) => r.events / r.seconds;
  return {
    title: 'Deployed on the AWS emulator (ministack)',
    method: [
      'The `local` stage (`serverless.yml`) deployed with the real `npx serverless deploy` to ministack on this machine, next to the Kafka broker. ' +
        '`serverless package` of the same stage is the raw figure for the commands: the same esbuild bundles and template, with no AWS call; the rest of a deploy is the emulator creating the stack.',
      `Scorer: ${count(options.events)} events per row (at least one full batch) over ${count(options.users)} users, built into MSK events beforehand. ` +
        '*Lambda Invoke API*: each event sent to the deployed scorer with `Invoke` (`local/event-source-mapping/lambda-invoker.ts`), which ministack runs as the uploaded bundle in a Node worker of its own; ' +
        "*in process*: the same handler (`createScoreHandler`) called in this process. Both write to ministack's DynamoDB, so the difference is the Invoke path alone. " +
        `*Raw*: the same per-batch user deltas written as plain \`ADD\` UpdateItems to ministack's DynamoDB, ${options.concurrency} in flight. ` +
        'The three take turns batch by batch in a rotating order; one invocation in flight at a time.',
    ],
    header: [
      'what',
      'batch size',
      'events',
      'invocations',
      'seconds',
      'events/s',
      'UpdateItem/s',
      'raw UpdateItem/s (same writes)',
      'vs in process',
      'vs raw',
      'exact',
    ],
    rows: [
      ...commands.map((c) => [
        c.command,
        '',
        '',
        '',
        c.seconds.toFixed(1),
        '',
        '',
        '',
        '',
        c.command.startsWith('serverless deploy') ? ratio(c.seconds / packageSeconds) : '',
        '',
      ]),
      ...rows.map((r) => [
        `scorer, ${r.path}`,
        count(r.batchSize),
        count(r.events),
        count(r.invocations),
        r.seconds.toFixed(1),
        count(eventsPerSecond(r)),
        count(r.writes / r.seconds),
        count(r.raw),
        ratio(eventsPerSecond(r) / eventsPerSecond(inProcess(r))),
        ratio(r.writes / r.seconds / r.raw),
        r.exact ? 'yes' : '**NO**',
      ]),
    ],
    notes: [
      'Command rows: "vs raw" is a deploy\'s time against `serverless package` alone, which every deploy runs first. ministack is one Python process, so these are local figures, not AWS\'s.',
      "Scorer rows: DynamoDB here is ministack's (Python), slower than DynamoDB Local; the ratios, not the rates, carry over.",
    ],
    plots: [
      {
        file: 'emulator-scorer.svg',
        title: "Scorer events/s through the emulator's Lambda Invoke API and in process",
        svg: barChartSvg({
          title: 'Scorer events/s on ministack: Lambda Invoke API vs in process',
          categories: options.batchSizes.map((b) => `batch ${count(b)}`),
          series: (['Lambda Invoke API', 'in process'] as const).map((path) => ({
            name: path,
            values: options.batchSizes.map((b) => {
              const r = rows.find((x) => x.batchSize === b && x.path === path);
              return r ? eventsPerSecond(r) : NaN;
            }),
          })),
          yLabel: 'events/s',
          labelBars: true,
        }),
      },
    ],
  };
}
