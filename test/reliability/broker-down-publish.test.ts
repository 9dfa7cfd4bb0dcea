import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGE_MAX_BYTES, type PopularConfig } from '../../lib/core/config.js';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { LazyProducer, type MessageSender } from '../../lib/adapters/producer.js';
import { runPopularJob } from '../../lib/popular-job.js';
import { exactPopular, seedShapedScores, writeUserScores } from '../../local/fixtures/index.js';
import { freshScoresTable, freshTopic, testDynamo, testKafkaSettings, privateBroker } from '../support/stack.js';
import { byRun, endOf, readPublished, usersOf } from '../support/popular-runs.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';

const dynamo = testDynamo();
// A private broker, so crashing it disturbs no other test file.
const broker = privateBroker();
afterAll(() => dynamo.destroy());

/** A p90 job on its own table, publishing to its own topic on the private broker. */
async function jobOnPrivateBroker(
  name: string,
  shape: Pick<PopularConfig, 'scanSegments' | 'publishBatchSize'>,
): Promise<PopularConfig> {
  return {
    scoresTable: await freshScoresTable(dynamo, name),
    percentile: 90,
    ...shape,
    popularTopic: await freshTopic(`${name}-popular`, 1, broker().bootstrapServers),
    maxHeldUsers: 250_000,
    messageMaxBytes: DEFAULT_MESSAGE_MAX_BYTES,
    kafka: { ...testKafkaSettings(name), brokers: [broker().bootstrapServers] },
  };
}

/**
 * Kills the private broker as soon as the broker has acknowledged the `nth` produce request sent
 * through `sender`, before the next one goes; `restore` puts the sender back as it was.
 */
function killBrokerAfterRequest(sender: MessageSender, nth: number) {
  const send = sender.send.bind(sender);
  const state = { requests: 0, restore: () => (sender.send = send) };
  sender.send = async (topic, messages) => {
    await send(topic, messages);
    if (++state.requests === nth) await broker().kill();
  };
  return state;
}

describe('reliability: the broker stops while the job publishes', () => {
  it('the run rejects; once the broker is back the next run publishes the complete set, told apart from the partial one', async () => {
    const scores = seedShapedScores(6_000, 37);
    const config = await jobOnPrivateBroker('broker-down', { scanSegments: 4, publishBatchSize: 20 });
    await writeUserScores(dynamo, config.scoresTable, scores);
    const expected = exactPopular(scores, config.percentile).users;
    expect(expected.size).toBeGreaterThan(3 * config.publishBatchSize);

    // The same producer across both runs, as a warm Lambda container keeps it.
    const producer = new LazyProducer(createKafka(config.kafka));
    try {
      // The broker dies right after the first produce request of the run was answered: mid-publish.
      const kill = killBrokerAfterRequest(await producer.get(), 1);
      await expect(runPopularJob({ config, dynamo, producer })).rejects.toThrow();
      kill.restore();
      expect(kill.requests).toBeGreaterThanOrEqual(1);

      await broker().restart(); // same log folder and port, as a crashed broker comes back
      const second = await runPopularJob({ config, dynamo, producer });
      expect(second.published).toBe(expected.size);

      const runs = byRun(await readPublished(broker().bootstrapServers, config.popularTopic));
      const complete = runs.get(second.runId)!;
      expect(complete.every((m) => m.key === second.runKey)).toBe(true);
      expect(endOf(complete)).toMatchObject({ count: expected.size });
      expect(usersOf(complete)).toEqual(expected);
      // Whatever the failed run got out is visibly incomplete: it has no run-end marker.
      const partial = [...runs].filter(([id]) => id !== second.runId).map(([, messages]) => messages);
      expect(partial).toHaveLength(1);
      expect(partial[0]!.length).toBeGreaterThanOrEqual(config.publishBatchSize);
      expect(endOf(partial[0]!)).toBeUndefined();
      expect(
        (await readLatestCompleteRun(createKafka(config.kafka), config.popularTopic, { source: config.kafka.clientId }))
          ?.runId,
      ).toBe(second.runId);
    } finally {
      await producer.disconnect();
    }
  });

  it('a run cut off after its last user but before its marker is never returned as complete', async () => {
    const scores = seedShapedScores(3_000, 41);
    const config = await jobOnPrivateBroker('no-marker', { scanSegments: 2, publishBatchSize: 100 });
    await writeUserScores(dynamo, config.scoresTable, scores);
    const expected = exactPopular(scores, config.percentile).users;
    const userRequests = Math.ceil(expected.size / config.publishBatchSize);
    const reader = createKafka(config.kafka);

    const producer = new LazyProducer(createKafka(config.kafka));
    try {
      // Every user is acknowledged, then the broker dies before the marker goes out.
      const kill = killBrokerAfterRequest(await producer.get(), userRequests);
      await expect(runPopularJob({ config, dynamo, producer })).rejects.toThrow();
      kill.restore();
      expect(kill.requests).toBe(userRequests);
      await broker().restart();

      const cutOff = byRun(await readPublished(broker().bootstrapServers, config.popularTopic));
      expect(cutOff.size).toBe(1);
      const [messages] = [...cutOff.values()];
      expect(usersOf(messages!)).toEqual(expected); // all of its users got out...
      expect(endOf(messages!)).toBeUndefined(); // ...but not its marker
      expect(
        await readLatestCompleteRun(reader, config.popularTopic, { source: config.kafka.clientId }),
      ).toBeUndefined();

      const next = await runPopularJob({ config, dynamo, producer });
      const latest = await readLatestCompleteRun(reader, config.popularTopic, { source: config.kafka.clientId });
      expect(latest).toMatchObject({ runId: next.runId, count: expected.size });
      expect(new Map(latest!.users.map((u) => [u.userId, u.score]))).toEqual(expected);
    } finally {
      await producer.disconnect();
    }
  });
});
