import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackEndpoints } from '../support/stack.js';

function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/commands/demo.ts', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('npm start (the demo), at a small size', () => {
  it('runs the whole pipeline end to end and writes the report', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'demo-')), 'report.html');
    const { kafkaBrokers, dynamoEndpoint } = stackEndpoints();
    const { code, out } = await runDemo(
      ['--events', '4000', '--users', '300', '--batch-size', '500', '--report', report],
      {
        ...process.env,
        KAFKA_BROKERS: kafkaBrokers,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: 'us-east-1',
      },
    );
    expect(out).toContain('== Popular users ==');
    expect(code).toBe(0);
    expect(out).toMatch(/score\s+\[#+\] 100% 4,000\/4,000/);
    expect(out).not.toContain('never scored');
    const published = /popular users\s+(\d+) published under key popular_\d+, (\d+) read back/.exec(out);
    expect(published?.[1]).toBe(published?.[2]);
    expect(Number(published?.[1])).toBeGreaterThan(0);
    // Both sets: the events spread over the last 14 days, the trending window the last 7 of them.
    expect(out).toMatch(/== Trending users, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(UTC, 7 days\) ==/);
    const trending = /trending users\s+(\d+) published under key trending_\d+, (\d+) read back/.exec(out);
    expect(trending?.[1]).toBe(trending?.[2]);
    expect(Number(trending?.[1])).toBeGreaterThan(0);
    const html = readFileSync(report, 'utf8');
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html.match(/class="cutoff"/g)).toHaveLength(2);
    expect(html).toContain('orange: trending, above the cutoff');
  }, 180_000);
});
