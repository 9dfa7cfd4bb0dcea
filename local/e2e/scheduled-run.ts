// Waits for the deployed job's schedule to publish a run that started after the scores were final,
// reading popular_users the way its consumers do: the latest complete run from the deployed job.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaClients } from '../../lib/adapters/kafka-client.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import type { CompleteRun } from '../../lib/core/run-collector.js';
import { AppError } from '../../lib/core/errors.js';

/** The schedule did not run the job in time; the message says what was last seen. */
export class ScheduleDidNotFire extends AppError {}

export async function waitForScheduledRun(
  kafka: KafkaClients,
  topic: string,
  source: string,
  after: Date,
  timeoutMs: number,
  signal?: AbortSignal,
  pollMs = 2000,
): Promise<CompleteRun> {
  const deadline = Date.now() + timeoutMs;
  let latest: CompleteRun | undefined;
  for (;;) {
    signal?.throwIfAborted();
    latest = await readLatestCompleteRun(kafka, topic, { source, timeoutMs: 30_000 });
    // A run that started once every score was written scans them all.
    if (latest !== undefined && Date.parse(latest.startedAt) >= after.getTime()) return latest;
    if (Date.now() > deadline) {
      const seen =
        latest === undefined ? 'no complete run at all' : `only run ${latest.key}, started ${latest.startedAt}`;
      throw new ScheduleDidNotFire(
        `the schedule ran no job after ${after.toISOString()} within ${timeoutMs / 1000} s (${seen} on ${topic})`,
      );
    }
    await sleep(pollMs, undefined, { signal });
  }
}
