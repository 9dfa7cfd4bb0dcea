// The scorer's window sums on DynamoDB Local whatever the activity: never more than TRENDING_DAYS + 2
// after a write, each equal to a model of every write kept apart from lib/, through idle spells of a
// day to a year and out-of-order, late, future and undated events; and what a change of TRENDING_DAYS
// does to an item and to what the job's scan reads.
import { describe, expect, it } from 'vitest';
import { scanScores } from '../../lib/adapters/scan.js';
import type { ScorerConfig } from '../../lib/core/config.js';
import { trendingWindow } from '../../lib/core/trending-window.js';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { seededRandom, utcDate, windowSumsOf } from '../../local/fixtures/index.js';
import { stackClients } from '../support/stack.js';
import { eventOf, testScorer } from '../support/scorer.js';
import {
  clockedScorer as scorerOn,
  DAY,
  HOUR,
  itemBytes,
  NOON,
  perDate,
  sortedSums,
  WEIGHT,
} from '../support/clocked-scorer.js';

const { dynamo, producer: deadLetters } = stackClients('window-bounds');
const clockedScorer = (days: number) => scorerOn(dynamo, deadLetters, days);
/** Another scorer on the same table as `other`, with its own TRENDING_DAYS and a fixed clock: a change of setting. */
const scorerOnTableOf = (other: { config: ScorerConfig }, days: number, at: number) =>
  testScorer(
    dynamo,
    deadLetters,
    { trendingDays: days, scoresTable: other.config.scoresTable, dlqTopic: other.config.dlqTopic },
    dynamo,
    () => at,
  );

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
    const narrow = await scorerOnTableOf(wide, 1, NOON);
    const next = (offset: number, timestamp: number): KafkaRecord => ({ ...wide.event('w', timestamp), offset });
    // Sums of 90 days are not sums of 1: the write finds another length, and its re-cut clears them all.
    expect(await narrow.handle(eventOf([next(92, NOON)]))).toMatchObject({ writes: 2, staleWindowUsers: 1 });
    expect(await wide.windows('w', 1)).toEqual({ [utcDate(NOON)]: WEIGHT });
    const off = await scorerOnTableOf(wide, 0, NOON + 30 * DAY);
    expect(await off.handle(eventOf([next(93, NOON + 30 * DAY)]))).toMatchObject({
      writes: 1,
      lateEvents: 0,
      futureEvents: 0,
    });
    expect(await wide.windows('w', 1)).toEqual({ [utcDate(NOON)]: WEIGHT });
    const back = await scorerOnTableOf(wide, 7, NOON + 31 * DAY);
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
    const narrow = await scorerOnTableOf(wide, 7, NOON);
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
