import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { plainKafka } from '../../lib/adapters/kafka-client.js';
import { until } from '../support/wait.js';

const script = resolve('local/commands/run-stack.ts');
// The stack runs in a scratch folder (its .local/ is written there), so tsx is named by path.
const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

function start(
  cwd: string,
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', tsx, script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

describe('npm run stack', () => {
  it('writes the endpoints, serves the four topics, and stops cleanly on Ctrl-C', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'stack-'));
    const envFile = join(cwd, '.local/stack.env');
    const stack = start(cwd, process.env);
    await until(() => stack.output().includes('Press Ctrl-C'), 'the stack to come up');
    const env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    expect(env.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const admin = await plainKafka(String(env.KAFKA_BROKERS), 'run-stack-test').admin();
    const { topics } = await admin.metadata({
      topics: ['activity', 'popular_users', 'trending_users', 'activity-dlq'],
    });
    await admin.close();
    expect(Object.fromEntries([...topics].map(([name, t]) => [name, t.partitionsCount]))).toEqual({
      activity: 4,
      popular_users: 1,
      trending_users: 1,
      'activity-dlq': 1,
    });

    stack.child.kill('SIGINT');
    expect(await stack.exited).toBe(0);
    expect(stack.output()).toContain('Stopped.');
    expect(existsSync(envFile)).toBe(false);
  });

  it('says how to fetch Kafka when its release is not in the cache', async () => {
    const stack = start(mkdtempSync(join(tmpdir(), 'stack-')), { ...process.env, KAFKA_VERSION: '0.0.0-absent' });
    expect(await stack.exited).toBe(1);
    expect(stack.output()).toContain('Missing prerequisite: Apache Kafka 0.0.0-absent is not in');
    expect(stack.output()).toContain('bash local/setup.sh');
    expect(stack.output()).toContain('apt-get install -y maven');
  });

  it('says what to install when Java is missing', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'nojava-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const stack = start(mkdtempSync(join(tmpdir(), 'stack-')), { ...process.env, PATH: bin });
    expect(await stack.exited).toBe(1);
    expect(stack.output()).toContain('Missing prerequisite: Java 17 or newer');
    expect(stack.output()).toContain('apt-get install -y openjdk-17-jre-headless');
  });
});
