// What the local stack needs on the machine, checked up front so a missing piece is named with its fix.
import { spawnSync } from 'node:child_process';
import { AppError } from '../../lib/core/errors.js';

export class MissingPrerequisiteError extends AppError {}

/** The Java that runs DynamoDB Local and the Kafka broker: 17 or newer (Kafka 4 refuses older ones). */
export function checkJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const major = Number(/version "(\d+)/.exec(probe.stderr ?? '')?.[1] ?? NaN);
  if (probe.error || probe.status !== 0 || !(major >= 17)) {
    const found = probe.error || probe.status !== 0 ? 'none was found on PATH' : `found Java ${major}`;
    throw new MissingPrerequisiteError(
      `Java 17 or newer is needed to run DynamoDB Local and the Kafka broker, and ${found}. ` +
        'Install it with: sudo apt-get install -y openjdk-17-jre-headless (or run bash local/setup.sh).',
    );
  }
}
