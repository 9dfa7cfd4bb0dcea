import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MESSAGE_MAX_BYTES,
  DEFAULT_SCORE_WEIGHTS,
  type PopularConfig,
  type ScorerConfig,
} from '../../lib/core/config.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { createScoreHandler } from '../../lib/score-batch.js';
import { runPopularJob } from '../../lib/popular-job.js';
import { startEventSourceMapping } from '../../local/event-source-mapping/mapping.js';
import {
  freshScoresTable,
  freshTopic,
  produceRecords,
  testDynamo,
  testKafkaSettings,
  uniqueName,
  privateBroker,
} from '../support/stack.js';
import {
  activityRecords,
  exactPopular,
  expectedSums,
  readSums,
  silentLogger,
  sorted,
} from '../../local/fixtures/index.js';
import { byRun, readPublished } from '../support/popular-runs.js';

const dynamo = testDynamo();
// A private broker, so crashing it disturbs no other test file.
const broker = privateBroker();
afterAll(() => dynamo.destroy());

describe('reliability: the broker is SIGKILLed while the stand-in scores', () => {
  it('the batch in flight fails after its writes, is retried until the broker is back on the same log, and counts once; the next job run is complete', async () => {
    const topic = await freshTopic('crash-activity', 4, broker().bootstrapServers);
    const records = activityRecords(8_000, 900, { topic, seed: 61 });
    // One record in fifty is bad, so most batches send dead letters: a send the crash makes fail.
    for (let i = 0; i < records.length; i += 50)
      records[i]!.value = JSON.stringify({ user_id: 7, activity: 'profile.unknown' });
    await produceRecords(topic, records, broker().bootstrapServers);
    const kafka = { ...testKafkaSettings('broker-crash'), brokers: [broker().bootstrapServers] };
    const config: ScorerConfig = {
      scoresTable: await freshScoresTable(dynamo, 'crash'),
      weights: DEFAULT_SCORE_WEIGHTS,
      dlqTopic: await freshTopic('crash-dlq', 1, broker().bootstrapServers),
      writeConcurrency: 8,
      kafka,
    };
    const deadLetters = new LazyProducer(createKafka(kafka));
    const handler = createScoreHandler({ config, dynamo, deadLetters }, silentLogger);

    let invocations = 0;
    let alreadyCounted = 0;
    let restarted: Promise<void> | undefined;
    const mapping = await startEventSourceMapping({
      kafka,
      topic,
      groupId: uniqueName('crash-group'),
      batchSize: 250,
      batchingWindowMs: 50,
      backoff: { initialMs: 100, maxMs: 1000 },
      sessionTimeoutMs: 6000,
      invoke: async (event) => {
        if (++invocations === 6) {
          // The crash lands as a batch starts: its writes go through, its dead letters cannot, so the
          // invocation fails after writing and the mapping retries it until the broker is back.
          await broker().kill();
          restarted = new Promise((r) => setTimeout(r, 1000)).then(() => broker().restart());
        }
        const summary = await handler(event);
        alreadyCounted += summary.alreadyAppliedUsers + summary.redeliveredUsers;
        return summary;
      },
    });
    try {
      await new Promise<void>((resolve) => {
        const check = () => (restarted ? resolve() : setTimeout(check, 50));
        check();
      });
      await restarted;
      await mapping.caughtUp();
    } finally {
      await mapping.stop();
      await deadLetters.disconnect();
    }

    const expected = expectedSums(records.filter((r) => !String(r.value).includes('profile.unknown')));
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expected));
    // The batch the crash failed was delivered again and met its own stored offsets.
    expect(mapping.stats().failedInvocations).toBeGreaterThan(0);
    expect(alreadyCounted).toBeGreaterThan(0);

    // The job on the restarted broker publishes the complete, exact set.
    const job: PopularConfig = {
      scoresTable: config.scoresTable,
      percentile: 90,
      scanSegments: 4,
      popularTopic: await freshTopic('crash-popular', 1, broker().bootstrapServers),
      publishBatchSize: 50,
      maxHeldUsers: 250_000,
      messageMaxBytes: DEFAULT_MESSAGE_MAX_BYTES,
      kafka,
    };
    const producer = new LazyProducer(createKafka(kafka));
    try {
      const run = await runPopularJob({ config: job, dynamo, producer });
      const messages = byRun(await readPublished(broker().bootstrapServers, job.popularTopic)).get(run.runId) ?? [];
      const published = messages.filter((m) => m.end === undefined);
      expect(messages.at(-1)?.end).toMatchObject({ count: run.published }); // the run-end marker, last
      expect(new Set(published.map((m) => m.userId))).toEqual(
        new Set(exactPopular(expected, job.percentile).users.keys()),
      );
      expect(published).toHaveLength(run.published);
    } finally {
      await producer.disconnect();
    }
  }, 240_000);
});
