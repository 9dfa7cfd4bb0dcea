import { describe, expect, it } from 'vitest';
import type { MSKEvent } from 'aws-lambda';
import type { OutgoingMessage } from '../../lib/core/kafka-message.js';
import { connectActivityProducer, produceDataSet } from '../../local/generators/generate.js';
import {
  committedOffsets,
  defaultPopulation,
  readSums,
  seededRandom,
  silentLogger,
  staticDataSet,
  sumsOf,
} from '../../local/fixtures/index.js';
import { createScoreHandler } from '../../lib/score-batch.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { DEFAULT_SCORE_WEIGHTS, type ScorerConfig } from '../../lib/core/config.js';
import { mappingsStoppedAfterEach, produce, recorder, recordsOf, valueOf } from '../support/mappings.js';
import {
  freshScoresTable,
  freshTopic,
  stackEndpoints,
  testDynamo,
  testKafka,
  testKafkaSettings,
  uniqueName,
} from '../support/stack.js';
import { until } from '../support/wait.js';

const mapping = mappingsStoppedAfterEach('esm-test', { backoff: { initialMs: 20, maxMs: 200 } });

/** Messages for one partition whose values say their position: "<partition>:<n>". */
function numbered(partition: number, from: number, count: number): OutgoingMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    partition,
    key: `k${from + i}`,
    value: `${partition}:${from + i}`,
  }));
}

describe('event source mapping stand-in', () => {
  it('waits out the batching window and invokes once with every record that arrived in it', async () => {
    const topic = await freshTopic('esm-window', 4);
    const target = recorder();
    await mapping({ topic, invoke: target.invoke, batchSize: 100, batchingWindowMs: 5000 });
    // Five records trickle in one at a time, well inside the window.
    for (let i = 0; i < 5; i++) {
      await produce(topic, numbered(0, i, 1));
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(() => target.records().length >= 5, 'the five records');
    expect(target.events).toHaveLength(1);
    expect(target.records().map(valueOf)).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4']);
  });

  it('never invokes with more than the batch size, and the batches add up to what was produced', async () => {
    const topic = await freshTopic('esm-size', 4);
    await produce(topic, [...numbered(0, 0, 95), ...numbered(1, 0, 37)]);
    const target = recorder();
    const groupId = uniqueName('group');
    const esm = await mapping({ topic, groupId, invoke: target.invoke, batchSize: 10, batchingWindowMs: 200 });
    await esm.caughtUp();
    // What the stand-in counts as committed is what the group has on the broker.
    expect(await committedOffsets(testKafka(), groupId, topic)).toEqual(esm.stats().committed);

    for (const event of target.events) expect(Object.keys(event.records)).toHaveLength(1);
    const sizes = (partition: number) =>
      target.events.filter((e) => `${topic}-${partition}` in e.records).map((e) => recordsOf(e).length);
    // Records already waiting fill whole batches; only the last of each partition is short.
    expect(sizes(0)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
    expect(sizes(1)).toEqual([10, 10, 10, 7]);
    expect(esm.stats()).toMatchObject({ recordsCommitted: 132, committed: { 0: 95, 1: 37 } });
  });

  it('retries a failed batch with the same records and offsets until it succeeds', async () => {
    const topic = await freshTopic('esm-retry', 4);
    await produce(topic, numbered(2, 0, 25));
    const target = recorder((_event, call) => call <= 2);
    const reports: { ok: boolean; attempt: number }[] = [];
    const esm = await mapping({
      topic,
      invoke: target.invoke,
      batchSize: 10,
      batchingWindowMs: 100,
      onBatch: (r) => reports.push(r),
    });
    await esm.caughtUp();

    const [first, second, third] = target.events;
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(recordsOf(first!).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(reports.slice(0, 3).map((r) => [r.ok, r.attempt])).toEqual([
      [false, 1],
      [false, 2],
      [true, 3],
    ]);
    // After the retries every record went through once more, in order, none skipped.
    expect(
      target.events
        .slice(2)
        .flatMap(recordsOf)
        .map((r) => r.offset),
    ).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(esm.stats()).toMatchObject({ failedInvocations: 2, recordsCommitted: 25 });
  });

  it('commits only what the function accepted: a restart resumes at the batch that was failing', async () => {
    const topic = await freshTopic('esm-commit', 4);
    const groupId = uniqueName('group');
    await produce(topic, numbered(0, 0, 20));
    const failing = recorder((event) => recordsOf(event)[0]!.offset >= 10);
    const first = await mapping({ topic, groupId, invoke: failing.invoke, batchSize: 5, batchingWindowMs: 100 });
    await until(
      () => failing.events.filter((e) => recordsOf(e)[0]!.offset === 10).length >= 3,
      'three failed attempts at offset 10',
    );
    await first.stop();
    expect(first.stats().committed).toEqual({ 0: 10 });

    expect(await committedOffsets(testKafka(), groupId, topic)).toEqual({ 0: 10 });

    const healthy = recorder();
    const second = await mapping({ topic, groupId, invoke: healthy.invoke, batchSize: 5, batchingWindowMs: 100 });
    await second.caughtUp();
    expect(healthy.records().map((r) => r.offset)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('on stop, lets the batch in flight finish and commits it before leaving the group', async () => {
    const topic = await freshTopic('esm-stop', 4);
    await produce(topic, numbered(1, 0, 30));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls: MSKEvent[] = [];
    const esm = await mapping({
      topic,
      batchSize: 10,
      batchingWindowMs: 100,
      invoke: async (event) => {
        calls.push(event);
        await gate;
      },
    });
    await until(() => calls.length === 1, 'the first batch to be in flight');
    const stopping = esm.stop();
    release();
    await stopping;
    expect(calls).toHaveLength(1);
    expect(esm.stats()).toMatchObject({ recordsCommitted: 10, committed: { 1: 10 } });
  });

  it('keeps each partition in order across invocations while records keep arriving', async () => {
    const topic = await freshTopic('esm-order', 4);
    const target = recorder();
    const esm = await mapping({ topic, invoke: target.invoke, batchSize: 7, batchingWindowMs: 50 });
    for (let round = 0; round < 5; round++) {
      await produce(
        topic,
        [0, 1, 2, 3].flatMap((p) => numbered(p, round * 40, 40)),
      );
    }
    await esm.caughtUp();

    for (const partition of [0, 1, 2, 3]) {
      const seen = target.records().filter((r) => r.partition === partition);
      expect(seen.map((r) => r.offset)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(seen.map(valueOf)).toEqual(Array.from({ length: 200 }, (_, i) => `${partition}:${i}`));
    }
  });

  it('builds events in the shape AWS sends', async () => {
    const topic = await freshTopic('esm-shape', 4);
    const arn = 'arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abc-1';
    const binary = Buffer.from([0, 255, 10, 128]);
    await produce(topic, [
      {
        partition: 3,
        key: '1234',
        value: '{"user_id": 1234, "activity": "profile.view"}',
        headers: [
          ['source', 'web'],
          ['raw', binary],
        ],
      },
      { partition: 3, key: null, value: binary },
      { partition: 3, key: 'gone', value: null },
    ]);
    const target = recorder();
    const esm = await mapping({ topic, invoke: target.invoke, eventSourceArn: arn, batchingWindowMs: 100 });
    await esm.caughtUp();

    const [event] = target.events;
    expect(target.events).toHaveLength(1);
    expect(event).toMatchObject({
      eventSource: 'aws:kafka',
      eventSourceArn: arn,
      bootstrapServers: stackEndpoints().kafkaBrokers,
    });
    expect(Object.keys(event!.records)).toEqual([`${topic}-3`]);
    const [json, bytes, tombstone] = event!.records[`${topic}-3`]!;
    expect(json).toEqual({
      topic,
      partition: 3,
      offset: 0,
      timestamp: expect.any(Number),
      timestampType: 'CREATE_TIME',
      key: Buffer.from('1234').toString('base64'),
      value: Buffer.from('{"user_id": 1234, "activity": "profile.view"}').toString('base64'),
      headers: [{ source: [...Buffer.from('web')] }, { raw: [0, 255, 10, 128] }],
    });
    expect(Math.abs(json!.timestamp - Date.now())).toBeLessThan(10 * 60_000);
    expect(bytes).not.toHaveProperty('key');
    expect(Buffer.from(bytes!.value, 'base64')).toEqual(binary);
    expect(tombstone).not.toHaveProperty('value');
    expect(tombstone!.key).toBe(Buffer.from('gone').toString('base64'));
  });

  it("passes each record's CreateTime as its timestamp, as AWS's mapping does: event time for the trending window", async () => {
    const topic = await freshTopic('esm-time', 1);
    const threeDaysAgo = Date.now() - 3 * 86_400_000;
    await produce(topic, [
      { key: 'a', value: 'old', timestamp: threeDaysAgo },
      { key: 'b', value: 'older', timestamp: threeDaysAgo - 1 },
      { key: 'c', value: 'now' },
    ]);
    const target = recorder();
    const esm = await mapping({ topic, invoke: target.invoke, batchingWindowMs: 100 });
    await esm.caughtUp();
    const records = target.events.flatMap((e) => Object.values(e.records).flat());
    expect(records.map((r) => [r.offset, r.timestampType])).toEqual([
      [0, 'CREATE_TIME'],
      [1, 'CREATE_TIME'],
      [2, 'CREATE_TIME'],
    ]);
    // Out of order on purpose: the stand-in hands over what the record carries, not the time it read it.
    expect(records[0]!.timestamp).toBe(threeDaysAgo);
    expect(records[1]!.timestamp).toBe(threeDaysAgo - 1);
    expect(Math.abs(records[2]!.timestamp - Date.now())).toBeLessThan(10 * 60_000);
  });

  it('feeds the real scorer: stored sums equal the sums computed from the generated events', async () => {
    const topic = await freshTopic('esm-score', 4);
    const dynamo = testDynamo();
    const table = await freshScoresTable(dynamo);
    const population = defaultPopulation({ users: 300, start: 1000 });
    const rows = 6000;
    const producer = await connectActivityProducer(testKafka());
    await produceDataSet(producer, topic, { rows, population, random: seededRandom(7), chunkSize: 1000 });
    await producer.close();

    const config: ScorerConfig = {
      scoresTable: table,
      weights: DEFAULT_SCORE_WEIGHTS,
      dlqTopic: await freshTopic('dlq'),
      writeConcurrency: 16,
      kafka: testKafkaSettings('scorer'),
    };
    const deadLetters = new LazyProducer(testKafka());
    const handler = createScoreHandler({ config, dynamo, deadLetters }, silentLogger);
    const esm = await mapping({ topic, invoke: handler, batchSize: 100 });
    await esm.caughtUp();
    await deadLetters.disconnect();

    const expected = sumsOf(staticDataSet(rows, population, seededRandom(7)));
    const stored = await readSums(dynamo, table, { consistent: true });
    expect(stored).toEqual(expected);
    expect(esm.stats().recordsCommitted).toBe(rows);
    dynamo.destroy();
  });
});
