import { afterAll, describe, expect, it } from 'vitest';
import { testDynamo } from '../support/stack.js';
import { runRedeliveryCase } from '../support/redelivery.js';

const dynamo = testDynamo();
afterAll(() => dynamo.destroy());

describe('reliability: redelivered batches (quick)', () => {
  it('10,000 events, every batch delivered twice and again with shifted boundaries: sums exact', async () => {
    const outcome = await runRedeliveryCase(dynamo, { events: 10_000, users: 80, batchSize: 2_000, seed: 5 });
    // The duplicate of a batch meets only stored offsets; the shifted one meets some of them.
    for (const s of outcome.duplicateSummaries) expect(s.alreadyAppliedUsers).toBe(s.distinctUsers);
    expect(
      outcome.shiftedSummaries.some((s) => s.redeliveredUsers > 0 && s.redeliveredUsers > s.alreadyAppliedUsers),
    ).toBe(true);
  });
});

describe('reliability: redelivered batches with trending on (quick)', () => {
  const now = Date.UTC(2026, 5, 15, 18);
  // Over three days more than the window: redeliveries and re-cuts meet kept window sums, and the oldest events are late.
  it.each([1, 7, 90])(
    'TRENDING_DAYS=%i, events over that and 3 days more, every batch twice and shifted: sums and every window sum exact',
    async (days) => {
      const trending = { days, now, overDays: days + 3 };
      const outcome = await runRedeliveryCase(dynamo, {
        events: 6_000,
        users: 60,
        batchSize: 1_500,
        seed: 9 + days,
        trending,
      });
      for (const s of outcome.duplicateSummaries) expect(s.alreadyAppliedUsers).toBe(s.distinctUsers);
      // Events before the kept days count in the all-time sums only, and say so.
      expect(outcome.duplicateSummaries.some((s) => s.lateEvents > 0)).toBe(true);
    },
  );
});
