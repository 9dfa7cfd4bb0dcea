import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  freshScoresTable,
  freshTopic,
  produceRecords,
  stackEndpoints,
  testDynamo,
  uniqueName,
} from '../support/stack.js';
import {
  activityRecords,
  expectedWindows,
  expectedSums,
  readWindows,
  readSums,
  sorted,
  sortedWindows,
} from '../../local/fixtures/index.js';

const dynamo = testDynamo();
afterAll(() => dynamo.destroy());

interface Member {
  child: ChildProcess;
  partitions: Set<string>;
  alreadyApplied: number;
  joined: Promise<void>;
  exited: Promise<string>;
}

/** One stand-in + scorer process (test/support/processes/scorer.ts), reporting each batch on stdout. */
function startMember(env: NodeJS.ProcessEnv, onStart: (member: Member) => void): Member {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/processes/scorer.ts'], {
    env: { ...env, START_ON_STDIN: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let joined!: () => void;
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const member: Member = {
    child,
    partitions: new Set(),
    alreadyApplied: 0,
    joined: new Promise((resolve) => (joined = resolve)),
    exited: new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? (code === 0 ? 'code 0' : `code ${code}: ${stderr}`))),
    ),
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    const report = JSON.parse(line) as { event: string; batch?: string; alreadyApplied?: number };
    if (report.event === 'start') {
      member.partitions.add(report.batch!);
      onStart(member);
    }
    if (report.event === 'scored') member.alreadyApplied += report.alreadyApplied ?? 0;
    if (report.event === 'joined') joined();
  });
  return member;
}

describe('reliability: two stand-ins share one consumer group', () => {
  it('one is SIGKILLed mid-batch; the other takes its partitions over and every sum and window sum is exact', async () => {
    const topic = await freshTopic('shared-activity', 4);
    // Stamped over the last ten days (their CreateTime on the broker), and scored by a clock fixed just after them.
    const now = Date.now();
    const records = activityRecords(12_000, 1_500, { topic, seed: 73, overDays: { days: 10, until: now - 60_000 } });
    const env = {
      ...process.env,
      KAFKA_BROKERS: stackEndpoints().kafkaBrokers,
      AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
      SCORES_TABLE: await freshScoresTable(dynamo, 'shared'),
      ACTIVITY_TOPIC: topic,
      ESM_GROUP_ID: uniqueName('shared-group'),
      ESM_BATCH_SIZE: '300',
      ESM_BATCHING_WINDOW_SECONDS: '0.1',
      WRITE_CONCURRENCY: '2',
      DLQ_TOPIC: await freshTopic('shared-dlq'),
      SESSION_TIMEOUT_MS: '6000',
      TRENDING_DAYS: '7',
      SCORER_NOW_MS: String(now),
    };

    // The victim dies a short while into its third batch: mid-write, before any commit of that batch.
    let victimStarts = 0;
    let killed = false;
    const victim = startMember(env, (m) => {
      if (++victimStarts === 3) setTimeout(() => ((killed = true), m.child.kill('SIGKILL')), 60);
    });
    const survivor = startMember(env, () => {});
    // Both members are in the group before any record arrives, so the partitions are shared from the start.
    await Promise.all([victim.joined, survivor.joined]);
    await new Promise((r) => setTimeout(r, 2000)); // the second join's rebalance settles
    await produceRecords(topic, records, undefined, { withTimestamps: true });
    for (const member of [victim, survivor]) member.child.stdin!.end('go\n');

    expect(await victim.exited).toBe('SIGKILL');
    expect(await survivor.exited).toBe('code 0');
    expect(killed).toBe(true);
    // Both held partitions, and the survivor met writes the victim had made of a batch it never committed.
    expect(victim.partitions.size).toBeGreaterThan(0);
    expect([...survivor.partitions].some((p) => victim.partitions.has(p))).toBe(true);
    expect(sorted(await readSums(dynamo, env.SCORES_TABLE))).toEqual(sorted(expectedSums(records)));
    expect(sortedWindows(await readWindows(dynamo, env.SCORES_TABLE, 7))).toEqual(
      sortedWindows(expectedWindows(records, { scorerNow: now, days: 7 })),
    );
    expect(survivor.alreadyApplied).toBeGreaterThan(0);
  }, 240_000);
});
