// The consumers' reader on the real broker: it takes runs only from the source it trusts, and finds
// the latest complete run by reading a bounded number of messages, however many runs the topic holds.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLatestCompleteRun, readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import { connectProducer, type ConnectedProducer } from '../../lib/adapters/producer.js';
import { popularUserMessage, runEndMessage, type PopularRun } from '../../lib/core/popular-run.js';
import type { OutgoingMessage } from '../../lib/core/kafka-message.js';
import { freshTopic, testKafka } from '../support/stack.js';

const PROD = 'popular-users-prod-popular';
const DEV = 'popular-users-dev-popular';
/** Runs every five minutes, as deployed, ending an hour ago. */
const PERIOD_MS = 5 * 60_000;

let producer: ConnectedProducer;
beforeAll(async () => {
  producer = await connectProducer(testKafka());
});
afterAll(async () => {
  await producer.close();
});

interface RunSpec {
  startedAt: number;
  users: number;
  source?: string;
  /** false: the run died before its marker. */
  complete?: boolean;
}

/**
 * Publishes a run as the job does (its users, then its marker), every message stamped as the job's
 * producer would stamp it, some seconds after the run started.
 */
async function publishRun(topic: string, spec: RunSpec): Promise<PopularRun> {
  const run: PopularRun = {
    runId: randomUUID(),
    key: `popular_${Math.floor(spec.startedAt / 1000)}`,
    startedAt: new Date(spec.startedAt),
    percentile: 95,
    source: spec.source ?? PROD,
  };
  const stamped = (m: OutgoingMessage): OutgoingMessage => ({ ...m, timestamp: spec.startedAt + 5_000 });
  const users = Array.from({ length: spec.users }, (_, i) =>
    stamped(popularUserMessage({ userId: `user-${i}`, score: 1000 + i }, run, 999)),
  );
  for (let i = 0; i < users.length; i += 1000) await producer.send(topic, users.slice(i, i + 1000));
  if (spec.complete !== false)
    await producer.send(topic, [
      stamped(runEndMessage(run, { count: spec.users, cutoff: 999, usersScanned: spec.users * 20 })),
    ]);
  return run;
}

/**
 * Records the broker sends to any consumer of this process while `act` runs, counted off the
 * client's own fetch channel: an oracle apart from the reader's own counting.
 */
async function recordsFetchedDuring<T>(act: () => Promise<T>): Promise<{ result: T; fetched: number }> {
  let fetched = 0;
  const onFetched = (context: unknown) => {
    const response = (
      context as {
        result?: { responses?: Array<{ partitions: Array<{ records?: Array<{ records: unknown[] }> | null }> }> };
      }
    ).result;
    for (const topic of response?.responses ?? [])
      for (const p of topic.partitions) for (const batch of p.records ?? []) fetched += batch.records.length;
  };
  const channel = 'tracing:plt:kafka:consumer:fetches:asyncStart';
  subscribe(channel, onFetched);
  try {
    return { result: await act(), fetched };
  } finally {
    unsubscribe(channel, onFetched);
  }
}

describe('the source a consumer trusts (issue 18, item 7)', () => {
  it("two stages on one topic: dev's later p50 run of 5 users is passed over for prod's p95 run of 20,000", async () => {
    const topic = await freshTopic('two-stages');
    const now = Date.now();
    const prod = await publishRun(topic, { startedAt: now - 60_000, users: 20_000 });
    const dev = await publishRun(topic, { startedAt: now - 30_000, users: 5, source: DEV });

    expect(await readLatestCompleteRun(testKafka(), topic, { source: PROD })).toMatchObject({
      runId: prod.runId,
      count: 20_000,
      source: PROD,
    });
    expect(await readLatestCompleteRun(testKafka(), topic, { source: DEV })).toMatchObject({
      runId: dev.runId,
      count: 5,
      source: DEV,
    });
    expect(await readLatestCompleteRun(testKafka(), topic, { source: 'popular-users-test-popular' })).toBeUndefined();
  });
});

describe('a bounded read (issue 18, item 8)', () => {
  it('30 runs of 500 users, then a run in progress: the call reads about one run, not the topic', async () => {
    const topic = await freshTopic('many-runs');
    const first = Date.now() - 31 * PERIOD_MS;
    let last: PopularRun | undefined;
    for (let r = 0; r < 30; r++) last = await publishRun(topic, { startedAt: first + r * PERIOD_MS, users: 500 });
    await publishRun(topic, { startedAt: first + 30 * PERIOD_MS, users: 300, complete: false });
    const total = 30 * 501 + 300;

    const { result: run, fetched } = await recordsFetchedDuring(() =>
      readLatestCompleteRun(testKafka(), topic, { source: PROD }),
    );
    expect(run).toMatchObject({ runId: last!.runId, count: 500 });
    expect(new Set(run!.users.map((u) => u.userId)).size).toBe(500);
    // The run in progress, the run, and the request the first step back (1,000) starts inside: not the 15,330 on the
    // topic.
    expect(fetched).toBeLessThanOrEqual(300 + 501 + 1_000);
    expect(fetched).toBeLessThan(total / 8);
  });

  it('runs of 2,000 users, each published in requests of 1,000: a step back keeps the record batch it lands in rather than fetching it again', async () => {
    const topic = await freshTopic('big-runs');
    const first = Date.now() - 6 * PERIOD_MS;
    let last: PopularRun | undefined;
    for (let r = 0; r < 5; r++) last = await publishRun(topic, { startedAt: first + r * PERIOD_MS, users: 2_000 });

    const { result: run, fetched } = await recordsFetchedDuring(() =>
      readLatestCompleteRun(testKafka(), topic, { source: PROD }),
    );
    expect(run).toMatchObject({ runId: last!.runId, count: 2_000 });
    // The run and its marker (2,001), and at most the run before it's marker and last request (1,001);
    // fetching each landed-in batch again on the next step read 4,002.
    expect(fetched).toBeLessThanOrEqual(2_001 + 1_001);
  });

  it('says how many messages it read, as the broker sent them', async () => {
    const topic = await freshTopic('counted');
    for (let r = 0; r < 5; r++) await publishRun(topic, { startedAt: Date.now() - (6 - r) * PERIOD_MS, users: 300 });
    const { result, fetched } = await recordsFetchedDuring(() =>
      findLatestCompleteRun(testKafka(), topic, { source: PROD }),
    );
    expect(result.run?.count).toBe(300);
    expect(result.messagesRead).toBe(fetched);
    expect(result.fetches).toBeGreaterThan(0);
  });

  it('runs spread over 3 partitions, the latest complete one behind newer runs that never finished: still found, still bounded', async () => {
    const topic = await freshTopic('many-runs-3', 3);
    const first = Date.now() - 70 * PERIOD_MS;
    const runs: PopularRun[] = [];
    for (let r = 0; r < 60; r++) runs.push(await publishRun(topic, { startedAt: first + r * PERIOD_MS, users: 400 }));
    // Three later runs died before their markers, wherever their keys put them.
    for (let r = 60; r < 63; r++)
      await publishRun(topic, { startedAt: first + r * PERIOD_MS, users: 400, complete: false });

    const { result: run, fetched } = await recordsFetchedDuring(() =>
      readLatestCompleteRun(testKafka(), topic, { source: PROD }),
    );
    expect(run?.runId).toBe(runs.at(-1)!.runId);
    // Per partition, the first step back (1,000) and the request of up to 1,000 it starts inside; the topic holds
    // 25,260.
    expect(fetched).toBeLessThanOrEqual(3 * (1_000 + 1_000));
  });

  it('an empty topic, and a topic holding only runs from elsewhere, read to their start and answer none', async () => {
    const empty = await freshTopic('no-runs');
    expect(await findLatestCompleteRun(testKafka(), empty, { source: PROD })).toEqual({ messagesRead: 0, fetches: 0 });
    const elsewhere = await freshTopic('dev-runs');
    await publishRun(elsewhere, { startedAt: Date.now() - PERIOD_MS, users: 50, source: DEV });
    const search = await findLatestCompleteRun(testKafka(), elsewhere, { source: PROD });
    expect(search.run).toBeUndefined();
    expect(search.messagesRead).toBe(51);
  });
});
