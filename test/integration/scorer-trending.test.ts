// The scorer's window sums on DynamoDB Local, driven by its clock: one write per user for daily and
// weekly activity, one more write once for a user back after longer or after TRENDING_DAYS changed,
// never more than TRENDING_DAYS + 2 sums after a write whatever the pattern, each the sum of the events
// in its run day's window (windowSumsOf, written apart from lib/), and late and future events counted.
import { describe, expect, it, vi } from 'vitest';
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { batchMetrics } from '../../lib/metrics.js';
import { scanScores } from '../../lib/adapters/scan.js';
import { trendingWindow } from '../../lib/core/trending-window.js';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { seededRandom, silentLogger, utcDate, windowSumsOf } from '../../local/fixtures/index.js';
import { ensureTopicsOn } from '../../local/services/kafka-topics.js';
import { freshTopic, stackEndpoints, uniqueName, stackClients } from '../support/stack.js';
import { produce } from '../support/mappings.js';
import { eventOf, scoreTopicThroughStandIn, testScorer } from '../support/scorer.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOON = Date.UTC(2026, 5, 15, 12);
const WEIGHT = 3;

const { dynamo, producer: deadLetters } = stackClients('scorer-trending');

/** A scorer with TRENDING_DAYS `days` whose clock the test sets, and the events it numbers per partition. */
async function clockedScorer(days: number) {
  let now = NOON;
  const { config, handle } = await testScorer(dynamo, deadLetters, { trendingDays: days }, dynamo, () => now);
  const offsets = new Map<string, number>();
  const event = (user: string, timestamp: number, partition = 0): KafkaRecord => {
    const key = `${user}:${partition}`;
    const offset = offsets.get(key) ?? 0;
    offsets.set(key, offset + 1);
    return {
      topic: 'activity',
      partition,
      offset,
      timestamp,
      key: user,
      value: JSON.stringify({ user_id: user, activity: 'message.private' }),
    };
  };
  const item = async (user: string): Promise<Record<string, AttributeValue>> =>
    (
      await dynamo.send(
        new GetItemCommand({ TableName: config.scoresTable, Key: { user_id: { S: user } }, ConsistentRead: true }),
      )
    ).Item ?? {};
  // Run date -> sum for this scorer's length; a sum of another length, which no write should leave, by its name.
  const windows = async (user: string, length = days): Promise<Record<string, number>> => {
    const held: Array<[string, number]> = [];
    for (const [name, value] of Object.entries(await item(user))) {
      const match = /^w(\d+):(.*)$/.exec(name);
      if (match !== null) held.push([Number(match[1]) === length ? match[2]! : name, Number(value.N)]);
    }
    return Object.fromEntries(held.sort(([a], [b]) => a.localeCompare(b)));
  };
  return {
    config,
    handle,
    event,
    item,
    windows,
    setClock: (ms: number) => (now = ms),
    score: (records: KafkaRecord[]) => handle(eventOf(records)),
  };
}

/**
 * An item's size by DynamoDB's documented rule: each attribute's name in UTF-8 bytes plus its value, a
 * string in UTF-8 bytes, a number about one byte per two significant digits plus one.
 */
function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S);
    else if (value.N !== undefined) bytes += Math.ceil(value.N.replace(/^[-0.]+|\.|0+$/g, '').length / 2) + 1;
    else throw new Error(`unexpected attribute ${name}`);
  }
  return bytes;
}

/** Event dates -> sums as a map, for windowSumsOf. */
const perDate = (entries: Array<[number, number]>) => new Map(entries.map(([t, sum]) => [utcDate(t), sum]));
/** The stored form of windowSumsOf's answer, sorted by run date as `windows` reads them. */
const sortedSums = (sums: Map<string, number>) => Object.fromEntries([...sums].sort(([a], [b]) => a.localeCompare(b)));

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

describe('bounded items: never more than TRENDING_DAYS + 2 window sums after a write, whatever the pattern', () => {
  /**
   * A model of one item, written apart from the scorer: each write drops the run dates before the
   * scorer's yesterday, then adds each event (on the scorer's date when stamped over an hour ahead;
   * nowhere when without a timestamp) to every run date from yesterday on whose window of `days` dates
   * holds it.
   */
  function modelWrite(model: Map<string, number>, now: number, days: number, stamps: number[]): void {
    const yesterday = utcDate(now - DAY);
    for (const date of model.keys()) if (date < yesterday) model.delete(date);
    for (const t of stamps) {
      if (t < 0) continue;
      const at = t > now + HOUR ? now : t;
      for (let k = 0; k < days; k++) {
        const run = utcDate(at + k * DAY);
        if (run >= yesterday) model.set(run, (model.get(run) ?? 0) + WEIGHT);
      }
    }
  }

  it.each([1, 7, 90])(
    'TRENDING_DAYS=%i: idle spells of a day to a year, out-of-order, late, future and undated events',
    async (days) => {
      const s = await clockedScorer(days);
      const random = seededRandom(days);
      const users = ['a', 'b', 'c'];
      const models = new Map(users.map((u) => [u, new Map<string, number>()]));
      let now = NOON;
      let extraWrites = 0;
      for (let step = 0; step < 60; step++) {
        // Mostly a day or a few, sometimes a month or a year.
        const r = random();
        now +=
          r < 0.5
            ? Math.floor(random() * 2 * DAY)
            : r < 0.85
              ? Math.floor(random() * 10 * DAY)
              : r < 0.95
                ? 40 * DAY
                : 365 * DAY;
        s.setClock(now);
        const records: KafkaRecord[] = [];
        const stampsOf = new Map<string, number[]>();
        for (const user of users) {
          if (random() < 0.3) continue;
          const stamps = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
            const kind = random();
            if (kind < 0.6) return now - Math.floor(random() * days * DAY); // inside the window, in any order
            if (kind < 0.75) return now - (days + 1 + Math.floor(random() * 30)) * DAY; // late
            if (kind < 0.9) return now + Math.floor(random() * 6 * HOUR); // ahead: within the hour, or beyond
            return -1;
          });
          stampsOf.set(user, stamps);
          for (const t of stamps) records.push(s.event(user, t, users.indexOf(user)));
        }
        if (records.length === 0) continue;
        const summary = await s.score(records);
        extraWrites += summary.writes - stampsOf.size;
        for (const [user, stamps] of stampsOf) modelWrite(models.get(user)!, now, days, stamps);
        for (const user of stampsOf.keys()) {
          const held = await s.windows(user);
          expect(Object.keys(held).length).toBeLessThanOrEqual(days + 2);
          // Well inside DynamoDB's 400 KB: 2 KB at most even with 92 sums.
          expect(itemBytes(await s.item(user))).toBeLessThan(2048);
          expect(held).toEqual(Object.fromEntries([...models.get(user)!].sort(([a], [b]) => a.localeCompare(b))));
        }
      }
      // Some writes took a second attempt (clocks moved back within a partition, or sums too old), never more.
      expect(extraWrites).toBeGreaterThan(0);
    },
    120_000,
  );

  it('TRENDING_DAYS lowered from 90 to 1: the next write starts the window afresh; 0 leaves it alone; raised again, afresh again', async () => {
    const wide = await clockedScorer(90);
    const stamps = Array.from({ length: 92 }, (_, d) => NOON - d * DAY + HOUR);
    await wide.score(stamps.map((t) => wide.event('w', t)));
    const history = perDate(stamps.map((t) => [t, WEIGHT]));
    expect(await wide.windows('w')).toEqual(sortedSums(windowSumsOf(history, { scorerNow: NOON, days: 90 })));
    expect(Object.keys(await wide.windows('w'))).toHaveLength(91); // 89 days on has nothing in its window
    // About 14 bytes a sum: the longest window keeps an item near 1.5 KB.
    expect(itemBytes(await wide.item('w'))).toBeGreaterThan(91 * 14);
    expect(itemBytes(await wide.item('w'))).toBeLessThan(1800);
    const narrow = await testScorer(
      dynamo,
      deadLetters,
      { trendingDays: 1, scoresTable: wide.config.scoresTable, dlqTopic: wide.config.dlqTopic },
      dynamo,
      () => NOON,
    );
    const next = (offset: number, timestamp: number): KafkaRecord => ({ ...wide.event('w', timestamp), offset });
    // Sums of 90 days are not sums of 1: the write finds another length, and its re-cut clears them all.
    expect(await narrow.handle(eventOf([next(92, NOON)]))).toMatchObject({ writes: 2, staleWindowUsers: 1 });
    expect(await wide.windows('w', 1)).toEqual({ [utcDate(NOON)]: WEIGHT });
    const off = await testScorer(
      dynamo,
      deadLetters,
      { trendingDays: 0, scoresTable: wide.config.scoresTable, dlqTopic: wide.config.dlqTopic },
      dynamo,
      () => NOON + 30 * DAY,
    );
    expect(await off.handle(eventOf([next(93, NOON + 30 * DAY)]))).toMatchObject({
      writes: 1,
      lateEvents: 0,
      futureEvents: 0,
    });
    expect(await wide.windows('w', 1)).toEqual({ [utcDate(NOON)]: WEIGHT });
    const back = await testScorer(
      dynamo,
      deadLetters,
      { trendingDays: 7, scoresTable: wide.config.scoresTable, dlqTopic: wide.config.dlqTopic },
      dynamo,
      () => NOON + 31 * DAY,
    );
    expect(await back.handle(eventOf([next(94, NOON + 31 * DAY)]))).toMatchObject({ writes: 2, staleWindowUsers: 1 });
    expect(await wide.windows('w', 7)).toEqual(
      sortedSums(windowSumsOf(perDate([[NOON + 31 * DAY, WEIGHT]]), { scorerNow: NOON + 31 * DAY, days: 7 })),
    );
    expect(Number((await wide.item('w')).score!.N)).toBe(95 * WEIGHT);
  });
});

describe('TRENDING_DAYS changed', () => {
  it("a user not written since: the job's scan reads no sum built for the old length", async () => {
    const wide = await clockedScorer(90);
    await wide.score(Array.from({ length: 30 }, (_, d) => wide.event('dormant', NOON - d * DAY)));
    const narrow = await testScorer(
      dynamo,
      deadLetters,
      { trendingDays: 7, scoresTable: wide.config.scoresTable, dlqTopic: wide.config.dlqTopic },
      dynamo,
      () => NOON,
    );
    await narrow.handle(eventOf([wide.event('active', NOON)]));
    const windowOf = new Map<string, number>();
    await scanScores(
      dynamo,
      wide.config.scoresTable,
      1,
      (_segment, page) => page.userIds.forEach((id, i) => windowOf.set(id, page.windowScores![i]!)),
      undefined,
      trendingWindow(new Date(NOON), 7),
    );
    // The dormant user's 30 events over 30 days are a 90-day sum: read as a 7-day one they would rank it above
    // the user whose one event today is all a 7-day window holds since the change.
    expect(Object.fromEntries(windowOf)).toEqual({ dormant: 0, active: WEIGHT });
  });
});
