import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MINISTACK_VERSION } from '../../local/services/ministack.js';

describe('local/setup.sh, for npm run e2e', () => {
  it('installs the ministack release the emulator module pins', () => {
    const line = readFileSync('local/setup.sh', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('ministack_version='));
    expect(line).toBeDefined();
    const run = spawnSync('bash', ['-c', `${line}\nprintf %s "$ministack_version"`], { encoding: 'utf8' });
    expect(run.stdout).toBe(MINISTACK_VERSION);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
