// The scorer's sums stay exact at the edges: one user in many partitions, offsets that start again, sums near 2^53.
import { describe, expect, it, vi } from 'vitest';
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { stackClients } from '../support/stack.js';
import {
  activityRecords,
  expectedSums,
  FIRST_TIMESTAMP,
  readSums,
  silentLogger,
  sorted,
} from '../../local/fixtures/index.js';
import { eventOf, testScorer } from '../support/scorer.js';

const { dynamo, producer: deadLetters } = stackClients('scorer-exactness');

const view = (userId: number | string, partition: number, offset: number, timestamp: number): KafkaRecord => ({
  topic: 'activity',
  partition,
  offset,
  timestamp,
  key: String(userId),
  value: JSON.stringify({ user_id: userId, activity: 'message.private' }),
});

describe('one user in many partitions of one batch', () => {
  it('200 partitions, delivered twice: the sum is exact and every request is accepted', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const records = Array.from({ length: 200 }, (_, p) => [
      view(7, p, 40, FIRST_TIMESTAMP + p),
      view(7, p, 41, FIRST_TIMESTAMP + p + 1),
    ]).flat();
    const first = await handle(eventOf(records));
    const again = await handle(eventOf(records));
    expect(first.distinctUsers).toBe(1);
    expect(again.alreadyAppliedUsers).toBe(1);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual([['7', 200 * 2 * 3]]);
  });

  it('a redelivery that overlaps part of those partitions adds only the new events', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const records = Array.from({ length: 150 }, (_, p) => [
      view(8, p, 10, FIRST_TIMESTAMP + p),
      view(8, p, 11, FIRST_TIMESTAMP + p + 1),
    ]).flat();
    await handle(eventOf(records.filter((r) => r.offset === 10)));
    const overlapping = await handle(eventOf(records));
    expect(overlapping.redeliveredUsers).toBe(1);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expectedSums(records)));
  });
});

describe('offsets that start again below the stored ones', () => {
  const later = FIRST_TIMESTAMP + 86_400_000;

  it('after offsets 1000-1699, a batch at offsets 0-99 with newer timestamps is counted, and its redelivery is not', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const old = activityRecords(2_800, 50, { partitions: 4, firstOffset: 1000, seed: 31 }).filter(
      (r) => r.offset <= 1699,
    );
    expect(Math.min(...old.map((r) => r.offset))).toBe(1000);
    expect(Math.max(...old.map((r) => r.offset))).toBe(1699);
    await handle(eventOf(old));

    // The topic was deleted and created again: offsets start at 0, the records are newer.
    const recreated = activityRecords(600, 50, {
      partitions: 4,
      firstOffset: 0,
      seed: 37,
      firstTimestamp: later,
    }).filter((r) => r.offset <= 99);
    expect(Math.max(...recreated.map((r) => r.offset))).toBe(99);
    const warn = vi.spyOn(silentLogger, 'warn');
    const otherCluster = 'arn:aws:kafka:us-east-1:000000000000:cluster/local/11111111-1111-1111-1111-111111111111-1';
    const summary = await handle(eventOf(recreated, otherCluster));
    // Never silent: a warning names the partition, the stored and the incoming offsets, and the event source.
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('offsets started again'),
      expect.objectContaining({
        eventSourceArn: otherCluster,
        restarts: expect.arrayContaining([
          expect.objectContaining({
            topic: 'activity',
            storedOffset: expect.any(Number),
            firstOffset: expect.any(Number),
            lastOffset: expect.any(Number),
          }),
        ]),
      }),
    );
    warn.mockRestore();
    const both = expectedSums([...old, ...recreated]);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(both));
    expect(summary.offsetRestarts).toBeGreaterThan(0);

    // The new log's batch delivered again is a plain redelivery.
    const again = await handle(eventOf(recreated));
    expect(again.offsetRestarts).toBe(0);
    expect(again.alreadyAppliedUsers).toBe(again.distinctUsers);
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(both));
  });

  it('never mistakes a redelivery for a restart, even when a later batch carries older timestamps', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    // Producers with skewed clocks: the second batch's records are stamped before the first's.
    const first = activityRecords(600, 30, { partitions: 2, firstOffset: 0, seed: 41, firstTimestamp: later });
    const second = activityRecords(600, 30, {
      partitions: 2,
      firstOffset: 1_000,
      seed: 43,
      firstTimestamp: FIRST_TIMESTAMP,
    });
    expect(Math.max(...first.map((r) => r.offset))).toBeLessThan(1_000);
    await handle(eventOf(first));
    await handle(eventOf(second));
    const redelivered = [
      await handle(eventOf(first)),
      await handle(eventOf(second)),
      await handle(eventOf([...first, ...second])),
    ];
    for (const s of redelivered) expect(s).toMatchObject({ offsetRestarts: 0, alreadyAppliedUsers: s.distinctUsers });
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expectedSums([...first, ...second])));
  });
});

describe('restarts found while another writer moves the stored offsets', () => {
  it('counts the restart that the written re-cut found, not only one found by the first re-cut', async () => {
    const X = FIRST_TIMESTAMP;
    const item = (o: number, t: number, score: number) => ({
      user_id: { S: '20' },
      score: { N: String(score) },
      'o:activity:0': { N: String(o) },
      't:activity:0': { N: String(t) },
    });
    // Before the re-cut's write goes out, a late writer of the old log stores offset 1009 with an older timestamp.
    let writes = 0;
    let table = '';
    const send = dynamo.send.bind(dynamo) as (command: unknown) => Promise<unknown>;
    const interposed = new Proxy(dynamo, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: unknown) => {
          if (command instanceof UpdateItemCommand && ++writes === 2)
            await send(new PutItemCommand({ TableName: table, Item: item(1009, X + 1, 30) }));
          return send(command);
        };
      },
    });
    const { config, handle } = await testScorer(dynamo, deadLetters, {}, interposed);
    table = config.scoresTable;
    await dynamo.send(new PutItemCommand({ TableName: table, Item: item(3, X + 3, 3) }));

    // Offset 2 is at or below the stored 3 and older: the first re-cut sees a redelivery. Against 1009 it is a restart.
    const summary = await handle(eventOf([view(20, 0, 2, X + 2), view(20, 0, 5, X + 5)]));
    expect(writes).toBe(3);
    expect(summary.offsetRestarts).toBe(1);
    expect(sorted(await readSums(dynamo, table))).toEqual([['20', 36]]);
  });
});

describe('sums near 2^53', () => {
  it('refuses a sum that would pass 2^53 - 1 with a clear error, and stores nothing of it', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const nearLimit = String(Number.MAX_SAFE_INTEGER - 2); // 9007199254740989
    await dynamo.send(
      new PutItemCommand({ TableName: config.scoresTable, Item: { user_id: { S: '9' }, score: { N: nearLimit } } }),
    );
    const failure = handle(eventOf([view(9, 0, 5, FIRST_TIMESTAMP)]));
    await expect(failure).rejects.toThrow(
      'user "9": adding 3 to the stored score 9007199254740989 would pass 2^53 - 1 (9007199254740991)',
    );
    // Redelivering the batch cannot help: the error says so.
    await expect(failure).rejects.toMatchObject({ name: 'ScoreOverflowError', retriable: false });
    const item = await dynamo.send(
      new GetItemCommand({ TableName: config.scoresTable, Key: { user_id: { S: '9' } }, ConsistentRead: true }),
    );
    expect(item.Item?.score?.N).toBe(nearLimit);
    expect(item.Item?.['o:activity:0']).toBeUndefined();
  });

  it('still adds up to exactly 2^53 - 1', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    await dynamo.send(
      new PutItemCommand({
        TableName: config.scoresTable,
        Item: { user_id: { S: '10' }, score: { N: String(Number.MAX_SAFE_INTEGER - 3) } },
      }),
    );
    await handle(eventOf([view(10, 0, 5, FIRST_TIMESTAMP)]));
    const item = await dynamo.send(
      new GetItemCommand({ TableName: config.scoresTable, Key: { user_id: { S: '10' } }, ConsistentRead: true }),
    );
    expect(item.Item?.score?.N).toBe(String(Number.MAX_SAFE_INTEGER));
  });
});
