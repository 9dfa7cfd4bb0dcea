// The fuzzed records against the validator alone, no I/O: many seeds in well under a second,
// so a rule that disagrees with docs/exactly-once.md shows up with its record.
import { describe, expect, it } from 'vitest';
import { decodeActivity } from '../../lib/core/activity.js';
import { toMskRecord } from '../../local/event-source-mapping/msk-event.js';
import { FUZZ_WEIGHTS, fuzzRecords, referenceVerdict } from '../support/fuzz.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

describe('reliability: fuzzed records through decodeActivity', () => {
  it.each(SEEDS)('seed %i: never throws, and accepts or rejects each record as the documented rules say', (seed) => {
    const disagreements: string[] = [];
    for (const [offset, f] of fuzzRecords(400, seed, 1).entries()) {
      const record = toMskRecord({ topic: 'fuzz', partition: 0, offset, key: f.message.key, value: f.message.value });
      const expected = referenceVerdict(f.message.value as Buffer | null);
      let outcome: string;
      try {
        const decoded = decodeActivity(record, FUZZ_WEIGHTS);
        outcome = decoded.ok
          ? `counted ${JSON.stringify(decoded.activity.userId)} +${decoded.activity.score}`
          : `rejected ${decoded.rejection.reason}`;
      } catch (err) {
        outcome = err instanceof Error ? `threw ${err.name}: ${err.message}` : `threw ${String(err)}`;
      }
      const want = expected.counted
        ? `counted ${JSON.stringify(expected.userId)} +${expected.score}`
        : `rejected ${expected.reason}`;
      if (outcome !== want) disagreements.push(`#${offset} ${f.kind}: ${outcome}, expected ${want}`);
    }
    expect(disagreements).toEqual([]);
  });
});
