import { describe, expect, it } from 'vitest';
import { createProgressBar, formatDuration, renderProgress } from '../../local/report/progress.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } };
}

describe('progress bar', () => {
  it('renders label, bar, percentage, counts, rate and ETA', () => {
    expect(renderProgress({ label: 'producing', done: 450_000, total: 1_000_000, elapsedMs: 5000 })).toBe(
      'producing [#########-----------] 45% 450,000/1,000,000 90,000/s ETA 6s',
    );
  });

  it('says done at the end and shows only count and rate when the total is open', () => {
    expect(renderProgress({ label: 'x', done: 10, total: 10, elapsedMs: 1000 }, 4)).toBe(
      'x [####] 100% 10/10 10/s done',
    );
    expect(renderProgress({ label: 'streaming', done: 12_345, elapsedMs: 2000 })).toBe('streaming 12,345 6,173/s');
    expect(renderProgress({ label: 'x', done: 0, total: 10, elapsedMs: 0 }, 4)).toBe('x [----] 0% 0/10 0/s ETA ?');
  });

  it('formats durations for people', () => {
    expect([formatDuration(7), formatDuration(75), formatDuration(3725), formatDuration(Infinity)]).toEqual([
      '7s',
      '1m15s',
      '1h02m',
      '?',
    ]);
  });

  it('redraws in place on a terminal, no more often than asked', () => {
    let now = 0;
    const { writes, stream } = sink(true);
    const bar = createProgressBar({ label: 'p', total: 100, stream, redrawMs: 100, now: () => now });
    bar.update(10);
    now = 50;
    bar.update(20);
    now = 150;
    bar.update(30);
    bar.finish(100);
    expect(writes).toHaveLength(3);
    expect(writes.every((w) => w.startsWith('\r\x1b[2K'))).toBe(true);
    expect(writes[2]).toMatch(/100% 100\/100 .* done\n$/);
  });

  it('writes a whole line every few seconds when the output is a log', () => {
    let now = 0;
    const { writes, stream } = sink(false);
    const bar = createProgressBar({ label: 'p', total: 100, stream, logEveryMs: 5000, now: () => now });
    for (let i = 1; i <= 100; i++) {
      now = i * 100;
      bar.update(i);
    }
    bar.finish();
    // First update, then 5 s later (at 5.1 s), then the final state from finish().
    expect(writes).toEqual([
      expect.stringMatching(/ 1\/100 /),
      expect.stringMatching(/ 51\/100 /),
      expect.stringMatching(/ 100\/100 .* done\n$/),
    ]);
    expect(writes.some((w) => w.includes('\r'))).toBe(false);
  });
});
