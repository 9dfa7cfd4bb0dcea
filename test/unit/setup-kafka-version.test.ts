import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { kafkaVersion } from '../../local/services/kafka-broker.js';

describe('local/setup.sh', () => {
  it('fetches the Kafka release the broker module runs by default', () => {
    // The set-up reads the default out of the module's source; a refactor of that line must not blank it.
    const line = readFileSync('local/setup.sh', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('kafka_version='));
    expect(line).toBeDefined();
    const env = { ...process.env };
    delete env.KAFKA_VERSION;
    const run = spawnSync('bash', ['-c', `${line}\nprintf %s "$kafka_version"`], { encoding: 'utf8', env });
    expect(run.stdout).toBe(kafkaVersion({}));
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
