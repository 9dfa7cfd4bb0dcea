// One set of a run, from its score source to its run-end marker: the users above its exact cutoff
// (lib/core/popular-engine.ts), published to its topic, then the marker. The job runs one of these
// for the all-time set, and one for the trending set beside it over the same scans.
import type { PopularConfig } from './core/config.js';
import { selectPopularUsers, type EngineOutcome, type PopularSink } from './core/popular-engine.js';
import type { PopularRun, RunWindow } from './core/popular-run.js';
import type { ScoreSource } from './core/score-source.js';
import type { SelectionPolicy } from './core/selection.js';
import type { RemainingTime } from './core/cutoff-search.js';
import type { HeldBudget } from './core/held-budget.js';
import type { RequestLimit, RunPublisher, RunSink } from './adapters/popular-publish.js';

export interface SetSpec {
  run: PopularRun;
  /** The trending set's window, carried by its marker. */
  window?: RunWindow;
}

export interface SetOptions {
  budget?: HeldBudget;
  selection?: Partial<SelectionPolicy>;
  onProgress?: (usersScanned: number) => void;
  remainingMs?: RemainingTime;
}

export interface SetOutcome extends EngineOutcome {
  /** Users acknowledged by the broker; the run-end marker follows them and is not counted. */
  published: number;
  /** Publishing the users (with the streaming pass, when there is one) and the marker. */
  publishMs: number;
  /** What the set's requests were sized to at the end: the smaller of KAFKA_MESSAGE_MAX_BYTES and its topic's limit. */
  requestLimit: RequestLimit;
  /** Requests its topic refused as too large during the set, each sent again within the limit read anew. */
  requestsRefused: number;
}

/** Selects one set and publishes it through `publisher` (its topic's, one per container), then its marker. */
export async function publishSet(
  source: ScoreSource,
  spec: SetSpec,
  config: Pick<PopularConfig, 'maxHeldUsers'>,
  publisher: RunPublisher,
  options: SetOptions = {},
): Promise<SetOutcome> {
  const { run } = spec;
  const refusedBefore = publisher.refusedRequests;
  // Connect and read the topic's limit while scanning; an unreachable Kafka still fails the set when awaited below.
  const ready = publisher.ready();
  ready.catch(() => undefined);
  let sink: RunSink | undefined;
  // Opened once the cutoff is known: the users' messages carry it.
  const open = async (cutoff: number): Promise<PopularSink> => {
    await ready;
    sink = await publisher.open(run, cutoff);
    return sink;
  };
  const outcome = await selectPopularUsers(
    source,
    {
      percentile: run.percentile,
      maxHeldUsers: config.maxHeldUsers,
      budget: options.budget,
      policy: options.selection,
      onProgress: options.onProgress,
      remainingMs: options.remainingMs,
    },
    open,
  );

  const markerStarted = performance.now();
  let requestLimit = await ready;
  if (sink !== undefined) {
    await sink.flush();
    requestLimit = sink.requestLimit;
  }
  const published = sink?.sent ?? 0;
  const end = { count: published, cutoff: outcome.cutoff, usersScanned: outcome.usersScanned };
  await publisher.end(run, spec.window === undefined ? end : { ...end, window: spec.window });
  return {
    ...outcome,
    published,
    publishMs: Math.round(outcome.handOverMs + (performance.now() - markerStarted)),
    requestLimit,
    requestsRefused: publisher.refusedRequests - refusedBefore,
  };
}
