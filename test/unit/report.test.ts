import { describe, expect, it } from 'vitest';
import { histogram, renderReport } from '../../local/report/report.js';

describe('histogram', () => {
  it('uses one bin per integer when the range is small and counts every score', () => {
    const bins = histogram([3, 4, 4, 7]);
    expect(bins.map((b) => [b.from, b.count])).toEqual([
      [3, 1],
      [4, 2],
      [5, 0],
      [6, 0],
      [7, 1],
    ]);
  });

  it('widens bins for a large range, keeping the total', () => {
    const scores = Array.from({ length: 1000 }, (_, i) => i * 3);
    const bins = histogram(scores, 80);
    expect(bins.length).toBeLessThanOrEqual(80);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(1000);
  });
});

describe('renderReport', () => {
  const html = renderReport({
    title: 'Popular users',
    scores: [1, 2, 2, 3, 9, 10],
    cutoff: 3,
    percentile: 95,
    popular: [
      { userId: 'u9', score: 9 },
      { userId: 'u<10>', score: 10 },
    ],
    stages: [{ stage: 'score', seconds: 2, items: 100, unit: 'events' }],
    generatedAt: new Date('2026-01-01T00:00:00Z'),
  });

  it('marks the cutoff and colours the popular bins', () => {
    expect(html).toContain('class="cutoff"');
    expect(html).toContain('cutoff 3 (p95)');
    expect(html.match(/fill="#d9480f"/g)).toHaveLength(7); // bins 4 to 10: every bin above the cutoff, empty ones included
  });

  it('lists popular users by score, escaped', () => {
    expect(html.indexOf('u&lt;10&gt;')).toBeLessThan(html.indexOf('>u9<'));
    expect(html).toContain('50 events/s');
  });
});

describe('renderReport with the trending set', () => {
  const base = {
    title: 'Popular users',
    scores: [1, 2, 2, 3, 9, 10],
    cutoff: 3,
    percentile: 95,
    popular: [{ userId: 'u9', score: 9 }],
    stages: [],
    generatedAt: new Date('2026-01-01T00:00:00Z'),
  };

  it('plots the window sums with their own cutoff and lists the trending users', () => {
    const html = renderReport({
      ...base,
      trending: {
        scores: [1, 1, 4, 6],
        cutoff: 1,
        percentile: 50,
        users: [{ userId: 't<6>', score: 6 }],
        windowStart: '2025-12-26',
        windowEnd: '2026-01-01',
      },
    });
    expect(html.match(/class="cutoff"/g)).toHaveLength(2);
    expect(html).toContain('Trending users, 2025-12-26 to 2026-01-01 (UTC)');
    expect(html).toContain('cutoff 1 (p50); orange: trending, above the cutoff');
    expect(html).toContain('trending score (2025-12-26 to 2026-01-01)');
    expect(html).toContain('<td>t&lt;6&gt;</td>');
    expect(html).toContain('Most trending users (top 1 of 1)');
  });

  it('says so when nobody was active in the window, and draws no empty plot', () => {
    const html = renderReport({
      ...base,
      trending: {
        scores: [],
        cutoff: null,
        percentile: 95,
        users: [],
        windowStart: '2026-01-01',
        windowEnd: '2026-01-01',
      },
    });
    expect(html).toContain('Nobody was active in the window.');
    expect(html.match(/<svg/g)).toHaveLength(1);
  });
});
