import { afterAll, describe, expect, it, vi } from 'vitest';
import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MSKEvent } from 'aws-lambda';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DLQ_HEADER } from '../../lib/core/dead-letter.js';
import { createScoreHandler } from '../../lib/score-batch.js';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { readTopic, testDynamo, uniqueName, stackClients } from '../support/stack.js';
import { activityRecords, expectedSums, readSums, silentLogger, sorted } from '../../local/fixtures/index.js';
import { eventOf, testScorer } from '../support/scorer.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const { dynamo, producer: deadLetters } = stackClients('scorer-test');

describe('scorer on DynamoDB Local', () => {
  it('scores a batch in the exact MSK event shape AWS documents', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const event: MSKEvent = {
      eventSource: 'aws:kafka',
      eventSourceArn:
        'arn:aws:kafka:us-east-1:123456789012:cluster/demo-cluster/751d2973-a626-431c-9d4e-d7975eb44dd7-2',
      bootstrapServers:
        'b-1.demo.abc123.c1.kafka.us-east-1.amazonaws.com:9098,b-2.demo.abc123.c1.kafka.us-east-1.amazonaws.com:9098',
      records: {
        'activity-0': [
          {
            topic: 'activity',
            partition: 0,
            offset: 15,
            timestamp: 1545084650987,
            timestampType: 'CREATE_TIME',
            key: b64('1234'),
            value: b64('{"user_id": 1234, "activity": "profile.view"}'),
            headers: [{ source: [119, 101, 98] }],
          },
          {
            topic: 'activity',
            partition: 0,
            offset: 16,
            timestamp: 1545084650988,
            timestampType: 'CREATE_TIME',
            key: b64('1234'),
            value: b64('{"user_id": 1234, "activity": "message.private"}'),
            headers: [],
          },
        ],
        'activity-1': [
          {
            topic: 'activity',
            partition: 1,
            offset: 7,
            timestamp: 1545084650990,
            timestampType: 'LOG_APPEND_TIME',
            key: b64('42'),
            value: b64('{"user_id": "42", "activity": "profile.picture.like"}'),
            headers: [],
          },
          {
            topic: 'activity',
            partition: 1,
            offset: 8,
            timestamp: 1545084650991,
            timestampType: 'LOG_APPEND_TIME',
            key: b64('1234'),
            value: b64('{"user_id": 1234, "activity": "profile.picture.like"}'),
            headers: [],
          },
        ],
      },
    };
    const summary = await handle(event);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual([
      ['1234', 6],
      ['42', 2],
    ]);
    expect(summary).toMatchObject({ records: 4, accepted: 4, rejected: 0, distinctUsers: 2, writes: 2 });
  });

  it('matches a plain in-memory sum, with one write per distinct user per batch', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const records = activityRecords(5000, 800, { seed: 7 });
    const summary = await handle(eventOf(records));
    const expected = expectedSums(records);
    expect(summary.writes).toBe(expected.size);
    expect(summary.distinctUsers).toBe(expected.size);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expected));
  });

  it('keeps sums exact when the same batch is delivered twice', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const records = activityRecords(2000, 300, { seed: 11 });
    await handle(eventOf(records));
    const again = await handle(eventOf(records));
    expect(again.alreadyAppliedUsers).toBe(again.distinctUsers);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expectedSums(records)));
  });

  it('keeps sums exact when a redelivery overlaps with shifted boundaries', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const records = activityRecords(3000, 200, { seed: 13 });
    // Deliveries by position in the log: [0, 1500), then [1000, 2500) overlapping it, then [2200, 3000).
    const byPosition = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    const perPartition = (from: number, to: number) =>
      byPosition.filter((r) => {
        const rank = records.indexOf(r);
        return rank >= from && rank < to;
      });
    await handle(eventOf(perPartition(0, 1500)));
    const overlapping = await handle(eventOf(perPartition(1000, 2500)));
    await handle(eventOf(perPartition(2200, 3000)));
    expect(overlapping.redeliveredUsers).toBeGreaterThan(0);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expectedSums(records)));
  });

  it('keeps sums exact after a crash midway through a batch and its redelivery', async () => {
    const records = activityRecords(4000, 500, { seed: 17 });
    const users = expectedSums(records).size;
    const crashAfter = 120;
    const crashing = crashingAfterWrites(testDynamo(), crashAfter);
    const { config, handle } = await testScorer(dynamo, deadLetters, { writeConcurrency: 4 }, crashing);
    await expect(handle(eventOf(records))).rejects.toThrow('injected crash');
    const partial = await readSums(dynamo, config.scoresTable);
    // The invocation fails only once the writes in flight settled: exactly the first k users hold their sums.
    expect(partial.size).toBe(crashAfter);
    expect(partial.size).toBeLessThan(users);

    const retry = createScoreHandler({ config, dynamo, deadLetters }, silentLogger);
    const summary = await retry(eventOf(records));
    expect(summary.alreadyAppliedUsers).toBe(partial.size);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expectedSums(records)));
  });

  it('fails the invocation on a DynamoDB error other than the offset check', async () => {
    const { handle } = await testScorer(dynamo, deadLetters, { scoresTable: uniqueName('missing-table') });
    await expect(handle(eventOf(activityRecords(10, 5)))).rejects.toThrow(/non-existent table|not found/i);
  });
});

describe('observability', () => {
  it('records the summary as metrics where it logs it, and none for a batch that failed', async () => {
    const { config } = await testScorer(dynamo, deadLetters);
    const metrics = new Metrics({ namespace: 'scorer-test', serviceName: 'activity-scorer' });
    const added = vi.spyOn(metrics, 'addMetric');
    const summary = await createScoreHandler(
      { config, dynamo, deadLetters },
      silentLogger,
      metrics,
    )(eventOf(activityRecords(20, 5)));
    expect(added).toHaveBeenCalledWith('Records', MetricUnit.Count, 20);
    expect(added).toHaveBeenCalledWith('Accepted', MetricUnit.Count, summary.accepted);
    expect(added).toHaveBeenCalledWith('BatchDuration', MetricUnit.Milliseconds, summary.durationMs);

    added.mockClear();
    const failing = createScoreHandler(
      { config: { ...config, scoresTable: uniqueName('missing-table') }, dynamo, deadLetters },
      silentLogger,
      metrics,
    );
    await expect(failing(eventOf(activityRecords(10, 5)))).rejects.toThrow(/non-existent table|not found/i);
    expect(added).not.toHaveBeenCalled();
  });
});

describe('poison records', () => {
  const poison: Array<[string, KafkaRecord['value'], string]> = [
    ['tombstone', null, 'tombstone'],
    ['bad JSON', '{"user_id": 1,', 'bad_json'],
    ['not an object', '[1,2,3]', 'not_an_object'],
    ['missing user_id', '{"activity": "profile.view"}', 'missing_user_id'],
    ['wrongly typed user_id', '{"user_id": 1.25, "activity": "profile.view"}', 'bad_user_id'],
    ['missing activity', '{"user_id": 5}', 'missing_activity'],
    ['wrongly typed activity', '{"user_id": 5, "activity": ["profile.view"]}', 'unknown_activity'],
    ['unknown activity', '{"user_id": 5, "activity": "profile.poke"}', 'unknown_activity'],
    ['over 64 KiB', JSON.stringify({ user_id: 5, activity: 'profile.view', pad: 'x'.repeat(70_000) }), 'too_large'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'bad_utf8'],
  ];

  it('sends every bad record to the dead-letter topic with its reason while the good ones count once', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const good = activityRecords(300, 40, { seed: 23, partitions: 2 });
    let offset = 10_000;
    const bad: KafkaRecord[] = poison.map(([, value]) => ({
      topic: 'activity',
      partition: 1,
      offset: offset++,
      key: 'poison',
      value,
      headers: { trace: 'abc' },
    }));
    const mixed = [...good.slice(0, 150), ...bad, ...good.slice(150)];
    const event = eventOf(mixed);
    // A value that is not base64 at all can only arrive hand-made; it must not stop the batch either.
    event.records['activity-1']!.push({
      topic: 'activity',
      partition: 1,
      offset: offset++,
      timestamp: 1,
      timestampType: 'CREATE_TIME',
      key: b64('k'),
      value: 'not*base64',
      headers: [],
    });

    const summary = await handle(event);
    expect(summary.rejected).toBe(poison.length + 1);
    expect(summary.accepted).toBe(good.length);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expectedSums(good)));

    const letters = await readTopic(config.dlqTopic, poison.length + 1);
    const byOffset = new Map(letters.map((m) => [Number(m.headers[DLQ_HEADER.offset]), m]));
    for (const [i, [name, value, reason]] of poison.entries()) {
      const letter = byOffset.get(10_000 + i);
      expect(letter, name).toBeDefined();
      expect(letter!.headers[DLQ_HEADER.reason], name).toBe(reason);
      expect(letter!.headers[DLQ_HEADER.topic]).toBe('activity');
      expect(letter!.headers[DLQ_HEADER.partition]).toBe('1');
      expect(letter!.headers[DLQ_HEADER.detail]).not.toBe('');
      expect(letter!.headers.trace).toBe('abc');
      expect(letter!.key).toBe('poison');
      if (value === null) expect(letter!.value).toBeNull();
      else expect(Buffer.compare(letter!.value!, Buffer.from(value))).toBe(0);
    }
    const notBase64 = byOffset.get(10_000 + poison.length)!;
    expect(notBase64.headers[DLQ_HEADER.reason]).toBe('bad_base64');
    expect(notBase64.value?.toString()).toBe('not*base64');
  });
});

describe('cold start', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it.each([
    [{ SCORES_TABLE: 't', KAFKA_BROKERS: 'h:1', SCORE_WEIGHTS: '{"a": "x"}' }, /SCORE_WEIGHTS has non-integer scores/],
    [
      { SCORES_TABLE: 't', KAFKA_BROKERS: 'h:1', SCORE_WEIGHTS: '{"a": 0}' },
      /SCORE_WEIGHTS has scores outside 1-1000000/,
    ],
    [
      { SCORES_TABLE: 't', KAFKA_BROKERS: 'h:1', SCORE_WEIGHTS: '{"profile.view":1,"profile.view":1000000}' },
      /SCORE_WEIGHTS names "profile.view" more than once/,
    ],
    [{ KAFKA_BROKERS: 'h:1' }, /SCORES_TABLE is not set/],
    [{ SCORES_TABLE: 't' }, /KAFKA_BROKERS is not set/],
  ])('fails at import of the handler with the setting named (%o)', async (env, message) => {
    process.env = { ...saved, SCORES_TABLE: '', SCORE_WEIGHTS: '', KAFKA_BROKERS: '', ...env };
    vi.resetModules();
    await expect(import('../../functions/score.js')).rejects.toThrow(message);
  });

  it('loads with a valid configuration', async () => {
    process.env = { ...saved, SCORES_TABLE: 't', KAFKA_BROKERS: 'h:1', SCORE_WEIGHTS: '{"share": 4}' };
    vi.resetModules();
    const mod = await import('../../functions/score.js');
    expect(typeof mod.handler).toBe('function');
  });
});

/** The real client, made to throw on the UpdateItem after the first `k`: a Lambda dying midway through a batch. */
function crashingAfterWrites(client: DynamoDBClient, k: number): DynamoDBClient {
  let writes = 0;
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown) => {
        if (command instanceof UpdateItemCommand && ++writes > k) throw new Error('injected crash');
        return send(command);
      };
    },
  });
}
