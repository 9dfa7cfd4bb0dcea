// Grouped bar charts as standalone SVG: enough for benchmark figures, no plotting dependency.

export interface BarSeries {
  name: string;
  /** One value per category; NaN leaves a gap. */
  values: number[];
}

export interface ReferenceLine {
  label: string;
  value: number;
}

export interface BarChart {
  title: string;
  categories: string[];
  series: BarSeries[];
  yLabel: string;
  /** Horizontal dashed lines, e.g. a raw machine limit or a goal. */
  references?: ReferenceLine[];
  /** Draws each bar's value above it. */
  labelBars?: boolean;
}

const WIDTH = 760;
const HEIGHT = 400;
const M = { top: 44, right: 24, bottom: 84, left: 72 };
const COLOURS = ['#4c6ef5', '#f08c00', '#2b8a3e', '#c2255c', '#5f3dc4', '#0b7285'];
const REFERENCE_COLOURS = ['#212529', '#c92a2a', '#868e96'];

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toLocaleString('en-US');
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(abs >= 1 ? 2 : 3);
}

/** A round axis maximum at or above `max`: a step from 1 to 10 times a power of ten. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export function barChartSvg(chart: BarChart): string {
  const plotW = WIDTH - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const finite = chart.series.flatMap((s) => s.values).filter(Number.isFinite);
  const top = niceCeiling(Math.max(...finite, ...(chart.references ?? []).map((r) => r.value), 0) * 1.08);
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const groupW = plotW / Math.max(1, chart.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, chart.series.length);
  const parts: string[] = [];

  parts.push(
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-weight="600">${escape(chart.title)}</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const v = (top * i) / 5;
    parts.push(
      `<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e9ecef"/>`,
    );
    parts.push(`<text x="${M.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${formatNumber(v)}</text>`);
  }
  chart.categories.forEach((category, c) => {
    const x0 = M.left + c * groupW + groupW * 0.1;
    chart.series.forEach((series, s) => {
      const v = series.values[c] ?? NaN;
      if (!Number.isFinite(v)) return;
      const x = x0 + s * barW;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${Math.max(1, barW - 2).toFixed(1)}" height="${(M.top + plotH - y(v)).toFixed(1)}" fill="${COLOURS[s % COLOURS.length]}"><title>${escape(series.name)}, ${escape(category)}: ${formatNumber(v)}</title></rect>`,
      );
      if (chart.labelBars)
        parts.push(
          `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y(v) - 3).toFixed(1)}" text-anchor="middle" font-size="10">${formatNumber(v)}</text>`,
        );
    });
    parts.push(
      `<text x="${(M.left + (c + 0.5) * groupW).toFixed(1)}" y="${M.top + plotH + 16}" text-anchor="middle">${escape(category)}</text>`,
    );
  });
  (chart.references ?? []).forEach((ref, i) => {
    const colour = REFERENCE_COLOURS[i % REFERENCE_COLOURS.length];
    parts.push(
      `<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(ref.value).toFixed(1)}" y2="${y(ref.value).toFixed(1)}" stroke="${colour}" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
  });
  parts.push(
    `<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#495057"/>`,
  );
  parts.push(
    `<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)}</text>`,
  );

  // Legend under the axis, wrapping onto a second row; reference lines are named here rather than
  // on the plot, where their labels would cover bars.
  const entries = [
    ...chart.series.map((series, s) => ({
      label: series.name,
      swatch: `<rect width="12" height="12" y="-10" fill="${COLOURS[s % COLOURS.length]}"/>`,
    })),
    ...(chart.references ?? []).map((ref, i) => ({
      label: `${ref.label}: ${formatNumber(ref.value)}`,
      swatch: `<line x2="14" y1="-4" y2="-4" stroke="${REFERENCE_COLOURS[i % REFERENCE_COLOURS.length]}" stroke-width="2" stroke-dasharray="5 3"/>`,
    })),
  ];
  let lx = M.left;
  let ly = M.top + plotH + 40;
  for (const entry of entries) {
    const width = 30 + entry.label.length * 6.4;
    if (lx > M.left && lx + width > WIDTH - M.right) {
      lx = M.left;
      ly += 18;
    }
    parts.push(
      `<g transform="translate(${lx.toFixed(1)} ${ly})">${entry.swatch}<text x="18">${escape(entry.label)}</text></g>`,
    );
    lx += width;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="system-ui, sans-serif" font-size="12"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>\n`;
}
