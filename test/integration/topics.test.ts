// `npm run topics` on the local broker: creates the four topics with the job's settings, reports
// what already exists, and refuses a compacted popular- or trending-users topic.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from '@platformatic/kafka';
import { ensureTopics } from '../../local/services/kafka-topics.js';
import { applyTopicPlan, topicPlan } from '../../local/services/topics.js';
import { stackEndpoints, testKafka, uniqueName } from '../support/stack.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const DAY_MS = 24 * 3600_000;

let admin: Admin;
beforeAll(async () => {
  admin = await testKafka().admin();
});
afterAll(async () => {
  await admin?.close();
});

const plan = (stage: string) =>
  topicPlan({
    prefix: `popular-users-${stage}-`,
    activityTopic: `activity-${stage}`,
    activityPartitions: 3,
    replicationFactor: 1,
  });

describe('the topics plan', () => {
  it('creates activity, popular_users, trending_users and activity-dlq with partitions, retention and cleanup.policy for the job', async () => {
    const stage = uniqueName('t');
    const report = await applyTopicPlan(admin, plan(stage));
    expect(
      report.map((t) => [
        t.topic,
        t.created,
        t.partitions,
        t.replicationFactor,
        t.configs['cleanup.policy'],
        t.configs['retention.ms'],
      ]),
    ).toEqual([
      [`activity-${stage}`, true, 3, 1, 'delete', String(7 * DAY_MS)],
      [`popular-users-${stage}-popular_users`, true, 1, 1, 'delete', String(DAY_MS)],
      [`popular-users-${stage}-trending_users`, true, 1, 1, 'delete', String(DAY_MS)],
      [`popular-users-${stage}-activity-dlq`, true, 1, 1, 'delete', String(14 * DAY_MS)],
    ]);
    for (const t of report) expect([t.topic, t.differences, t.problems]).toEqual([t.topic, [], []]);

    // A second run changes nothing and says the topics exist.
    const again = await applyTopicPlan(admin, plan(stage));
    expect(again.map((t) => [t.created, t.differences])).toEqual([
      [false, []],
      [false, []],
      [false, []],
      [false, []],
    ]);
  });

  it('reports an existing topic that differs, and a compacted popular- or trending-users topic as a problem', async () => {
    const stage = uniqueName('t');
    await ensureTopics(admin, [
      { topic: `popular-users-${stage}-popular_users`, partitions: 2, configs: { 'cleanup.policy': 'compact' } },
      { topic: `popular-users-${stage}-trending_users`, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
      { topic: `activity-${stage}`, partitions: 5 },
    ]);
    const report = await applyTopicPlan(admin, plan(stage));
    const [activity, popular, trending, dlq] = report;
    expect(trending).toMatchObject({
      created: false,
      problems: ['cleanup.policy is compact, must be delete (compaction by key would keep one user per run)'],
    });
    expect(activity).toMatchObject({ created: false, partitions: 5, problems: [] });
    expect(activity!.differences).toContain('partitions: 5 -> 3');
    expect(popular).toMatchObject({
      created: false,
      problems: ['cleanup.policy is compact, must be delete (compaction by key would keep one user per run)'],
    });
    expect(popular!.differences).toContain('cleanup.policy: compact -> delete');
    expect(dlq).toMatchObject({ created: true, problems: [] });
  });
});

describe('npm run topics', () => {
  it("creates the stage's topics on the brokers given and prints what the cluster has", async () => {
    const stage = uniqueName('cli');
    const args = [
      '--import',
      'tsx',
      'local/commands/run-topics.ts',
      '--brokers',
      stackEndpoints().kafkaBrokers,
      '--stage',
      stage,
      '--activity-topic',
      `activity-${stage}`,
      '--partitions',
      '2',
      '--replication',
      '1',
    ];
    const { stdout } = await run(process.execPath, args, { cwd: REPO });
    expect(stdout).toMatch(
      new RegExp(
        `created  activity-${stage}\\s+2 partitions, replication 1, cleanup.policy=delete retention.ms=604800000 min.insync.replicas=1`,
      ),
    );
    expect(stdout).toMatch(new RegExp(`created  popular-users-${stage}-popular_users\\s+1 partitions`));
    expect(stdout).toMatch(new RegExp(`created  popular-users-${stage}-trending_users\\s+1 partitions`));
    expect(stdout).toMatch(new RegExp(`created  popular-users-${stage}-activity-dlq\\s+1 partitions`));
    const second = await run(process.execPath, args, { cwd: REPO });
    expect(second.stdout.match(/^exists /gm)).toHaveLength(4);
  }, 60_000);

  it('takes TOPICS_PARTITIONS and TOPICS_REPLICATION from the environment when no flag sets them', async () => {
    const stage = uniqueName('cli-env');
    const args = [
      '--import',
      'tsx',
      'local/commands/run-topics.ts',
      '--stage',
      stage,
      '--activity-topic',
      `activity-${stage}`,
    ];
    const env = {
      ...process.env,
      KAFKA_BROKERS: stackEndpoints().kafkaBrokers,
      TOPICS_PARTITIONS: '3',
      TOPICS_REPLICATION: '1',
    };
    const { stdout } = await run(process.execPath, args, { cwd: REPO, env });
    expect(stdout).toMatch(new RegExp(`created  activity-${stage}\\s+3 partitions, replication 1,`));
  }, 60_000);
});
