import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../lib/core/errors.js';
import { backoffDelay, isRetriable, retry, type Backoff } from '../../lib/core/retry.js';

class Busy extends AppError {}

const NO_WAIT: Backoff = { initialMs: 0, maxMs: 0, multiplier: 2, jitter: 0 };

/** An operation that fails with each of `failures` in turn, then resolves 'done'. */
function failing(...failures: unknown[]) {
  const operation = vi.fn<(attempt: number) => Promise<string>>(async (attempt) => {
    if (attempt <= failures.length) throw failures[attempt - 1];
    return 'done';
  });
  return operation;
}

describe('retry', () => {
  it('tries a non-retriable error once and rejects with it', async () => {
    const refused = new Busy('credentials refused');
    const operation = failing(refused, refused);
    const onRetry = vi.fn<(error: unknown, attempt: number, delayMs: number) => void>();

    await expect(retry(operation, { attempts: 5, backoff: NO_WAIT, onRetry })).rejects.toBe(refused);

    expect(operation).toHaveBeenCalledTimes(1);
    expect(onRetry).not.toHaveBeenCalled();
  });

  it('tries a retriable error again until it succeeds', async () => {
    const busy = new Busy('partition busy', { retriable: true });
    const operation = failing(busy, busy);

    await expect(retry(operation, { attempts: 5, backoff: NO_WAIT })).resolves.toBe('done');

    expect(operation.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
  });

  it('stops at the attempt limit, rejecting with the last failure', async () => {
    const failures = [1, 2, 3, 4].map((n) => new Busy(`busy ${n}`, { retriable: true }));
    const operation = failing(...failures);
    const onRetry = vi.fn<(error: unknown, attempt: number, delayMs: number) => void>();

    await expect(retry(operation, { attempts: 3, backoff: NO_WAIT, onRetry })).rejects.toBe(failures[2]);

    expect(operation).toHaveBeenCalledTimes(3);
    expect(onRetry.mock.calls.map(([error, attempt]) => [error, attempt])).toEqual([
      [failures[0], 1],
      [failures[1], 2],
    ]);
  });

  it('retries a failure that is not an AppError, which cannot say', async () => {
    const operation = failing(new Error('socket hang up'));
    await expect(retry(operation, { attempts: 2, backoff: NO_WAIT })).resolves.toBe('done');
    expect(operation).toHaveBeenCalledTimes(2);
    expect(isRetriable(new Error('x'))).toBe(true);
    expect(isRetriable(new Busy('x'))).toBe(false);
    expect(isRetriable(new Busy('x', { retriable: true }))).toBe(true);
  });

  it('ends the wait when the signal aborts, and starts no further attempt', async () => {
    vi.useFakeTimers();
    try {
      const stop = new AbortController();
      const operation = failing(new Busy('busy', { retriable: true }));
      const hour: Backoff = { initialMs: 3_600_000, maxMs: 3_600_000, multiplier: 1, jitter: 0 };
      const retried = retry(operation, {
        attempts: Infinity,
        backoff: hour,
        signal: stop.signal,
        // Aborted once the wait has begun.
        onRetry: () => queueMicrotask(() => stop.abort(new Error('stopped'))),
      });

      // No timer is advanced: only the abort can end the hour's wait.
      await expect(retried).rejects.toThrow('stopped');
      expect(operation).toHaveBeenCalledTimes(1);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('starts nothing once the signal has aborted', async () => {
    const operation = failing();
    await expect(retry(operation, { attempts: 3, backoff: NO_WAIT, signal: AbortSignal.abort() })).rejects.toThrow();
    expect(operation).not.toHaveBeenCalled();
  });

  it('tells onRetry how long it waits, growing with each failure', async () => {
    const busy = new Busy('busy', { retriable: true });
    const onRetry = vi.fn<(error: unknown, attempt: number, delayMs: number) => void>();
    const backoff: Backoff = { initialMs: 1, maxMs: 4, multiplier: 2, jitter: 0 };
    await retry(failing(busy, busy, busy, busy), { attempts: 5, backoff, onRetry });
    expect(onRetry.mock.calls.map(([, , delayMs]) => delayMs)).toEqual([1, 2, 4, 4]);
  });
});

describe('backoffDelay', () => {
  const backoff: Backoff = { initialMs: 500, maxMs: 30_000, multiplier: 2, jitter: 0 };

  it('doubles from the first wait up to the longest', () => {
    expect([1, 2, 3, 6, 7, 20].map((attempt) => backoffDelay(backoff, attempt))).toEqual([
      500, 1000, 2000, 16_000, 30_000, 30_000,
    ]);
  });

  it('draws each wait from below it by at most the jitter, never above', () => {
    const jittered = { ...backoff, jitter: 0.2 };
    expect(backoffDelay(jittered, 2, () => 0)).toBe(1000);
    expect(backoffDelay(jittered, 2, () => 0.5)).toBe(900);
    expect(backoffDelay(jittered, 2, () => 0.999_999)).toBe(800);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(jittered, 7);
      expect(delay).toBeGreaterThanOrEqual(24_000);
      expect(delay).toBeLessThanOrEqual(30_000);
    }
  });
});
