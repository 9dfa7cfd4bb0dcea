/**
 * Hands out run start times, each in a second no earlier run of this clock used, so two overlapping
 * runs never share a key (`popular_<seconds>`). One clock per process; across containers the
 * function's reserved concurrency of 1 does the same.
 */
export class RunClock {
  private lastSecond = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async claim(): Promise<Date> {
    for (;;) {
      const now = this.now();
      const second = Math.floor(now / 1000);
      if (second > this.lastSecond) {
        this.lastSecond = second;
        return new Date(now);
      }
      await this.sleep(1000 - (now % 1000) + 1);
    }
  }
}

/** The clock runs share when none is given: one per process, as one Lambda container is. */
export const processRunClock = new RunClock();
