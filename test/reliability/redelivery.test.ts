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
    expect(outcome.shiftedSummaries.some((s) => s.redeliveredUsers > 0 && s.redeliveredUsers > s.alreadyAppliedUsers)).toBe(true);
  });
});
