// What the stand-in reports about itself (MappingStats), counted by its parts as they work.
import type { MappingStats } from './mapping-options.js';

export class MappingTally {
  private readonly stats: MappingStats;

  /** `committed`: what the group had committed when the mapping started. */
  constructor(committed: Record<number, number>) {
    this.stats = { invocations: 0, failedInvocations: 0, recordsCommitted: 0, recordsGivenUp: 0, committed };
  }

  invoked(): void {
    this.stats.invocations++;
  }

  invocationFailed(error: string): void {
    this.stats.failedInvocations++;
    this.stats.lastError = error;
  }

  gaveUp(records: number): void {
    this.stats.recordsGivenUp += records;
  }

  /** `records` were committed on `partition`, which the group now reads from `next`. */
  committed(partition: number, next: number, records: number): void {
    this.stats.committed[partition] = Math.max(this.stats.committed[partition] ?? 0, next);
    this.stats.recordsCommitted += records;
  }

  /** Something went wrong that the mapping works around (a failed commit, send or fetch). */
  problem(what: string): void {
    this.stats.lastError = what;
  }

  /** True once every partition is committed up to its end (an empty partition has nothing to reach). */
  reached(ends: ReadonlyArray<{ partition: number; end: number }>): boolean {
    return ends.every(({ partition, end }) => end === 0 || (this.stats.committed[partition] ?? 0) >= end);
  }

  snapshot(): MappingStats {
    return { ...this.stats, committed: { ...this.stats.committed } };
  }
}
