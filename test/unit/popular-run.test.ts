import { describe, expect, it } from 'vitest';
import {
  POPULAR_KEY_PREFIX,
  popularUserMessage,
  runEndMessage,
  runKey,
  TRENDING_KEY_PREFIX,
  type PopularRun,
} from '../../lib/core/popular-run.js';
import { decodePopularMessage, type PopularMessage } from '../../lib/core/run-decoder.js';
import { RunCollector } from '../../lib/core/run-collector.js';
import { RunClock } from '../../lib/core/run-clock.js';

const PROD = 'popular-users-prod-popular';
const run = (id: string, second: number, source = PROD): PopularRun => ({
  runId: id,
  key: `popular_${second}`,
  startedAt: new Date(second * 1000),
  percentile: 95,
  source,
});

/** A message as a consumer decodes it off the topic. */
function decoded(message: ReturnType<typeof popularUserMessage>): PopularMessage {
  const headers = Object.fromEntries((message.headers ?? []).map(([k, v]) => [k, String(v)]));
  return decodePopularMessage(String(message.key), String(message.value), headers)!;
}

const users = (r: PopularRun, n: number) =>
  Array.from({ length: n }, (_, i) => decoded(popularUserMessage({ userId: `u${i}`, score: 100 + i }, r, 99)));
const end = (r: PopularRun, count: number, cutoff: number | null = 99) =>
  decoded(runEndMessage(r, { count, cutoff, usersScanned: 1000 }));

describe('run completeness as a consumer sees it', () => {
  it("a trending run: keyed trending_<seconds>, its marker's window decoded into the complete run, and told apart by its key prefix", () => {
    const startedAt = new Date(1_764_100_000_500);
    expect(runKey(POPULAR_KEY_PREFIX, startedAt)).toBe('popular_1764100000');
    const trending: PopularRun = {
      runId: 't',
      key: runKey(TRENDING_KEY_PREFIX, startedAt),
      startedAt,
      percentile: 90,
      source: PROD,
    };
    expect(trending.key).toBe('trending_1764100000');
    const marker = runEndMessage(trending, {
      count: 2,
      cutoff: 99,
      usersScanned: 600,
      window: { start: '2026-11-19', end: '2026-11-25' },
    });
    expect(JSON.parse(String(marker.value))).toMatchObject({
      window_start: '2026-11-19',
      window_end: '2026-11-25',
      users_scanned: 600,
    });
    // An all-time marker carries no window.
    expect(
      JSON.parse(String(runEndMessage(run('a', 100), { count: 0, cutoff: null, usersScanned: 0 }).value)),
    ).not.toHaveProperty('window_start');

    const c = new RunCollector({ source: PROD, keyPrefix: TRENDING_KEY_PREFIX });
    for (const m of [...users(trending, 2), decoded(marker)]) c.add(m);
    expect(c.latestComplete()).toMatchObject({
      runId: 't',
      key: 'trending_1764100000',
      count: 2,
      window: { start: '2026-11-19', end: '2026-11-25' },
    });
    // An all-time run is passed over by a reader that asked for trending runs.
    const later = run('later', 1_764_200_000);
    expect([...users(later, 1), end(later, 1)].map((m) => c.add(m))).toEqual([false, false]);
    expect(c.latestComplete()?.runId).toBe('t');
  });

  it('a run is complete with its marker and exactly count users, an empty run included', () => {
    const c = new RunCollector({ source: PROD });
    const a = run('a', 100);
    for (const m of users(a, 3)) c.add(m);
    expect(c.latestComplete()).toBeUndefined();
    c.add(end(a, 3));
    expect(c.latestComplete()).toMatchObject({
      runId: 'a',
      count: 3,
      cutoff: 99,
      usersScanned: 1000,
      key: 'popular_100',
    });

    const empty = run('empty', 200);
    c.add(end(empty, 0, 17));
    expect(c.latestComplete()).toMatchObject({ runId: 'empty', count: 0, cutoff: 17, users: [] });
  });

  it('users without their marker, or a marker short of its users, are not complete; an older run never replaces a newer', () => {
    const c = new RunCollector({ source: PROD });
    const cutOff = run('cut', 300);
    for (const m of users(cutOff, 5)) c.add(m); // the run died before its marker
    const short = run('short', 310);
    for (const m of users(short, 2)) c.add(m);
    c.add(end(short, 3)); // one user never arrived
    expect(c.latestComplete()).toBeUndefined();

    const old = run('old', 250);
    for (const m of users(old, 2)) c.add(m);
    c.add(end(old, 2));
    const newer = run('newer', 320);
    c.add(end(newer, 0));
    expect(c.latestComplete()?.runId).toBe('newer');
    for (const m of users(run('older', 240), 1)) c.add(m);
    c.add(end(run('older', 240), 1));
    expect(c.latestComplete()?.runId).toBe('newer');
  });

  it('a user delivered twice counts once', () => {
    const c = new RunCollector({ source: PROD });
    const r = run('dup', 400);
    const [first, second] = users(r, 2);
    for (const m of [first!, first!, second!]) c.add(m);
    c.add(end(r, 2));
    expect(c.latestComplete()?.users).toEqual([
      { userId: 'u0', score: 100 },
      { userId: 'u1', score: 101 },
    ]);
  });

  it('reads the same in any order: the marker before its users, as a reader stepping back from the end meets them', () => {
    const c = new RunCollector({ source: PROD });
    const r = run('back', 500);
    c.add(end(r, 3));
    expect(c.missingUsers('back')).toBe(3);
    for (const m of users(r, 3).reverse()) c.add(m);
    expect(c.latestComplete()).toMatchObject({ runId: 'back', count: 3 });
    expect(c.missingUsers('back')).toBe(0);
  });

  it('ignores messages that are not part of a run', () => {
    expect(decodePopularMessage('k', '{"user_id":"1","score":2}', {})).toBeUndefined();
    expect(decodePopularMessage('k', 'not json', { run_id: 'x', run_started_at: 't' })).toBeUndefined();
    expect(
      decodePopularMessage('k', '{"run_id":"other","count":1,"users_scanned":1}', {
        run_id: 'x',
        run_started_at: 't',
        run_end: 'true',
      }),
    ).toBeUndefined();
  });
});

describe('the source a consumer trusts (issue 18, item 7)', () => {
  it("two stages on one topic: dev's newer p50 run of 5 users is passed over for prod's p95 run of 20,000", () => {
    const c = new RunCollector({ source: PROD });
    const prod = run('prod', 600);
    for (const m of users(prod, 20_000)) c.add(m);
    c.add(end(prod, 20_000));
    const dev = run('dev', 660, 'popular-users-dev-popular');
    for (const m of users(dev, 5)) expect(c.add(m)).toBe(false);
    expect(c.add(end(dev, 5))).toBe(false);
    expect(c.latestComplete()).toMatchObject({ runId: 'prod', count: 20_000, source: PROD });
  });

  it('passes over runs without a run_source header, and runs whose key has another prefix when one is named', () => {
    const c = new RunCollector({ source: PROD, keyPrefix: 'popular_' });
    const unnamed = { ...run('unnamed', 700), source: undefined };
    c.add(end(unnamed, 0));
    const trending = { ...run('trending', 710), key: 'trending_710' };
    c.add(end(trending, 0));
    expect(c.latestComplete()).toBeUndefined();
    c.add(end(run('named', 690), 0));
    expect(c.latestComplete()?.runId).toBe('named');
  });
});

describe('run clock', () => {
  it('gives overlapping runs distinct seconds, waiting for the next second when one is taken', async () => {
    let now = 5_000_250;
    const waits: number[] = [];
    const clock = new RunClock(
      () => now,
      async (ms) => {
        waits.push(ms);
        now += ms;
      },
    );
    const first = await clock.claim();
    const second = await clock.claim();
    expect(Math.floor(first.getTime() / 1000)).toBe(5000);
    expect(Math.floor(second.getTime() / 1000)).toBe(5001);
    expect(waits).toEqual([751]);
  });
});
