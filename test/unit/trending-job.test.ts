// Both sets of a run from the same scans, through the job's engine over scores in memory: each set
// exactly what sorting gives, MAX_HELD_USERS holding for both together, and a pass one set needs
// shared by the other.
import { describe, expect, it } from 'vitest';
import { selectBothSets, RunSetFailedError } from '../../lib/trending-job.js';
import { memoryScoreSource } from '../../lib/core/score-source.js';
import type { PopularRun } from '../../lib/core/popular-run.js';
import { decodePopularMessage } from '../../lib/core/run-decoder.js';
import { RunCollector, type CompleteRun } from '../../lib/core/run-collector.js';
import { trendingWindow } from '../../lib/core/trending-window.js';
import { loadPopularConfig, type PopularConfig } from '../../lib/core/config.js';
import type { OutgoingMessage } from '../../lib/core/kafka-message.js';
import type { MessageSender } from '../../lib/adapters/producer.js';
import { exactPopular, lastDaysSums, memoryRunPublisher, seedShapedDays } from '../../local/fixtures/index.js';

/** Keeps what the job sends, per topic, as the broker would. */
class KeptMessages implements MessageSender {
  readonly topics = new Map<string, OutgoingMessage[]>();
  send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const list = this.topics.get(topic) ?? [];
    list.push(...messages);
    this.topics.set(topic, list);
    return Promise.resolve();
  }

  /** The latest complete run of a topic, as a consumer decides it; every run here is the 'test' job's. */
  latestRun(topic: string): CompleteRun | undefined {
    const collector = new RunCollector({ source: 'test' });
    for (const m of this.topics.get(topic) ?? []) {
      const headers = Object.fromEntries((m.headers ?? []).map(([name, value]) => [name, value.toString()]));
      const decoded = decodePopularMessage(m.key?.toString() ?? null, m.value?.toString() ?? null, headers);
      if (decoded !== undefined) collector.add(decoded);
    }
    return collector.latestComplete();
  }

  /** Publishers of both topics into this store, each topic at the broker's default limit. */
  publishers(config: PopularConfig & { trending: NonNullable<PopularConfig['trending']> }) {
    const settings = { batchSize: config.publishBatchSize, messageMaxBytes: config.messageMaxBytes };
    return {
      allTime: memoryRunPublisher(this, config.popularTopic, settings),
      trending: memoryRunPublisher(this, config.trending.topic, settings),
    };
  }
}

const START = new Date(Date.UTC(2026, 10, 25, 20));
const PAGE = 1_000;

function jobConfig(
  percentile: number,
  trendingPercentile: number,
  maxHeldUsers: number,
): PopularConfig & { trending: NonNullable<PopularConfig['trending']> } {
  const config = loadPopularConfig({
    SCORES_TABLE: 'in-memory',
    KAFKA_BROKERS: 'localhost:9092',
    PERCENTILE: String(percentile),
    TRENDING_PERCENTILE: String(trendingPercentile),
    MAX_HELD_USERS: String(maxHeldUsers),
  });
  return { ...config, trending: config.trending! };
}

async function runBoth(
  scores: { allTime: ArrayLike<number>; window: ArrayLike<number> },
  config: ReturnType<typeof jobConfig>,
  policy?: { margin: number },
) {
  const kept = new KeptMessages();
  const run: PopularRun = {
    runId: 'all-time-run',
    key: 'popular_1',
    startedAt: START,
    percentile: config.percentile,
    source: 'test',
  };
  const source = memoryScoreSource(scores.allTime, 8, { pageItems: PAGE, windowScores: scores.window });
  const window = trendingWindow(START, config.trending.days);
  const both = await selectBothSets(source, run, { ...config.trending, window }, config, kept.publishers(config), {
    selection: policy,
  });
  return { both, kept };
}

const byIndex = (values: ArrayLike<number>) => {
  const m = new Map<string, number>();
  for (let i = 0; i < values.length; i++) if (values[i]! > 0) m.set(String(i), values[i]!);
  return m;
};
const usersOf = (run: CompleteRun | undefined) => new Map(run?.users.map((u) => [u.userId, u.score]));

describe('the all-time and the trending set from one scan', () => {
  const history = seedShapedDays(40_000, 30, 7);
  const scores = { allTime: history.allTime, window: lastDaysSums(history, 7) };

  for (const maxHeldUsers of [2_000, 250_000]) {
    for (const percentile of [1, 50, 90, 95, 99, 99.9]) {
      it(`p${percentile} for both, MAX_HELD_USERS=${maxHeldUsers}: both runs exact and complete, the budget held by both together`, async () => {
        const config = jobConfig(percentile, percentile, maxHeldUsers);
        const { both, kept } = await runBoth(scores, config);
        const allTime = exactPopular(byIndex(scores.allTime), percentile);
        const trending = exactPopular(byIndex(scores.window), percentile);
        const popularRun = kept.latestRun(config.popularTopic);
        const trendingRun = kept.latestRun(config.trending.topic);
        expect(popularRun?.cutoff).toBe(allTime.cutoff);
        expect(usersOf(popularRun)).toEqual(allTime.users);
        expect(trendingRun?.cutoff).toBe(trending.cutoff);
        expect(usersOf(trendingRun)).toEqual(trending.users);
        // Keyed by the run's start, its window carried by the marker, its users_scanned the users it ranked.
        expect(trendingRun).toMatchObject({
          key: `trending_${START.getTime() / 1000}`,
          window: { start: '2026-11-19', end: '2026-11-25' },
        });
        expect(trendingRun?.usersScanned).toBe(byIndex(scores.window).size);
        expect(both.trending).toMatchObject({
          cutoff: trending.cutoff,
          trendingCount: trending.users.size,
          usersInWindow: byIndex(scores.window).size,
        });
        // Held at once by both sets: the budget, plus the page that crossed it.
        expect(both.heldPeak).toBeLessThanOrEqual(maxHeldUsers + PAGE);
        // Scans shared: the set needing more reads the table no more often than it alone would.
        expect(both.passes).toBe(Math.max(both.allTime.passes, both.trending.passes));
      });
    }
  }

  it('each set at its own percentile', async () => {
    const config = jobConfig(95, 50, 250_000);
    const { kept } = await runBoth(scores, config);
    expect(usersOf(kept.latestRun(config.popularTopic))).toEqual(exactPopular(byIndex(scores.allTime), 95).users);
    expect(usersOf(kept.latestRun(config.trending.topic))).toEqual(exactPopular(byIndex(scores.window), 50).users);
  });

  it('both sets searching their cutoffs share every pass', async () => {
    const config = jobConfig(90, 90, 250_000);
    // A negative margin makes every threshold overshoot: neither set can prove its cutoff from its candidates.
    const { both, kept } = await runBoth(scores, config, { margin: -0.04 });
    expect(both.allTime.passes).toBeGreaterThanOrEqual(3);
    expect(both.trending.passes).toBeGreaterThanOrEqual(3);
    expect(both.passes).toBe(Math.max(both.allTime.passes, both.trending.passes));
    expect(usersOf(kept.latestRun(config.trending.topic))).toEqual(exactPopular(byIndex(scores.window), 90).users);
  });

  it('heavy ties at the trending cutoff: every tied user on the same side', async () => {
    const window = Float64Array.from({ length: 20_000 }, (_, i) => (i % 5 === 0 ? 0 : i % 50 === 1 ? 9 : 4));
    const config = jobConfig(95, 90, 1_000);
    const { kept } = await runBoth({ allTime: window.map((w) => w + 10), window }, config);
    const expected = exactPopular(byIndex(window), 90);
    expect(expected.atCutoff).toBeGreaterThan(10_000);
    expect(usersOf(kept.latestRun(config.trending.topic))).toEqual(expected.users);
  });

  it('nobody active in the window: an empty trending run, complete, with no cutoff', async () => {
    const config = jobConfig(95, 95, 250_000);
    const { both, kept } = await runBoth(
      { allTime: scores.allTime, window: new Float64Array(scores.allTime.length) },
      config,
    );
    expect(kept.latestRun(config.trending.topic)).toMatchObject({ count: 0, cutoff: null, usersScanned: 0, users: [] });
    expect(both.trending).toMatchObject({ cutoff: null, trendingCount: 0, usersInWindow: 0 });
    expect(kept.latestRun(config.popularTopic)?.count).toBe(exactPopular(byIndex(scores.allTime), 95).users.size);
  });

  it('a trending set that cannot be selected fails the run by name, and the all-time run is still complete', async () => {
    const config = jobConfig(95, 95, 250_000);
    const kept = new KeptMessages();
    const run: PopularRun = { runId: 'r', key: 'popular_1', startedAt: START, percentile: 95, source: 'test' };
    // A source that reads no window sums.
    const source = memoryScoreSource(scores.allTime, 4);
    const selecting = selectBothSets(
      source,
      run,
      { ...config.trending, window: trendingWindow(START, 7) },
      config,
      kept.publishers(config),
      {},
    );
    await expect(selecting).rejects.toThrow(RunSetFailedError);
    await expect(selecting).rejects.toThrow(/the trending set failed: .*window sums.*the all-time set was published/);
    expect(kept.latestRun(config.popularTopic)).toBeDefined();
    expect(kept.latestRun(config.trending.topic)).toBeUndefined();
  });
});
