// A log that started again (a recreated topic, or a cluster move where MirrorMaker 2 copied the old
// records with their CreateTime): every event counts once whatever the batch boundaries and
// redeliveries, through the real handler on DynamoDB Local.
import { describe, expect, it, vi } from 'vitest';
import { stackClients } from '../support/stack.js';
import { FIRST_TIMESTAMP, readWindows, readSums, silentLogger } from '../../local/fixtures/index.js';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { batchMetrics } from '../../lib/metrics.js';
import { eventOf, testScorer } from '../support/scorer.js';
import {
  windowMismatches,
  buildCases,
  deliverCases,
  mismatches,
  RESTART_SCENARIOS,
  SCORER_NOW,
} from '../support/restart-cases.js';

const { dynamo, producer: deadLetters } = stackClients('scorer-restarts');

describe('a log that started again, cut at every boundary and delivered again', () => {
  it('counts every event once: the old log, then copies and new events on the new one (every 16th cut; all of them in the slow suite)', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters, { trendingDays: 7 }, dynamo, () => SCORER_NOW);
    const cases = buildCases(RESTART_SCENARIOS, { cutsEvery: 16 });
    const summaries = await deliverCases(cases, (records) => handle(eventOf(records)));
    const sums = await readSums(dynamo, config.scoresTable);
    expect(mismatches(cases, sums, (c) => c.exact)).toEqual([]);
    // The window sums ride on the same writes: copies left out of them too.
    expect(windowMismatches(cases, await readWindows(dynamo, config.scoresTable, 7))).toEqual([]);
    // Every record here carries its CreateTime: nothing was left undecided.
    expect(summaries.reduce((n, s) => n + s.possibleCopies, 0)).toBe(0);
  }, 300_000);
});

const HOUR = 3_600_000;
const OTHER_CLUSTER = 'arn:aws:kafka:us-east-1:000000000000:cluster/moved/22222222-2222-2222-2222-222222222222-1';
const event = (
  offset: number,
  timestamp: number,
  options: { user?: string; brokerTime?: boolean } = {},
): KafkaRecord => ({
  topic: 'activity',
  partition: 0,
  offset,
  timestamp,
  timestampType: options.brokerTime ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
  key: options.user ?? '42',
  value: JSON.stringify({ user_id: options.user ?? '42', activity: 'message.private' }),
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** The old log as the issue reproduced it: offsets 1000-1009 stamped T..T+9, weight 3 each: 30. */
const oldLog = range(1000, 1009).map((o) => event(o, FIRST_TIMESTAMP + o - 1000));
/** MirrorMaker 2's copies at offsets 0-9 with the old CreateTime, or re-stamped by a LogAppendTime target. */
const copiesOf = (first: number, brokerTime = false) =>
  range(0, 9).map((k) =>
    event(first + k, brokerTime ? FIRST_TIMESTAMP + HOUR + k : FIRST_TIMESTAMP + k, { brokerTime }),
  );
const sumOf = async (table: string) => (await readSums(dynamo, table)).get('42');

describe('the cluster moves of issue 18, through the handler', () => {
  it('the copies and one new event in the same batch: 33, not 63', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    await handle(eventOf(oldLog));
    const moved = await handle(eventOf([...copiesOf(0), event(10, FIRST_TIMESTAMP + HOUR)], OTHER_CLUSTER));
    expect(await sumOf(config.scoresTable)).toBe(33);
    expect(moved).toMatchObject({ offsetRestarts: 1, copiesSkipped: 10, possibleCopies: 0 });
    // From then on the common case again: one conditional write per user, no read, the horizon checked in it.
    const next = await handle(
      eventOf([event(11, FIRST_TIMESTAMP + HOUR + 1), event(12, FIRST_TIMESTAMP + HOUR + 2)], OTHER_CLUSTER),
    );
    expect(next).toMatchObject({ distinctUsers: 1, writes: 1, redeliveredUsers: 0 });
    expect(await sumOf(config.scoresTable)).toBe(39);
  });

  it('the new event first, the copies in a later batch: 33, not 63', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    await handle(eventOf(oldLog));
    await handle(eventOf([event(0, FIRST_TIMESTAMP + HOUR)], OTHER_CLUSTER));
    const copies = await handle(eventOf(copiesOf(1), OTHER_CLUSTER));
    expect(await sumOf(config.scoresTable)).toBe(33);
    expect(copies).toMatchObject({ offsetRestarts: 0, copiesSkipped: 10, alreadyAppliedUsers: 1 });
  });

  it('copies re-stamped by a LogAppendTime target cannot be told apart: counted (60), and never silently', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    await handle(eventOf(oldLog));
    const warn = vi.spyOn(silentLogger, 'warn');
    // Split over two batches, and the first delivered twice: still reported once per event.
    const first = await handle(eventOf(copiesOf(0, true).slice(0, 4), OTHER_CLUSTER));
    const again = await handle(eventOf(copiesOf(0, true).slice(0, 4), OTHER_CLUSTER));
    const second = await handle(eventOf(copiesOf(0, true).slice(4), OTHER_CLUSTER));
    expect(await sumOf(config.scoresTable)).toBe(60);
    expect([first.possibleCopies, again.possibleCopies, second.possibleCopies]).toEqual([4, 0, 6]);
    expect(batchMetrics(second)).toContainEqual({ name: 'PossibleCopies', unit: 'Count', value: 6 });
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('may be copies of counted ones'),
      expect.objectContaining({
        eventSourceArn: OTHER_CLUSTER,
        possibleCopies: 6,
        users: [{ userId: '42', topic: 'activity', partition: 0, events: 6, score: 18, firstOffset: 4, lastOffset: 9 }],
      }),
    );
    warn.mockRestore();
    // Past the old log's offsets no copy of a counted event lands (when the copy ran first): counted, nothing reported.
    const later = await handle(eventOf([event(1010, FIRST_TIMESTAMP + 2 * HOUR, { brokerTime: true })], OTHER_CLUSTER));
    expect(later).toMatchObject({ possibleCopies: 0 });
    expect(await sumOf(config.scoresTable)).toBe(63);
  });

  it('producers switched before the copy, and a new event landed above the old offsets: the copies after it count again', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    // The old log stopped at offset 9 for this user; the new cluster took 2,000 records before the user's next event.
    await handle(eventOf(range(0, 9).map((o) => event(o, FIRST_TIMESTAMP + o))));
    await handle(eventOf([event(2000, FIRST_TIMESTAMP + HOUR)], OTHER_CLUSTER));
    const late = await handle(eventOf(copiesOf(2001), OTHER_CLUSTER));
    // Nothing marks a restart here: an old timestamp above the stored offset is what a producer with a slow clock
    // sends.
    expect(late).toMatchObject({ offsetRestarts: 0, copiesSkipped: 0 });
    expect(await sumOf(config.scoresTable)).toBe(63); // exact would be 33: copy first, then switch (docs/operations.md, "Offsets that start again")
  });

  it('an event in the same millisecond as the newest counted one, on a log that started again, is taken as counted', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    await handle(eventOf(oldLog));
    // Offset 0 shares T+9 with old offset 1009: a copy of it, or a new event in that millisecond; the rule takes it as
    // counted.
    await handle(eventOf([event(0, FIRST_TIMESTAMP + 9), event(1, FIRST_TIMESTAMP + HOUR)], OTHER_CLUSTER));
    expect(await sumOf(config.scoresTable)).toBe(33);
  });

  it('events without a timestamp (-1) are judged by their offsets alone', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    await handle(eventOf(oldLog));
    // Before anything reveals a restart, offset 0 is at or below the stored 1009: taken as a redelivery.
    const unseen = await handle(eventOf([event(0, -1)], OTHER_CLUSTER));
    expect(unseen.alreadyAppliedUsers).toBe(1);
    // Once a stamped event reveals it, the new log's offsets decide: counted, and reported as possible copies.
    const revealed = await handle(eventOf([event(1, FIRST_TIMESTAMP + HOUR), event(2, -1)], OTHER_CLUSTER));
    expect(revealed).toMatchObject({ offsetRestarts: 1, possibleCopies: 1 });
    expect(await sumOf(config.scoresTable)).toBe(36);
  });
});

describe("the old and the new cluster's mappings running at once (both write o:activity:0)", () => {
  const oldCluster = eventOf([]).eventSourceArn;
  const T = FIRST_TIMESTAMP;

  it('a copy the new mapping reads before the old mapping reads its original is counted twice', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const old = range(1000, 1004).map((o) => event(o, T + o - 1000));
    await handle(eventOf(old, oldCluster));
    // A producer still on the old cluster writes offset 1005; MirrorMaker copies it to offset 5 before the old mapping
    // reads it.
    const late = event(1005, T + HOUR);
    await handle(eventOf([...range(0, 4).map((k) => event(k, T + k)), event(5, T + HOUR)], OTHER_CLUSTER));
    await handle(eventOf([late], oldCluster));
    expect(await sumOf(config.scoresTable)).toBe(3 * 7); // exact would be 3 * 6
  });

  it('an old-cluster event read late, stamped before a new-cluster event already counted, can be taken for a copy and never counted', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    await handle(
      eventOf(
        range(1000, 1004).map((o) => event(o, T + o - 1000)),
        oldCluster,
      ),
    );
    // The new cluster: the copies, then an event produced there at T+2h.
    await handle(eventOf([...range(0, 4).map((k) => event(k, T + k)), event(5, T + 2 * HOUR)], OTHER_CLUSTER));
    // A straggler stamped T+1h on the old cluster, read by the old mapping only now, and its copy after it.
    await handle(eventOf([event(1005, T + HOUR)], oldCluster));
    await handle(eventOf([event(6, T + HOUR)], OTHER_CLUSTER));
    // Counted once so far. Then another event on the new cluster, and one more straggler on the old one.
    await handle(eventOf([event(7, T + 3 * HOUR)], OTHER_CLUSTER));
    // Stamped before the new cluster's T+2h event, which the last restart made the horizon.
    await handle(eventOf([event(1006, T + 1.5 * HOUR)], oldCluster));
    await handle(eventOf([event(8, T + 1.5 * HOUR)], OTHER_CLUSTER));
    expect(await sumOf(config.scoresTable)).toBe(3 * 8); // exact would be 3 * 9: offset 1006 and its copy both taken as copies
  });
});
