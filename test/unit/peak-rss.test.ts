import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const MiB = 1024 * 1024;

/** Runs a fresh Node process that touches `touchMiB` of its own memory, then prints ownPeakRss() in MiB. */
function childPeakMiB(touchMiB: number): number {
  const script =
    "import { ownPeakRss } from './bench/peak-rss.ts';" +
    `const kept = Buffer.alloc(${touchMiB} * 1024 * 1024, 1);` +
    'console.log(kept.length > 0 ? ownPeakRss() / 1048576 : 0);';
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO,
    encoding: 'utf8',
  });
  return Number(out.trim());
}

describe("a bench child's peak memory (bench/peak-rss.ts)", () => {
  it("is the child's own, not the resident set of the process that started it", () => {
    // The parent holds 400 MiB when it forks: getrusage's maxRSS in the child would report that.
    const parentHolds = Buffer.alloc(400 * MiB, 1);
    expect(process.memoryUsage().rss).toBeGreaterThan(400 * MiB);
    const peak = childPeakMiB(100);
    expect(parentHolds.length).toBe(400 * MiB);
    expect(peak).toBeGreaterThanOrEqual(100);
    expect(peak).toBeLessThan(300);
  });
});
