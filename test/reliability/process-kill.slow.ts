import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { connectProducer } from '../../lib/adapters/producer.js';
import { freshScoresTable, freshTopic, stackEndpoints, testDynamo, testKafka, uniqueName } from '../support/stack.js';
import {
  activityMessage,
  committedOffsets,
  readSums,
  seededRandom,
  sorted,
  staticDataSet,
  sumsOf,
  usersFrom1000,
} from '../../local/fixtures/index.js';

const SEED = Number(process.env.KILL_SEED ?? 41);
const PARTITIONS = 4;
const BATCH_SIZE = 500;
const EVENTS = 20 * BATCH_SIZE; // 5 full batches on each of 4 partitions
const KILLS = 6;
const dynamo = testDynamo();
afterAll(() => dynamo.destroy());

interface Life {
  starts: number;
  scored: number;
  alreadyApplied: number;
  /** Batches started but not scored when SIGKILL was sent; undefined when the process was not killed. */
  inFlightAtKill?: number;
  exit: string;
}

/** Runs the stand-in + scorer process once; kills it at a random moment inside a batch when `kill` says so. */
function runOnce(env: NodeJS.ProcessEnv, scored: Set<string>, kill: () => number | undefined): Promise<Life> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/processes/scorer.ts'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const life: Life = { starts: 0, scored: 0, alreadyApplied: 0, exit: '' };
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let killAt: NodeJS.Timeout | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const report = JSON.parse(line) as { event: string; batch?: string; first?: number; alreadyApplied?: number };
    if (report.event === 'scored') {
      life.scored++;
      life.alreadyApplied += report.alreadyApplied ?? 0;
      scored.add(`${report.batch}@${report.first}`);
    }
    if (report.event !== 'start') return;
    life.starts++;
    const delay = killAt === undefined ? kill() : undefined;
    if (delay === undefined) return;
    killAt = setTimeout(() => {
      life.inFlightAtKill = life.starts - life.scored;
      child.kill('SIGKILL');
    }, delay);
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(killAt);
      life.exit = signal ?? `code ${code}${code === 0 ? '' : `: ${stderr}`}`;
      resolve(life);
    });
  });
}

describe('reliability: the scorer process killed at random points', () => {
  it(`SIGKILL ${KILLS} times across 20 batches, restarted each time: every event committed, sums exact (seed ${SEED}; replay with KILL_SEED)`, async () => {
    const random = seededRandom(SEED);
    const topic = await freshTopic('kill-activity', 4);
    const rows = [...staticDataSet(EVENTS, usersFrom1000(2000), random)];
    // Round robin over the partitions, so every partition holds 5 full batches.
    const messages = rows.map((row, i) => ({ ...activityMessage(row), partition: i % PARTITIONS }));
    const expected = sumsOf(rows);
    const producer = await connectProducer(testKafka());
    await producer.send(topic, messages);
    await producer.close();

    const groupId = uniqueName('kill-group');
    const env = {
      ...process.env,
      KAFKA_BROKERS: stackEndpoints().kafkaBrokers,
      AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
      SCORES_TABLE: await freshScoresTable(dynamo, 'kill'),
      ACTIVITY_TOPIC: topic,
      ESM_GROUP_ID: groupId,
      ESM_BATCH_SIZE: String(BATCH_SIZE),
      ESM_BATCHING_WINDOW_SECONDS: '0.1',
      WRITE_CONCURRENCY: '4',
      DLQ_TOPIC: await freshTopic('kill-dlq'),
      SESSION_TIMEOUT_MS: '6000',
    };

    // Kill points spread over the run: once this many distinct batches are scored, the next batch start
    // arms a kill after a random delay, which lands mostly mid-write, sometimes between write and commit.
    const killPoints = Array.from({ length: KILLS }, () => Math.floor(random() * 17)).sort((a, b) => a - b);
    const scored = new Set<string>();
    let kills = 0;
    const lives: Life[] = [];
    for (let life = 0; life <= KILLS + 2; life++) {
      let armed = false;
      lives.push(
        await runOnce(env, scored, () => {
          const point = killPoints[kills];
          if (armed || point === undefined || scored.size < point) return undefined;
          armed = true;
          kills++;
          return Math.floor(random() * 1500);
        }),
      );
      if (lives.at(-1)!.exit === 'code 0') break;
    }

    const last = lives.at(-1)!;
    expect(last.exit, JSON.stringify(lives)).toBe('code 0');
    expect(lives.filter((l) => l.exit === 'SIGKILL')).toHaveLength(KILLS);
    expect(scored.size).toBe(20);
    // Most kills landed with a batch between its start and its end; a restart then met its partial writes.
    expect(lives.filter((l) => (l.inFlightAtKill ?? 0) > 0).length, JSON.stringify(lives)).toBeGreaterThanOrEqual(
      KILLS / 2,
    );
    expect(lives.reduce((n, l) => n + l.alreadyApplied, 0)).toBeGreaterThan(0);

    expect(await committedOffsets(testKafka(), groupId, topic)).toEqual({ 0: 2500, 1: 2500, 2: 2500, 3: 2500 });
    expect(sorted(await readSums(dynamo, env.SCORES_TABLE))).toEqual(sorted(expected));
  });
});
