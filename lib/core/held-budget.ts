/**
 * MAX_HELD_USERS shared by the sets one run selects (the all-time set, and the trending set beside it):
 * the candidates all of them hold at once stay within the limit, and a cutoff search, which may run
 * for every set in the same pass, holds at most its share of distinct values.
 */
export class HeldBudget {
  /** Candidates held right now, across every set and segment. */
  held = 0;
  /** The most held at once, a page's candidates before pruning included. */
  peak = 0;

  constructor(
    readonly limit: number,
    readonly sets = 1,
  ) {}

  /** Distinct values one set's search pass may hold. */
  get searchValues(): number {
    return Math.max(1, Math.floor(this.limit / this.sets));
  }
}
