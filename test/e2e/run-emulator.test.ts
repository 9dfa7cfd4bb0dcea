// `npm run emulator`: the broker with the local stage's topics and ministack, until Ctrl-C, with the
// environment for a deploy by hand written to .local/emulator.env.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { plainKafka } from '../../lib/adapters/kafka-client.js';
import { topicEnds } from '../../local/fixtures/index.js';
import { listening } from '../support/wait.js';

const script = resolve('local/commands/run-emulator.ts');
const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

describe('npm run emulator', () => {
  it('serves ministack and the stage topics, writes their environment, and stops cleanly on Ctrl-C', async () => {
    // In a scratch folder, as its .local/ is written there.
    const cwd = mkdtempSync(join(tmpdir(), 'emulator-'));
    const child = spawn(process.execPath, ['--import', tsx, script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 120_000;
    while (!out.includes('Press Ctrl-C')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`not up:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const envFile = join(cwd, '.local/emulator.env');
    const env: Record<string, string> = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    expect(env.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${env.AWS_ENDPOINT_URL}/_ministack/health`)).ok).toBe(true);
    const kafka = plainKafka(env.KAFKA_BROKERS!, 'emulator-test');
    for (const topic of [
      'activity',
      'popular-users-local-popular_users',
      'popular-users-local-trending_users',
      'popular-users-local-activity-dlq',
    ])
      expect((await topicEnds(kafka, topic)).length, topic).toBeGreaterThan(0);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('Stopped.');
    expect(existsSync(envFile)).toBe(false);
    for (const url of [env.AWS_ENDPOINT_URL!, `http://${env.KAFKA_BROKERS!}`])
      expect(await listening(Number(new URL(url).port)), url).toBe(false);
  }, 180_000);
});
