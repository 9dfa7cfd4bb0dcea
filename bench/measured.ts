// A figure measured several times, and the one rule that turns it into a goal's verdict. Every bench
// area that states a goal builds its figure with `measured(samples)` and its goal with `atLeast`,
// `atMost`, `below` or `exactly`; report.ts renders the verdict, so no area decides "met" itself.

export interface Measured {
  /** One value per paired measurement (e.g. a handler batch and its raw replay), in run order. */
  samples: readonly number[];
  median: number;
  min: number;
  max: number;
  /** The spread the verdict reads: a 95% confidence interval of the median, or min-max when too few samples for one. */
  low: number;
  high: number;
  /** How low-high was drawn, for the reader. */
  interval: string;
}

export type Verdict = 'met' | 'not met' | 'unclear';

export interface Goal {
  /** As the goals table shows it, e.g. ">= 0.95x". */
  text: string;
  /** Formats a measured value in the goal's unit. */
  format: (value: number) => string;
  /** Where a spread [low, high] lies against the goal. */
  judge: (low: number, high: number) => Verdict;
}

/** A claim from an issue with the figure measured for it. */
export interface GoalCheck {
  claim: string;
  goal: Goal;
  measured: Measured;
  /** Context after the figure: the absolute values behind a ratio, the row it came from. */
  note?: string;
}

/** The smallest sample count whose order statistics give a median interval of at least 95% coverage. */
const MIN_SAMPLES_FOR_CI = 6;

/** P(B < k) for B ~ Binomial(n, 1/2): the chance that fewer than k of n samples fall below the median. */
function belowRank(n: number, k: number): number {
  let sum = 0;
  let term = 0.5 ** n; // P(B = 0)
  for (let j = 0; j < k; j++) {
    sum += term;
    term = (term * (n - j)) / (j + 1);
  }
  return sum;
}

/**
 * The distribution-free confidence interval of the median: the k-th smallest and k-th largest of n
 * samples cover the true median with probability 1 - 2 P(B < k), B ~ Binomial(n, 1/2). Returns the
 * largest k with coverage >= 95%, or 1 (min-max) when n is too small for that.
 */
export function medianIntervalRank(n: number): number {
  let k = 1;
  while (k + 1 <= (n + 1) / 2 && 2 * belowRank(n, k + 1) <= 0.05) k++;
  return k;
}

/** Coverage of [k-th smallest, k-th largest] of n samples for the median. */
export function medianIntervalCoverage(n: number, k: number): number {
  return 1 - 2 * belowRank(n, k);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export interface MeasuredOptions {
  /**
   * 'median' (the default): the verdict reads the median's confidence interval, for figures whose
   * typical value is the claim (a ratio of rates). 'min-max': it reads the extremes, for claims about
   * every run (a peak memory that must never pass a limit).
   */
  spread?: 'median' | 'min-max';
}

export function measured(samples: readonly number[], options: MeasuredOptions = {}): Measured {
  if (samples.length === 0) throw new Error('measured: no samples');
  if (samples.some((s) => !Number.isFinite(s)))
    throw new Error(`measured: a sample is not a finite number (${samples.join(', ')})`);
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const base = { samples, median: median(sorted), min: sorted[0]!, max: sorted[n - 1]! };
  if (n === 1) return { ...base, low: base.min, high: base.max, interval: 'one sample' };
  if (options.spread === 'min-max')
    return { ...base, low: base.min, high: base.max, interval: `min-max of ${n}, every run judged` };
  if (n < MIN_SAMPLES_FOR_CI) {
    const coverage = Math.round(medianIntervalCoverage(n, 1) * 100);
    return {
      ...base,
      low: base.min,
      high: base.max,
      interval: `min-max of ${n} (covers the median with ${coverage}% confidence)`,
    };
  }
  const k = medianIntervalRank(n);
  return { ...base, low: sorted[k - 1]!, high: sorted[n - k]!, interval: `95% CI of the median of ${n}` };
}

/** Samples of a ratio from paired measurements: numerators[i] / denominators[i]. */
export function pairedRatios(numerators: readonly number[], denominators: readonly number[]): number[] {
  if (numerators.length !== denominators.length)
    throw new Error(`pairedRatios: ${numerators.length} numerators for ${denominators.length} denominators`);
  return numerators.map((n, i) => n / denominators[i]!);
}

export function atLeast(target: number, format: (value: number) => string): Goal {
  return {
    text: `>= ${format(target)}`,
    format,
    judge: (low, high) => (low >= target ? 'met' : high < target ? 'not met' : 'unclear'),
  };
}

export function atMost(target: number, format: (value: number) => string): Goal {
  return {
    text: `<= ${format(target)}`,
    format,
    judge: (low, high) => (high <= target ? 'met' : low > target ? 'not met' : 'unclear'),
  };
}

export function below(target: number, format: (value: number) => string): Goal {
  return {
    text: `< ${format(target)}`,
    format,
    judge: (low, high) => (high < target ? 'met' : low >= target ? 'not met' : 'unclear'),
  };
}

export function exactly(target: number, format: (value: number) => string): Goal {
  return {
    text: `= ${format(target)}`,
    format,
    judge: (low, high) =>
      low === target && high === target ? 'met' : target < low || target > high ? 'not met' : 'unclear',
  };
}

/** Met only when the whole spread clears the goal, not met when the whole spread misses it, unclear otherwise. */
export function verdict(check: Pick<GoalCheck, 'goal' | 'measured'>): Verdict {
  return check.goal.judge(check.measured.low, check.measured.high);
}

/** "0.93x (0.90-0.95)": the median and the spread the verdict read. */
export function formatMeasured(m: Measured, format: (value: number) => string): string {
  return m.low === m.high && m.low === m.median
    ? format(m.median)
    : `${format(m.median)} (${format(m.low)}-${format(m.high)})`;
}
