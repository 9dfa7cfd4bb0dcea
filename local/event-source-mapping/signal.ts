// Waking a waiting loop: the stand-in's partition lanes when records arrive, or when the mapping stops.

/** Wakes whoever waits on it; a wait also ends after `ms`. */
export class Signal {
  private readonly waiters = new Set<() => void>();
  wait(ms = Infinity): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      this.waiters.add(done);
    });
  }
  notify(): void {
    // A copy: each wake removes itself from the set.
    for (const wake of Array.from(this.waiters)) wake();
  }
}

/** Resolves after `ms`, or as soon as `stop` aborts: a wait between retries that a stop cuts short. */
export function pause(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener('abort', done, { once: true });
  });
}
