// CloudFormation's own resource rules, through cfn-lint (installed by local/setup.sh), on every
// variant of the packaged template: zero errors, and no warning that deploy/cfn-lint.yaml does not justify.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { packageService } from '../../local/deploy/package-service.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const CFN_LINT = join(REPO, '.cache/cfn-lint/bin/cfn-lint');
const CONFIG = join(REPO, 'deploy/cfn-lint.yaml');

const VARIANTS: [string, string, Record<string, string>][] = [
  ['the test stage with the defaults', 'test', {}],
  [
    'a stage with an on-failure topic, retry and age limits and an alarm topic',
    'test',
    {
      onFailureTopic: 'popular-users-test-activity-failed',
      maximumRetryAttempts: '10',
      maximumRecordAgeSeconds: '86400',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
    },
  ],
  ['the emulator stage (no mapping, no VPC, no metric math)', 'local', { kafkaBrokers: '127.0.0.1:9092' }],
];

async function lint(templatePath: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(CFN_LINT, ['--config-file', CONFIG, '--', templatePath]);
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('cfn-lint', () => {
  it('is installed (bash local/setup.sh puts it in .cache/cfn-lint)', () => {
    expect(existsSync(CFN_LINT), `${CFN_LINT} is missing: run bash local/setup.sh`).toBe(true);
  });

  it.each(VARIANTS)(
    'finds nothing in %s',
    async (_, stage, params) => {
      const service = await packageService(stage, params);
      try {
        const { code, output } = await lint(service.templatePath);
        expect(output.trim(), output).toBe('');
        expect(code).toBe(0);
      } finally {
        service.remove();
      }
    },
    120_000,
  );
});
