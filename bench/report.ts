// What each benchmark area hands back, and how the whole run becomes results.md.

export interface Plot {
  /** File name under bench/results/. */
  file: string;
  title: string;
  svg: string;
}

/** A claim from the issue, with the measured ratio set next to it. */
export interface GoalCheck {
  claim: string;
  goal: string;
  measured: string;
  met: boolean;
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

/** F1 of a published set against the exact one: 1 when both are empty. */
export function f1(predicted: number, truth: number, truePositives: number): number {
  if (predicted === 0 && truth === 0) return 1;
  if (truePositives === 0) return 0;
  const precision = truePositives / predicted;
  const recall = truePositives / truth;
  return (2 * precision * recall) / (precision + recall);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
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
    markdownTable(
      ['claim', 'goal', 'measured', 'met'],
      goals.map((g) => [g.claim, g.goal, g.measured, g.met ? 'yes' : '**no**']),
    ),
    '',
  ];
  for (const section of sections) {
    out.push(`## ${section.title}`, '', ...section.method.flatMap((p) => [p, '']), markdownTable(section.header, section.rows), '');
    for (const note of section.notes ?? []) out.push(`- ${note}`);
    if (section.notes?.length) out.push('');
    for (const plot of section.plots) out.push(`![${plot.title}](${plot.file})`, '');
  }
  return out.join('\n');
}
