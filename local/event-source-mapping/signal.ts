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
