// What `npm start` prints: a summary table after a run, a live line in continuous mode.
import type { PopularRunSummary } from '../../lib/popular-job.js';
import type { PopularUser } from '../../lib/core/popular-user.js';
import type { StageTiming } from './report.js';

const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

export function printSummary(
  summary: PopularRunSummary,
  popular: PopularUser[],
  stages: StageTiming[],
  trending?: PopularUser[],
): void {
  console.log('\n== Popular users ==');
  console.log(
    `users scanned     ${n(summary.usersScanned)} (${summary.segments} segments, ${summary.passes} scan pass${summary.passes === 1 ? '' : 'es'})`,
  );
  console.log(
    `cutoff (p${summary.percentile})     ${summary.cutoff ?? '-'} exact; the merged t-digest estimated ${summary.estimatedCutoff?.toFixed(2) ?? '-'}`,
  );
  console.log(
    `popular users     ${n(summary.popularCount)} published under key ${summary.runKey}, ${n(popular.length)} read back`,
  );
  const top = [...popular].sort((a, b) => b.score - a.score || a.userId.localeCompare(b.userId)).slice(0, 10);
  console.log('\ntop 10:');
  for (const [i, u] of top.entries())
    console.log(`  ${String(i + 1).padStart(2)}. user ${u.userId.padEnd(10)} score ${u.score}`);
  const t = summary.trending;
  if (t !== undefined && trending !== undefined) {
    console.log(
      `\n== Trending users, ${t.windowStart} to ${t.windowEnd} (UTC, ${t.days} day${t.days === 1 ? '' : 's'}) ==`,
    );
    console.log(`users in window   ${n(t.usersInWindow)} with a trending score above zero (same scan)`);
    console.log(
      `cutoff (p${t.percentile})     ${t.cutoff ?? '-'} exact; the merged t-digest estimated ${t.estimatedCutoff?.toFixed(2) ?? '-'}`,
    );
    console.log(
      `trending users    ${n(t.trendingCount)} published under key ${t.runKey}, ${n(trending.length)} read back`,
    );
    const leaders = [...trending].sort((a, b) => b.score - a.score || a.userId.localeCompare(b.userId)).slice(0, 10);
    console.log('\ntop 10:');
    for (const [i, u] of leaders.entries())
      console.log(`  ${String(i + 1).padStart(2)}. user ${u.userId.padEnd(10)} trending score ${u.score}`);
  }
  console.log('\nstage                                              time      rate');
  for (const s of stages) {
    const rate = `${n(s.items / Math.max(s.seconds, 1e-9))} ${s.unit}/s`;
    console.log(`  ${s.stage.padEnd(48)} ${`${s.seconds.toFixed(2)} s`.padStart(8)}  ${rate}`);
  }
}

export function printContinuousLine(
  produced: number,
  scored: number,
  last: PopularRunSummary | undefined,
  elapsedS: number,
): void {
  const job = last
    ? `last run: cutoff ${last.cutoff}, ${n(last.popularCount)} popular of ${n(last.usersScanned)}`
    : 'first job run pending';
  const line = `${elapsedS.toFixed(0)}s | produced ${n(produced)} | scored ${n(scored)} | lag ${n(Math.max(0, produced - scored))} | ${job}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
  else if (Math.round(elapsedS) % 10 === 0) process.stderr.write(`${line}\n`);
}
