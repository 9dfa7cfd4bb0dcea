// The scorer's window sums on DynamoDB Local, driven by its clock: one write per user for daily and
// weekly activity, one more write once for a user back after longer or after TRENDING_DAYS changed,
// never more than TRENDING_DAYS + 2 sums after a write whatever the pattern, each the sum of the events
// in its run day's window (windowSumsOf, written apart from lib/), and late and future events counted.
import { describe, expect, it, vi } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { batchMetrics } from '../../lib/metrics.js';
import { silentLogger, utcDate, windowSumsOf } from '../../local/fixtures/index.js';
import { ensureTopicsOn } from '../../local/services/kafka-topics.js';
import { freshTopic, stackEndpoints, uniqueName, stackClients } from '../support/stack.js';
import { produce } from '../support/mappings.js';
import { scoreTopicThroughStandIn, testScorer } from '../support/scorer.js';
import { clockedScorer as scorerOn, DAY, HOUR, NOON, perDate, sortedSums, WEIGHT } from '../support/clocked-scorer.js';

const { dynamo, producer: deadLetters } = stackClients('scorer-trending');
const clockedScorer = (days: number) => scorerOn(dynamo, deadLetters, days);

describe('window sums: the common case costs what it did', () => {
  it("a user active every day for 30 days: one write a day, and the sums are yesterday's run to six days on", async () => {
    const s = await clockedScorer(7);
    for (let d = 0; d < 30; d++) {
      s.setClock(NOON + d * DAY);
      const summary = await s.score([s.event('42', NOON + d * DAY - HOUR), s.event('42', NOON + d * DAY - 2 * HOUR)]);
      expect(summary).toMatchObject({ writes: 1, redeliveredUsers: 0, staleWindowUsers: 0, lateEvents: 0 });
    }
    const daily = perDate(Array.from({ length: 30 }, (_, d) => [NOON + d * DAY, 2 * WEIGHT]));
    const held = await s.windows('42');
    expect(held).toEqual(sortedSums(windowSumsOf(daily, { scorerNow: NOON + 29 * DAY, days: 7 })));
    expect(Object.keys(held)).toHaveLength(8);
    // Today's run: the last seven days, two events each.
    expect(held[utcDate(NOON + 29 * DAY)]).toBe(7 * 2 * WEIGHT);
    expect(Number((await s.item('42')).score!.N)).toBe(30 * 2 * WEIGHT);
  });

  it('back after 7 idle days: still one write; after 8, two writes once, and then one again', async () => {
    const s = await clockedScorer(7);
    await s.score([s.event('7', NOON), s.event('8', NOON)]);
    s.setClock(NOON + 7 * DAY);
    expect(await s.score([s.event('7', NOON + 7 * DAY)])).toMatchObject({ writes: 1, staleWindowUsers: 0 });
    s.setClock(NOON + 8 * DAY);
    expect(await s.score([s.event('8', NOON + 8 * DAY)])).toMatchObject({
      writes: 2,
      staleWindowUsers: 1,
      redeliveredUsers: 0,
      alreadyAppliedUsers: 0,
    });
    s.setClock(NOON + 9 * DAY);
    expect(await s.score([s.event('8', NOON + 9 * DAY)])).toMatchObject({ writes: 1, staleWindowUsers: 0 });
    // Day 0 still counts for yesterday's run on day 7 (today - TRENDING_DAYS); on day 8 it counts for none, and is gone.
    expect(await s.windows('7')).toEqual(
      sortedSums(
        windowSumsOf(
          perDate([
            [NOON, WEIGHT],
            [NOON + 7 * DAY, WEIGHT],
          ]),
          { scorerNow: NOON + 7 * DAY, days: 7 },
        ),
      ),
    );
    expect((await s.windows('7'))[utcDate(NOON + 6 * DAY)]).toBe(WEIGHT);
    expect(await s.windows('8')).toEqual(
      sortedSums(
        windowSumsOf(
          perDate([
            [NOON + 8 * DAY, WEIGHT],
            [NOON + 9 * DAY, WEIGHT],
          ]),
          { scorerNow: NOON + 9 * DAY, days: 7 },
        ),
      ),
    );
  });

  it('a user idle for a year: one extra write clears every old sum', async () => {
    const s = await clockedScorer(7);
    await s.score(Array.from({ length: 9 }, (_, d) => s.event('u', NOON - d * DAY)));
    expect(Object.keys(await s.windows('u'))).toHaveLength(8); // yesterday's run to six days on
    s.setClock(NOON + 365 * DAY);
    expect(await s.score([s.event('u', NOON + 365 * DAY)])).toMatchObject({ writes: 2, staleWindowUsers: 1 });
    expect(await s.windows('u')).toEqual(
      sortedSums(windowSumsOf(perDate([[NOON + 365 * DAY, WEIGHT]]), { scorerNow: NOON + 365 * DAY, days: 7 })),
    );
    expect(Number((await s.item('u')).score!.N)).toBe(10 * WEIGHT);
  });
});

describe('late, future and undated events', () => {
  it('count in the all-time score; a late or undated one in no window, a future one on the scorer day; all reported', async () => {
    const s = await clockedScorer(7);
    const warn = vi.spyOn(silentLogger, 'warn');
    const summary = await s.score([
      s.event('9', NOON - 3 * DAY),
      s.event('9', NOON - HOUR),
      s.event('9', NOON - 7 * DAY), // the oldest day a kept window holds (yesterday's run): today - TRENDING_DAYS
      s.event('9', NOON - 8 * DAY), // before it: late
      s.event('9', NOON + 30 * 60_000), // within the hour: its own time
      s.event('9', NOON + 5 * HOUR), // ahead by more than an hour: the scorer's day
      s.event('9', -1),
    ]);
    expect(summary).toMatchObject({ accepted: 7, lateEvents: 1, futureEvents: 1, undatedEvents: 1 });
    const counted = perDate([
      [NOON - 7 * DAY, WEIGHT],
      [NOON - 3 * DAY, WEIGHT],
      [NOON, 3 * WEIGHT],
    ]);
    const held = await s.windows('9');
    expect(held).toEqual(sortedSums(windowSumsOf(counted, { scorerNow: NOON, days: 7 })));
    expect(held[utcDate(NOON - DAY)]).toBe(2 * WEIGHT); // yesterday's run: the oldest day and three days ago
    expect(held[utcDate(NOON)]).toBe(4 * WEIGHT); // today's run: three days ago and today's three
    expect(Number((await s.item('9')).score!.N)).toBe(7 * WEIGHT);
    expect(batchMetrics(summary)).toEqual(
      expect.arrayContaining([
        { name: 'LateEvents', unit: 'Count', value: 1 },
        { name: 'FutureEvents', unit: 'Count', value: 1 },
        { name: 'UndatedEvents', unit: 'Count', value: 1 },
      ]),
    );
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('more than an hour after the scorer'),
      expect.objectContaining({
        futureEvents: 1,
        events: [expect.objectContaining({ userId: '9', offset: 5, timestamp: NOON + 5 * HOUR })],
      }),
    );
    warn.mockRestore();
  });

  it('an event stamped within the hour after midnight, scored at 23:30, lands on the next day: the one run day ahead', async () => {
    const s = await clockedScorer(1);
    const lateEvening = Date.UTC(2026, 5, 15, 23, 30);
    s.setClock(lateEvening);
    await s.score([
      s.event('m', lateEvening + 50 * 60_000),
      s.event('m', lateEvening - DAY),
      s.event('m', lateEvening),
    ]);
    // A window of one day: each run day's sum is that day's events.
    expect(await s.windows('m')).toEqual({ '2026-06-14': WEIGHT, '2026-06-15': WEIGHT, '2026-06-16': WEIGHT });
  });
});

describe('future events on the broker', () => {
  it("Kafka 4's default refuses a record stamped two hours ahead; a topic that allows it delivers it, and the scorer clamps and counts it", async () => {
    const ahead = {
      key: 'f',
      value: JSON.stringify({ user_id: 'f', activity: 'message.private' }),
      timestamp: Date.now() + 2 * HOUR,
    };
    // message.timestamp.after.max.ms is one hour unless a topic or broker says otherwise.
    await expect(produce(await freshTopic('future-default'), [ahead])).rejects.toThrow(
      /timestamp of the message is out of acceptable range/,
    );
    const topic = uniqueName('future-allowed');
    await ensureTopicsOn(stackEndpoints().kafkaBrokers, [
      { topic, partitions: 1, configs: { 'message.timestamp.after.max.ms': String(DAY) } },
    ]);
    await produce(topic, [ahead]);
    const { config } = await testScorer(dynamo, deadLetters, { trendingDays: 7 });
    const before = Date.now();
    const summaries = await scoreTopicThroughStandIn(config, dynamo, { topic, groupPrefix: 'future', batchSize: 10 });
    expect(summaries.reduce((n, s) => n + s.futureEvents, 0)).toBe(1);
    const item = (
      await dynamo.send(
        new GetItemCommand({ TableName: config.scoresTable, Key: { user_id: { S: 'f' } }, ConsistentRead: true }),
      )
    ).Item!;
    expect(Number(item.score!.N)).toBe(WEIGHT);
    // On the scorer's day, not the record's (which after 22:00 UTC is tomorrow): the runs from it to six days on.
    const scorerDays = [utcDate(before), utcDate(Date.now())];
    const runs = Object.keys(item)
      .filter((name) => name.startsWith('w7:'))
      .sort();
    expect(runs).toHaveLength(7);
    expect(scorerDays).toContain(runs[0]!.slice(3));
  });
});
