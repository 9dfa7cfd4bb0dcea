// The one retry policy: how many attempts, how long between them, and which failures are worth
// another try. Every loop of ours that tries a failed call again goes through `retry`.
import { AppError } from './errors.js';

/** The wait before the n-th retry grows from initialMs by multiplier, up to maxMs. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  /**
   * From 0 to 1: each wait is drawn from [(1 - jitter) * w, w], so callers that failed together
   * do not come back together, and no wait is ever longer than without jitter.
   */
  jitter: number;
}

/** The wait after failed attempt `attempt` (1 = the first). `random` returns a number in [0, 1). */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** (attempt - 1));
  return Math.round(ceiling * (1 - backoff.jitter * random()));
}

/**
 * Whether trying again may help: an AppError says so itself; any other failure (a network error,
 * a client's own error) may be passing, and the attempt limit bounds it.
 */
export function isRetriable(err: unknown): boolean {
  return !(err instanceof AppError) || err.retriable;
}

export interface RetryOptions {
  /** Attempts in all, the first one included; Infinity tries until one succeeds. */
  attempts: number;
  backoff: Backoff;
  /**
   * Cuts a wait short and starts no further attempt; `retry` then rejects with the signal's reason. An attempt in
   * flight runs on.
   */
  signal?: AbortSignal;
  /** Told of each failure that will be tried again, and how long until then. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

/**
 * Runs `operation` (given the attempt number, from 1) until it resolves. A failure that is not
 * retriable, or the last allowed attempt's, rejects at once with that failure.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (err) {
      if (!isRetriable(err) || attempt >= options.attempts) throw err;
      const delayMs = backoffDelay(options.backoff, attempt, options.random);
      options.onRetry?.(err, attempt, delayMs);
      await wait(delayMs, options.signal);
    }
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
