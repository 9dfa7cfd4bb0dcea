// The demo's picture: the score distribution with the cutoff marked and the popular users listed, and the
// same for the trending set's window.
// A self-contained HTML file with an inline SVG, so it opens anywhere without a network.

export interface StageTiming {
  stage: string;
  seconds: number;
  items: number;
  unit: string;
}

export interface ReportInput {
  title: string;
  /** Every user's score (the demo is small enough to hold them). */
  scores: ArrayLike<number>;
  cutoff: number;
  percentile: number;
  popular: Array<{ userId: string; score: number }>;
  /** The trending set beside the all-time one, when the run selected it. */
  trending?: TrendingReport;
  stages: StageTiming[];
  generatedAt: Date;
}

export interface TrendingReport {
  /** The trending score of every user whose trending score is above zero. */
  scores: ArrayLike<number>;
  /** Null when nobody was active in the window. */
  cutoff: number | null;
  percentile: number;
  users: Array<{ userId: string; score: number }>;
  windowStart: string;
  windowEnd: string;
}

const WIDTH = 880;
const HEIGHT = 360;
const MARGIN = { top: 20, right: 20, bottom: 44, left: 64 };

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** Integer-width bins when the range is small (scores are sums of integer weights), else ~80 equal bins. */
export function histogram(scores: ArrayLike<number>, maxBins = 80): HistogramBin[] {
  if (scores.length === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const width = Math.max(1, Math.ceil((max - min + 1) / maxBins));
  const bins: HistogramBin[] = [];
  for (let from = min; from <= max; from += width) bins.push({ from, to: from + width, count: 0 });
  for (let i = 0; i < scores.length; i++) bins[Math.floor((scores[i]! - min) / width)]!.count++;
  return bins;
}

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

function distributionSvg(
  input: Pick<ReportInput, 'scores' | 'cutoff' | 'percentile'>,
  set = 'popular',
  axis = 'score',
): string {
  const bins = histogram(input.scores);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const lo = bins[0]?.from ?? 0;
  const hi = bins.at(-1)?.to ?? 1;
  const peak = Math.max(1, ...bins.map((b) => b.count));
  const x = (v: number) => MARGIN.left + ((v - lo) / (hi - lo)) * plotW;
  const y = (c: number) => MARGIN.top + plotH - (c / peak) * plotH;
  const parts: string[] = [];
  for (const b of bins) {
    const popular = b.from > input.cutoff;
    parts.push(
      `<rect x="${x(b.from).toFixed(1)}" y="${y(b.count).toFixed(1)}" width="${Math.max(0.5, x(b.to) - x(b.from) - 0.5).toFixed(1)}" height="${(MARGIN.top + plotH - y(b.count)).toFixed(1)}" fill="${popular ? '#d9480f' : '#4c6ef5'}"><title>${fmt(b.from)}${b.to - b.from > 1 ? `-${fmt(b.to - 1)}` : ''}: ${fmt(b.count)} users</title></rect>`,
    );
  }
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const v = lo + ((hi - lo) * i) / ticks;
    parts.push(
      `<text x="${x(v).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${fmt(Math.round(v))}</text>`,
    );
    const c = (peak * i) / ticks;
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${(y(c) + 4).toFixed(1)}" text-anchor="end">${fmt(Math.round(c))}</text>`,
    );
  }
  const cx = x(input.cutoff + 0.5).toFixed(1);
  parts.push(
    `<line class="cutoff" x1="${cx}" x2="${cx}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#212529" stroke-width="2" stroke-dasharray="6 4"/>`,
  );
  // The label sits on whichever side of the line has room.
  const labelRight = Number(cx) < MARGIN.left + plotW * 0.6;
  parts.push(
    `<text x="${Number(cx) + (labelRight ? 6 : -6)}" y="${MARGIN.top + 14}" text-anchor="${labelRight ? 'start' : 'end'}">cutoff ${fmt(input.cutoff)} (p${fmt(input.percentile)}); orange: ${set}, above the cutoff</text>`,
  );
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#495057"/>`,
  );
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle">${axis}</text>`);
  parts.push(`<text transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">users</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">${parts.join('')}</svg>`;
}

const topOf = (users: Array<{ userId: string; score: number }>, listed: number) =>
  [...users].sort((a, b) => b.score - a.score || a.userId.localeCompare(b.userId)).slice(0, listed);
const userRowsOf = (users: Array<{ userId: string; score: number }>) =>
  users.map((u, i) => `<tr><td>${i + 1}</td><td>${escape(u.userId)}</td><td>${fmt(u.score)}</td></tr>`).join('');

/** The trending set's plot: its distribution over the users active in the window, its cutoff. */
function trendingPlot(t: TrendingReport): string {
  const window = t.windowStart === t.windowEnd ? t.windowEnd : `${t.windowStart} to ${t.windowEnd}`;
  const plot =
    t.cutoff === null
      ? '<p>Nobody was active in the window.</p>'
      : distributionSvg(
          { scores: t.scores, cutoff: t.cutoff, percentile: t.percentile },
          'trending',
          `trending score (${escape(window)})`,
        );
  return `<h2 id="trending">Trending users, ${escape(window)} (UTC)</h2>
<p>${fmt(t.scores.length)} users scored in the window; the ${fmt(t.percentile)}th percentile trending score is <b>${t.cutoff === null ? '-' : fmt(t.cutoff)}</b>, and <b>${fmt(t.users.length)}</b> users score above it.</p>
${plot}`;
}

function trendingList(t: TrendingReport, listed: number): string {
  const top = topOf(t.users, listed);
  return `<div><h2>Most trending users (top ${top.length} of ${fmt(t.users.length)})</h2><table><tr><th>#</th><th>user</th><th>trending score</th></tr>${userRowsOf(top)}</table></div>`;
}

export function renderReport(input: ReportInput, listed = 50): string {
  const top = topOf(input.popular, listed);
  const stageRows = input.stages
    .map(
      (s) =>
        `<tr><td>${escape(s.stage)}</td><td>${fmt(s.items)} ${escape(s.unit)}</td><td>${s.seconds.toFixed(2)} s</td><td>${fmt(s.items / Math.max(s.seconds, 1e-9))} ${escape(s.unit)}/s</td></tr>`,
    )
    .join('');
  const userRows = userRowsOf(top);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(input.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#212529}table{border-collapse:collapse;margin:8px 0 24px}td,th{border-bottom:1px solid #dee2e6;padding:4px 12px;text-align:right}th{background:#f1f3f5}.cols{display:flex;gap:48px;flex-wrap:wrap}</style>
</head><body>
<h1>${escape(input.title)}</h1>
<p>${fmt(input.scores.length)} users scored; the ${fmt(input.percentile)}th percentile score is <b>${fmt(input.cutoff)}</b>, and <b>${fmt(input.popular.length)}</b> users score above it. Generated ${input.generatedAt.toISOString()}.</p>
${distributionSvg(input)}
${input.trending === undefined ? '' : trendingPlot(input.trending)}
<div class="cols">
<div><h2>Stages</h2><table><tr><th>stage</th><th>work</th><th>time</th><th>rate</th></tr>${stageRows}</table></div>
<div><h2>Most popular users (top ${top.length} of ${fmt(input.popular.length)})</h2><table><tr><th>#</th><th>user</th><th>score</th></tr>${userRows}</table></div>
${input.trending === undefined ? '' : trendingList(input.trending, listed)}
</div>
</body></html>
`;
}
