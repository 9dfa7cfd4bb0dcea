// How a consumer tells a complete run from a partial one: its run-end marker read and exactly
// `count` distinct users of its run id, from the source the consumer trusts.
import type { PopularUser } from './popular-user.js';
import type { RunEnd } from './popular-run.js';
import type { PopularMessage } from './run-decoder.js';

export interface CompleteRun extends RunEnd {
  key: string;
  startedAt: string;
  /** The publishing job's Kafka client id. */
  source: string;
  users: PopularUser[];
}

export interface RunTrust {
  /**
   * The run_source a consumer trusts: the publishing job's Kafka client id, `<service>-<stage>-popular`
   * on AWS. Runs from any other source, or with none, are passed over: two stages may share a topic.
   */
  source: string;
  /** Only runs whose key starts with this, e.g. `popular_`; any key when absent. */
  keyPrefix?: string;
}

interface RunInProgress {
  key: string;
  startedAt: string;
  users: Map<string, number>;
  end?: RunEnd;
}

/**
 * Groups a topic's messages by run, in any order, and answers with the latest complete run (by
 * run_started_at) from the trusted source. Runs older than a complete one are let go as it
 * completes, so memory follows the newest runs only.
 */
export class RunCollector {
  private readonly runs = new Map<string, RunInProgress>();
  private latest?: CompleteRun;

  constructor(private readonly trust: RunTrust) {}

  /**
   * Takes one decoded message; false when it is passed over (another source or key, or older than the latest complete
   * run).
   */
  add(message: PopularMessage): boolean {
    if (message.source !== this.trust.source) return false;
    if (this.trust.keyPrefix !== undefined && !message.key.startsWith(this.trust.keyPrefix)) return false;
    if (this.latest !== undefined && message.startedAt < this.latest.startedAt) return false;
    let run = this.runs.get(message.runId);
    if (run === undefined) {
      run = { key: message.key, startedAt: message.startedAt, users: new Map() };
      this.runs.set(message.runId, run);
    }
    if (message.kind === 'end') run.end = message.end;
    else run.users.set(message.user.userId, message.user.score); // a duplicate delivery counts once
    if (run.end !== undefined && run.users.size === run.end.count) this.completed(message.runId, run);
    return true;
  }

  private completed(runId: string, run: RunInProgress): void {
    const candidate: CompleteRun = {
      ...run.end!,
      key: run.key,
      startedAt: run.startedAt,
      source: this.trust.source,
      users: [...run.users].map(([userId, score]) => ({ userId, score })),
    };
    this.runs.delete(runId);
    if (this.latest === undefined || candidate.startedAt >= this.latest.startedAt) this.latest = candidate;
    for (const [id, other] of this.runs) if (other.startedAt <= this.latest.startedAt) this.runs.delete(id);
  }

  /** Users a run whose marker was read still lacks; 0 for a run without its marker yet, or unknown. */
  missingUsers(runId: string): number {
    const run = this.runs.get(runId);
    return run?.end === undefined ? 0 : Math.max(0, run.end.count - run.users.size);
  }

  latestComplete(): CompleteRun | undefined {
    return this.latest;
  }
}
