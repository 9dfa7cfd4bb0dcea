import { afterAll, describe, expect, it } from 'vitest';
import { testDynamo } from '../support/stack.js';
import { runRedeliveryCase } from '../support/redelivery.js';

const dynamo = testDynamo();
afterAll(() => dynamo.destroy());

describe('reliability: redelivered batches (slow)', () => {
  it('100,000 events, every batch delivered twice and again with shifted boundaries: sums exact', async () => {
    const outcome = await runRedeliveryCase(dynamo, { events: 100_000, users: 1_000, batchSize: 5_000, seed: 50 });
    for (const s of outcome.duplicateSummaries) expect(s.alreadyAppliedUsers).toBe(s.distinctUsers);
    expect(outcome.shiftedSummaries.some((s) => s.redeliveredUsers > s.alreadyAppliedUsers)).toBe(true);
  }, 600_000);
});
