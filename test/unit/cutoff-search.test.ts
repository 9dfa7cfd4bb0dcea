import { describe, expect, it } from 'vitest';
import { CutoffNotFoundError, searchCutoff } from '../../lib/core/cutoff-search.js';
import { memoryScoreSource } from '../../lib/core/score-source.js';
describe('a search that cannot resolve', () => {
  it('fails with CutoffNotFoundError, which a later run may not meet', async () => {
    const scores = Array.from({ length: 1000 }, (_, i) => i + 1);
    const search = searchCutoff(memoryScoreSource(scores, 2), { percentile: 50, maxValues: 2, estimate: () => 0, count: scores.length, maxPasses: 1 });
    await expect(search).rejects.toBeInstanceOf(CutoffNotFoundError);
    await expect(search).rejects.toMatchObject({ name: 'CutoffNotFoundError', retriable: true });
  });
});
