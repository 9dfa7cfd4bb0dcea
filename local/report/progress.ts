// A small terminal progress bar: redrawn in place on a terminal, a line every few seconds in logs.

export interface ProgressState {
  label: string;
  done: number;
  /** Undefined for open-ended work: then no bar, percentage or ETA is shown. */
  total?: number;
  elapsedMs: number;
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "label [#####-----] 45% 450,000/1,000,000 82,345/s ETA 7s" */
export function renderProgress(state: ProgressState, width = 20): string {
  const { label, done, total, elapsedMs } = state;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const rateText = `${count.format(rate)}/s`;
  if (total === undefined) return `${label} ${count.format(done)} ${rateText}`;
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const percent = `${Math.floor(fraction * 100)}%`;
  const eta = done >= total ? 'done' : `ETA ${rate > 0 ? formatDuration((total - done) / rate) : '?'}`;
  return `${label} ${bar} ${percent} ${count.format(done)}/${count.format(total)} ${rateText} ${eta}`;
}

export interface ProgressBarOptions {
  label: string;
  total?: number;
  stream?: { write(text: string): unknown; isTTY?: boolean };
  /** Minimum time between redraws on a terminal. */
  redrawMs?: number;
  /** Time between lines when the output is not a terminal (a log, CI). */
  logEveryMs?: number;
  now?: () => number;
}

export interface ProgressBar {
  update(done: number): void;
  /** Draws the final state and ends the line. */
  finish(done?: number): void;
}

export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const now = options.now ?? (() => performance.now());
  const interval = tty ? (options.redrawMs ?? 100) : (options.logEveryMs ?? 5000);
  const started = now();
  let lastDraw = -Infinity;
  let done = 0;
  let finished = false;

  const draw = (final: boolean) => {
    const line = renderProgress({ label: options.label, done, total: options.total, elapsedMs: now() - started });
    // \x1b[2K clears what a longer earlier line left behind.
    stream.write(tty ? `\r\x1b[2K${line}${final ? '\n' : ''}` : `${line}\n`);
    lastDraw = now();
  };

  return {
    update(value) {
      if (finished) return;
      done = value;
      if (now() - lastDraw >= interval) draw(false);
    },
    finish(value) {
      if (finished) return;
      finished = true;
      if (value !== undefined) done = value;
      draw(true);
    },
  };
}
