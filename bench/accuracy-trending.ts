// The accuracy row of the trending set: the all-time and the trending set selected together, as the
// job selects them (lib/trending-job.ts, over an in-memory source), against the exact answer and the
// plain `window sum > digest estimate` rule.
import { selectBothSets } from '../lib/trending-job.js';
import { memoryScoreSource } from '../lib/core/score-source.js';
import { loadPopularConfig } from '../lib/core/config.js';
import { trendingWindow } from '../lib/core/trending-window.js';
import type { OutgoingMessage } from '../lib/core/kafka-message.js';
import type { MessageSender } from '../lib/adapters/producer.js';
import { SCAN_PAGE_ITEMS } from '../lib/adapters/scan.js';
import { exactPopular, lastDaysSums, memoryRunPublisher, seedShapedDays } from '../local/fixtures/index.js';
import { f1 } from './report.js';

export const HISTORY_DAYS = 30;
export const TRENDING_DAYS = 7;

/** Counts the users a topic's run publishes that the exact set holds; the run-end marker is skipped. */
class CountingSender implements MessageSender {
  readonly published = new Map<string, { users: number; hits: number }>();
  constructor(private readonly exact: Map<string, ReadonlyMap<string, number>>) {}
  send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const counts = this.published.get(topic) ?? { users: 0, hits: 0 };
    for (const m of messages) {
      const value = JSON.parse(String(m.value)) as { user_id?: string; run_id?: string };
      if (value.user_id === undefined) continue;
      counts.users++;
      if (this.exact.get(topic)?.has(value.user_id)) counts.hits++;
    }
    this.published.set(topic, counts);
    return Promise.resolve();
  }
}

/** One row of the accuracy table, in the shape of the score shapes' rows. */
export async function measureTrending(users: number, segments: number, percentile: number, maxHeldUsers: number) {
  const history = seedShapedDays(users, HISTORY_DAYS, 14);
  const window = lastDaysSums(history, TRENDING_DAYS);
  const active = new Map<string, number>();
  for (let i = 0; i < window.length; i++) if (window[i]! > 0) active.set(String(i), window[i]!);
  const exact = exactPopular(active, percentile);
  const config = loadPopularConfig({
    SCORES_TABLE: 'in-memory',
    KAFKA_BROKERS: 'localhost:9092',
    PERCENTILE: String(percentile),
    TRENDING_DAYS: String(TRENDING_DAYS),
    MAX_HELD_USERS: String(maxHeldUsers),
  });
  const trending = config.trending!;
  const sender = new CountingSender(new Map([[trending.topic, exact.users]]));
  const startedAt = new Date();
  const source = memoryScoreSource(history.allTime, segments, { pageItems: SCAN_PAGE_ITEMS, windowScores: window });
  const run = { runId: 'accuracy', key: 'popular_0', startedAt, percentile };
  const settings = { batchSize: config.publishBatchSize, messageMaxBytes: config.messageMaxBytes };
  const publishers = {
    allTime: memoryRunPublisher(sender, config.popularTopic, settings),
    trending: memoryRunPublisher(sender, trending.topic, settings),
  };
  const both = await selectBothSets(
    source,
    run,
    { ...trending, window: trendingWindow(startedAt, TRENDING_DAYS) },
    config,
    publishers,
    {},
  );
  const published = sender.published.get(trending.topic) ?? { users: 0, hits: 0 };
  const estimate = both.trending.estimatedCutoff ?? 0;
  let plainCount = 0;
  let plainHits = 0;
  for (const [id, sum] of active) {
    if (sum <= estimate) continue;
    plainCount++;
    if (exact.users.has(id)) plainHits++;
  }
  return {
    shape: { name: `trending: last ${TRENDING_DAYS} of ${HISTORY_DAYS} days`, integer: true },
    exactCutoff: exact.cutoff!,
    exactCount: exact.users.size,
    atCutoff: exact.atCutoff,
    estimate,
    jobCutoff: both.trending.cutoff,
    passes: both.trending.passes,
    jobF1: f1(published.users, exact.users.size, published.hits),
    plainCount,
    plainF1: f1(plainCount, exact.users.size, plainHits),
  };
}
