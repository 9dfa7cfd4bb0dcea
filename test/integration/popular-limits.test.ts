// The job's produce requests against the popular and trending topics' real size limits, through the
// job's own Lambda edge (functions/popular.ts, loaded once as one container) on the real broker.
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { PopularRunSummary } from '../../lib/popular-job.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import { windowAttribute } from '../../lib/adapters/score-item.js';
import { TRENDING_KEY_PREFIX } from '../../lib/core/popular-run.js';
import { dayOf } from '../../lib/core/utc-days.js';
import { alterTopicConfigs, ensureTopicsOn } from '../../local/services/kafka-topics.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/clients.js';
import { writeUserScores } from '../../local/fixtures/index.js';
import { freshScoresTable, stackEndpoints, testDynamo, testKafka, uniqueName } from '../support/stack.js';

type Handler = (event: ScheduledEvent, context: Context) => Promise<PopularRunSummary>;
const scheduled = {
  id: 'schedule-limits',
  time: new Date().toISOString(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
} as ScheduledEvent;
const context = { awsRequestId: 'popular-limits', getRemainingTimeInMillis: () => 600_000 } as unknown as Context;
const saved = { ...process.env };
afterAll(() => {
  process.env = saved;
  vi.resetModules();
});

/**
 * functions/popular.ts as a fresh container with this environment; it stays until the file ends (the SDK reads some on
 * first use).
 */
async function jobContainer(env: Record<string, string>): Promise<Handler> {
  vi.resetModules();
  // From the file's starting environment, so no test runs with another's settings.
  process.env = {
    ...saved,
    KAFKA_BROKERS: stackEndpoints().kafkaBrokers,
    PERCENTILE: '50',
    SCAN_SEGMENTS: '2',
    AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...env,
  };
  return ((await import('../../functions/popular.js')) as { handler: Handler }).handler;
}

/**
 * A table of `users` distinct scores with long user ids, so a few thousand messages pass 1 MiB; with `activeToday`,
 * each score is the window sum of today's run too.
 */
async function tableOf(users: number, activeToday = false): Promise<string> {
  const table = await freshScoresTable(testDynamo(), 'popular-limits');
  const today = windowAttribute(7, dayOf(Date.now())); // the job's TRENDING_DAYS: the default
  await writeUserScores(
    testDynamo(),
    table,
    Float64Array.from({ length: users }, (_, i) => i + 1),
    {
      userId: (i) => `user-${String(i).padStart(8, '0')}-${'x'.repeat(100)}`,
      ...(activeToday && { attributes: (i: number) => ({ [today]: { N: String(i + 1) } }) }),
    },
  );
  return table;
}

async function popularTopic(prefix = 'popular-limits', configs?: Record<string, string>): Promise<string> {
  const topic = uniqueName(prefix);
  await ensureTopicsOn(stackEndpoints().kafkaBrokers, [{ topic, partitions: 1, configs }]);
  return topic;
}

describe('KAFKA_MESSAGE_MAX_BYTES above the topic limit (issue 18, item 5)', () => {
  it("10,485,760 with PUBLISH_BATCH_SIZE=10000 against the broker's 1,048,588: the run publishes within the topic's limit, and says which it used", async () => {
    const [table, topic] = await Promise.all([tableOf(24_000), popularTopic()]);
    const handler = await jobContainer({
      SCORES_TABLE: table,
      POPULAR_TOPIC: topic,
      KAFKA_MESSAGE_MAX_BYTES: '10485760',
      PUBLISH_BATCH_SIZE: '10000',
    });
    const summary = await handler(scheduled, context);
    // 12,000 messages of about 250 bytes: 10,000 of them in one request would be about 2.5 MB.
    expect(summary).toMatchObject({
      usersScanned: 24_000,
      published: 12_000,
      requestLimitBytes: 1_048_588,
      topicMaxMessageBytes: 1_048_588,
    });
    // Sized to the topic's limit from the first request, not learnt from a refusal.
    expect(summary.requestsRefused).toBe(0);
    const latest = await readLatestCompleteRun(testKafka(), topic, { source: 'popular-users-job' });
    expect(latest).toMatchObject({ runId: summary.runId, count: 12_000 });
  });

  it('a topic limit lowered to 32,768 while the container lives: the next run reads it again when refused and publishes', async () => {
    const [table, topic] = await Promise.all([tableOf(2_000), popularTopic()]);
    const handler = await jobContainer({ SCORES_TABLE: table, POPULAR_TOPIC: topic });
    expect((await handler(scheduled, context)).requestLimitBytes).toBe(1_048_588);
    await alterTopicConfigs(stackEndpoints().kafkaBrokers, topic, { 'max.message.bytes': '32768' });

    const summary = await handler(scheduled, context);
    expect(summary).toMatchObject({
      published: 1_000,
      requestLimitBytes: 32_768,
      topicMaxMessageBytes: 32_768,
      requestsRefused: 1,
    });
    expect((await readLatestCompleteRun(testKafka(), topic, { source: 'popular-users-job' }))?.runId).toBe(
      summary.runId,
    );
  });

  it("the trending set's requests keep within TRENDING_TOPIC's own limit (32,768), read from the broker apart from the popular topic's", async () => {
    const [table, topic, trendingTopic] = await Promise.all([
      tableOf(4_000, true),
      popularTopic(),
      popularTopic('trending-limits', { 'max.message.bytes': '32768' }),
    ]);
    const handler = await jobContainer({ SCORES_TABLE: table, POPULAR_TOPIC: topic, TRENDING_TOPIC: trendingTopic });
    const summary = await handler(scheduled, context);
    expect(summary).toMatchObject({
      published: 2_000,
      requestLimitBytes: 1_048_588,
      topicMaxMessageBytes: 1_048_588,
      requestsRefused: 0,
    });
    // 500 messages of about 250 bytes would be about 125 KB: sized to the trending topic's limit from the first
    // request.
    expect(summary.trending).toMatchObject({
      usersInWindow: 4_000,
      published: 2_000,
      requestLimitBytes: 32_768,
      topicMaxMessageBytes: 32_768,
      requestsRefused: 0,
    });
    const latest = await readLatestCompleteRun(testKafka(), trendingTopic, {
      source: 'popular-users-job',
      keyPrefix: TRENDING_KEY_PREFIX,
    });
    expect(latest).toMatchObject({
      runId: summary.trending!.runId,
      count: 2_000,
      key: summary.runKey.replace('popular_', 'trending_'),
    });
  });
});
