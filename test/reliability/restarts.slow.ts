// Every way to cut each restarted log of test/support/restart-cases.ts, each delivered in every way:
// the quick suite runs a sample of the cuts (test/integration/scorer-restarts.test.ts).
import { describe, expect, it } from 'vitest';
import { stackClients } from '../support/stack.js';
import { readWindows, readSums } from '../../local/fixtures/index.js';
import { eventOf, testScorer } from '../support/scorer.js';
import {
  windowMismatches,
  buildCases,
  deliverCases,
  mismatches,
  RESTART_SCENARIOS,
  SCORER_NOW,
} from '../support/restart-cases.js';

const { dynamo, producer: deadLetters } = stackClients('restarts-slow');

describe('reliability: a log that started again, every cut (slow)', () => {
  it.each(RESTART_SCENARIOS.map((s) => [s.name, s] as const))(
    '%s: 64 cuts, each delivered 5 ways, every event counted once',
    async (_name, scenario) => {
      const { config, handle } = await testScorer(dynamo, deadLetters, { trendingDays: 7 }, dynamo, () => SCORER_NOW);
      const cases = buildCases([scenario]);
      expect(cases).toHaveLength(64 * 5);
      const summaries = await deliverCases(cases, (records) => handle(eventOf(records)));
      expect(mismatches(cases, await readSums(dynamo, config.scoresTable), (c) => c.exact)).toEqual([]);
      expect(windowMismatches(cases, await readWindows(dynamo, config.scoresTable, 7))).toEqual([]);
      expect(summaries.reduce((n, s) => n + s.possibleCopies, 0)).toBe(0);
    },
    600_000,
  );

  it('copies to a LogAppendTime target, every cut: each copy counted again, and every event at or below the old offsets reported', async () => {
    const { config, handle } = await testScorer(dynamo, deadLetters);
    const scenario = { ...RESTART_SCENARIOS[1]!, name: 'copies to a LogAppendTime target', logAppendTime: true };
    const cases = buildCases([scenario]);
    const summaries = await deliverCases(cases, (records) => handle(eventOf(records)));
    expect(mismatches(cases, await readSums(dynamo, config.scoresTable), (c) => c.copiesCountedTwice)).toEqual([]);
    // The broker stamped copies and new events alike: the scorer cannot tell which is which, and says so for each.
    expect(summaries.reduce((n, s) => n + s.possibleCopies, 0)).toBe(cases.length * scenario.newLog.length);
  }, 600_000);
});
