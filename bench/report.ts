// What each benchmark area hands back, and how the whole run becomes results.md and results.json.
import { formatMeasured, verdict, type GoalCheck, type Verdict } from './measured.js';

export { median } from './measured.js';
export type { GoalCheck } from './measured.js';

export interface Plot {
  /** File name under bench/results/. */
  file: string;
  title: string;
  svg: string;
}

/** A figure the cost model (bench/cost-model.ts) reads from results.json, named after the row it comes from. */
export interface BenchFigure {
  /** Stable id, e.g. `job.scan-items-per-second-per-segment`. */
  id: string;
  value: number;
  unit: string;
  /** The row in results.md: "<section> › <row>". */
  row: string;
}

export interface Section {
  title: string;
  /** Markdown paragraphs shown above the table: what was measured and how. */
  method: string[];
  header: string[];
  rows: string[][];
  notes?: string[];
  plots: Plot[];
  goals?: GoalCheck[];
  figures?: BenchFigure[];
}

export type Log = (message: string) => void;

export function markdownTable(header: string[], rows: string[][]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export const count = (n: number) => Math.round(n).toLocaleString('en-US');
export const ms = (n: number) => `${Math.round(n).toLocaleString('en-US')} ms`;
export const ratio = (n: number) => `${n.toFixed(2)}x`;
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const VERDICT_CELL: Record<Verdict, string> = { met: 'met', 'not met': '**not met**', unclear: '*unclear*' };

/** F1 of a published set against the exact one: 1 when both are empty. */
export function f1(predicted: number, truth: number, truePositives: number): number {
  if (predicted === 0 && truth === 0) return 1;
  if (truePositives === 0) return 0;
  const precision = truePositives / predicted;
  const recall = truePositives / truth;
  return (2 * precision * recall) / (precision + recall);
}

export interface RunInfo {
  startedAt: Date;
  wallSeconds: number;
  mode: string;
  machine: string;
  loadBefore: number[];
  loadAfter: number[];
}

export function renderResults(info: RunInfo, sections: Section[]): string {
  const goals = sections.flatMap((s) => s.goals ?? []);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const out: string[] = [
    '# Benchmark results',
    '',
    `Run ${info.startedAt.toISOString()}, ${info.mode}, ${info.wallSeconds.toFixed(0)} s wall. ${info.machine}.`,
    `Load average (1/5/15 min) before: ${load(info.loadBefore)}, after: ${load(info.loadAfter)}; above the core count means other work shared the CPU and the figures are noisy.`,
    'Every rate is set next to a raw limit of the same machine measured in the same run; the ratios are what carry over to other machines.',
    '',
    '## Goals',
    '',
    'A goal is *met* only when the whole spread clears it, *not met* when the whole spread misses it, and *unclear* otherwise (bench/measured.ts).',
    '',
    markdownTable(
      ['claim', 'goal', 'median (spread)', 'spread', 'verdict'],
      goals.map((g) => [
        g.claim,
        g.goal.text,
        formatMeasured(g.measured, g.goal.format) + (g.note ? `; ${g.note}` : ''),
        g.measured.samples.length > 1
          ? `${g.measured.interval}; min-max ${g.goal.format(g.measured.min)}-${g.goal.format(g.measured.max)}`
          : g.measured.interval,
        VERDICT_CELL[verdict(g)],
      ]),
    ),
    '',
  ];
  for (const section of sections) {
    out.push(
      `## ${section.title}`,
      '',
      ...section.method.flatMap((p) => [p, '']),
      markdownTable(section.header, section.rows),
      '',
    );
    for (const note of section.notes ?? []) out.push(`- ${note}`);
    if (section.notes?.length) out.push('');
    for (const plot of section.plots) out.push(`![${plot.title}](${plot.file})`, '');
  }
  return out.join('\n');
}

/** The machine-readable twin of results.md: the run, every goal with its samples and verdict, and the figures. */
export function resultsJson(info: RunInfo, sections: Section[]): string {
  const goals = sections.flatMap((s) =>
    (s.goals ?? []).map((g) => ({
      section: s.title,
      claim: g.claim,
      goal: g.goal.text,
      ...g.measured,
      verdict: verdict(g),
    })),
  );
  const figures = sections.flatMap((s) => s.figures ?? []);
  return `${JSON.stringify({ run: { ...info, startedAt: info.startedAt.toISOString() }, goals, figures }, null, 2)}\n`;
}
