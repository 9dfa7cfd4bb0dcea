import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listening } from '../support/wait.js';

describe('npm start -- --continuous, interrupted', () => {
  it('a Ctrl-C to the whole process group finishes the work in flight, writes the report, then stops the stack', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'demo-int-')), 'report.html');
    const env = { ...process.env };
    delete env.KAFKA_BROKERS;
    delete env.AWS_ENDPOINT_URL_DYNAMODB;
    delete env.AWS_ENDPOINT_URL;
    // Its own process group, as a terminal gives a foreground job: the signal then reaches npm, tsx and node alike.
    const child = spawn(
      'npm',
      ['start', '--', '--continuous', '--rate', '400', '--interval', '2', '--users', '200', '--report', report],
      {
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // 'close': the process has exited and its output is all read.
    const exited = new Promise<string>((resolve) =>
      child.on('close', (code, signal) => resolve(signal ?? `code ${code}`)),
    );
    const deadline = Date.now() + 120_000;
    while (!/run popular_\d+: \d+ users/.test(out)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no job run finished:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const ports = [...out.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(ports.length).toBeGreaterThanOrEqual(2);

    process.kill(-child.pid!, 'SIGINT');
    // npm re-raises the SIGINT it was sent once its script is done; the script itself ended cleanly.
    expect(['code 0', 'SIGINT'], out).toContain(await exited);
    expect(out).toMatch(new RegExp(`Report: ${report}\\n(.*\\n)*Local stack stopped\\.`));
    expect(out).not.toMatch(/ECONNRESET|ECONNREFUSED|job failed/);
    expect(existsSync(report)).toBe(true);
    // The stack went with the command, after the report: nothing listens on its ports any more.
    for (const port of new Set(ports)) expect(await listening(port)).toBe(false);
  }, 180_000);
});
