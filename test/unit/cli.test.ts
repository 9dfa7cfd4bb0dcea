import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { numberFlag, UsageError } from '../../local/commands/cli.js';

describe('command-line flags', () => {
  it.each([
    ['abc', {}],
    ['', {}],
    ['2.5', { integer: true }],
    ['0', { min: 1 }],
    ['20000', { integer: true, max: 10_000 }],
    ['Infinity', {}],
  ])('refuses --interval %j (%o) naming the flag, never NaN', (text, rule) => {
    expect(() => numberFlag('interval', text, 30, rule)).toThrow(UsageError);
    expect(() => numberFlag('interval', text, 30, rule)).toThrow(/^--interval /);
  });

  it('takes numbers in range, and the default when the flag is absent', () => {
    expect(numberFlag('interval', '2.5', 30, { min: 1 })).toBe(2.5);
    expect(numberFlag('events', '1000', 1, { integer: true, min: 1 })).toBe(1000);
    expect(numberFlag('interval', undefined, 30)).toBe(30);
  });

  it('npm start refuses --interval abc before starting anything, with exit code 2 and the usage', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'local/commands/demo.ts', '--continuous', '--interval', 'abc'],
      {
        encoding: 'utf8',
        env: { ...process.env, KAFKA_BROKERS: '', AWS_ENDPOINT_URL_DYNAMODB: '' },
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--interval abc is not a number of at least 1');
    expect(run.stderr).toContain('Usage: npm start');
    expect(run.stdout).not.toContain('Starting the local stack');
  });
});
