import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { freshTopic, stackEndpoints, uniqueName } from '../support/stack.js';

describe('npm run esm', () => {
  it('runs until SIGTERM, then stops cleanly with a summary', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'local/commands/run-esm.ts',
        '--topic',
        await freshTopic('cli-esm'),
        '--group',
        uniqueName('cli'),
      ],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: stackEndpoints().kafkaBrokers,
          AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
          SCORES_TABLE: 'unused',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    while (!stderr.includes('Joined group')) {
      if (child.exitCode !== null) throw new Error(`exited early: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM: finishing the batch in flight');
    expect(stderr).toMatch(/Stopped: 0 invocations \(0 failed\), 0 records committed/);
  });
});
