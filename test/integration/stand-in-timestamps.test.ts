// The stand-in's MSK events say which records the broker stamped, as AWS's mapping does: a cluster
// move onto a LogAppendTime topic, end to end through the stand-in and the scorer, shows the
// possible copies the scorer reports on AWS (issue 18, item 1).
import { afterAll, describe, expect, it } from 'vitest';
import type { MSKEvent } from 'aws-lambda';
import { loadScorerConfig, type ScorerConfig } from '../../lib/core/config.js';
import type { OutgoingMessage } from '../../lib/core/kafka-message.js';
import { connectProducer } from '../../lib/adapters/producer.js';
import { plainKafka } from '../../lib/adapters/kafka-client.js';
import { ensureTopicsOn } from '../../local/services/kafka-topics.js';
import { FIRST_TIMESTAMP, readSums } from '../../local/fixtures/index.js';
import { mappingsStoppedAfterEach } from '../support/mappings.js';
import { freshScoresTable, privateBroker, stackEndpoints, testDynamo, uniqueName } from '../support/stack.js';
import { scoreTopicThroughStandIn } from '../support/scorer.js';

/** The cluster the pipeline moves to: a broker of this file's own. */
const newCluster = privateBroker();
const dynamo = testDynamo();
afterAll(() => dynamo.destroy());

const mapping = mappingsStoppedAfterEach('stand-in-timestamps', { backoff: { initialMs: 20, maxMs: 200 } });

async function produceTo(brokers: string, topic: string, messages: OutgoingMessage[]): Promise<void> {
  const producer = await connectProducer(plainKafka(brokers, 'stand-in-timestamps'));
  try {
    for (let i = 0; i < messages.length; i += 500) await producer.send(topic, messages.slice(i, i + 500));
  } finally {
    await producer.close();
  }
}

describe("the stand-in's timestamp types", () => {
  it('says LOG_APPEND_TIME with the broker’s time for a LogAppendTime topic, and CREATE_TIME with the producer’s for a CreateTime one', async () => {
    const brokers = stackEndpoints().kafkaBrokers;
    const [appended, created] = [uniqueName('log-append'), uniqueName('create-time')];
    await ensureTopicsOn(brokers, [
      { topic: appended, partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } },
      { topic: created, partitions: 1 },
    ]);
    const stamped = Array.from({ length: 3 }, (_, i): OutgoingMessage => ({
      value: `v${i}`,
      timestamp: FIRST_TIMESTAMP + i,
    }));
    const before = Date.now();
    await Promise.all([produceTo(brokers, appended, stamped), produceTo(brokers, created, stamped)]);

    const seen = async (topic: string) => {
      const events: MSKEvent[] = [];
      const m = await mapping({ topic, invoke: async (event) => events.push(event) });
      await m.caughtUp();
      return events.flatMap((e) => Object.values(e.records).flat()).map((r) => [r.timestampType, r.timestamp] as const);
    };
    const fromAppended = await seen(appended);
    expect(fromAppended.map(([type]) => type)).toEqual(['LOG_APPEND_TIME', 'LOG_APPEND_TIME', 'LOG_APPEND_TIME']);
    for (const [, at] of fromAppended) expect(at).toBeGreaterThanOrEqual(before - 1_000);
    expect(await seen(created)).toEqual([0, 1, 2].map((i) => ['CREATE_TIME', FIRST_TIMESTAMP + i]));
  });

  it('a move onto a LogAppendTime topic, through the stand-in into the scorer: the copies are counted and reported as possible copies', async () => {
    const topic = uniqueName('moved-activity');
    const config: ScorerConfig = {
      ...loadScorerConfig({ SCORES_TABLE: 'unset', KAFKA_BROKERS: stackEndpoints().kafkaBrokers }),
      scoresTable: await freshScoresTable(dynamo),
    };
    // The old cluster: 1,000 events of others, then user 42's ten at offsets 1000-1009, weight 3 each.
    await ensureTopicsOn(stackEndpoints().kafkaBrokers, [{ topic, partitions: 1 }]);
    const event = (user: string, timestamp: number): OutgoingMessage => ({
      key: user,
      value: JSON.stringify({ user_id: user, activity: 'message.private' }),
      timestamp,
    });
    const others = Array.from({ length: 1000 }, (_, i) => event(`other-${i}`, FIRST_TIMESTAMP - 1000 + i));
    const ours = Array.from({ length: 10 }, (_, k) => event('42', FIRST_TIMESTAMP + k));
    await produceTo(stackEndpoints().kafkaBrokers, topic, [...others, ...ours]);
    await scoreTopicThroughStandIn(config, dynamo, { topic, groupPrefix: 'old-cluster', batchSize: 100 });
    expect((await readSums(dynamo, config.scoresTable)).get('42')).toBe(30);

    // The new cluster's topic re-stamps whatever arrives: the copies (MirrorMaker 2 keeps their CreateTime) get the
    // time of the copy.
    await ensureTopicsOn(newCluster().bootstrapServers, [
      { topic, partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } },
    ]);
    await produceTo(newCluster().bootstrapServers, topic, ours);
    const moved = { ...config, kafka: { ...config.kafka, brokers: [newCluster().bootstrapServers] } };
    const summaries = await scoreTopicThroughStandIn(moved, dynamo, {
      topic,
      groupPrefix: 'new-cluster',
      batchSize: 100,
    });

    // The scorer cannot tell these copies from new events; it counts them and says so, as on AWS.
    expect(summaries.reduce((n, s) => n + s.possibleCopies, 0)).toBe(10);
    expect(summaries.reduce((n, s) => n + s.offsetRestarts, 0)).toBe(1);
    expect((await readSums(dynamo, config.scoresTable)).get('42')).toBe(60);
  });
});
