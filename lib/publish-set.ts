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
import type { MessageSender } from './adapters/producer.js';
import { RunPublisher, publishRunEnd } from './adapters/popular-publish.js';

export interface SetSpec {
  run: PopularRun;
  topic: string;
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
}

export async function publishSet(
  source: ScoreSource,
  spec: SetSpec,
  config: Pick<PopularConfig, 'maxHeldUsers' | 'publishBatchSize' | 'messageMaxBytes'>,
  connecting: Promise<MessageSender>,
  options: SetOptions = {},
): Promise<SetOutcome> {
  const { run, topic } = spec;
  let publisher: RunPublisher | undefined;
  // Opened once the cutoff is known: the users' messages carry it.
  const open = async (cutoff: number): Promise<PopularSink> => {
    publisher = new RunPublisher(await connecting, topic, run, cutoff, { batchSize: config.publishBatchSize, messageMaxBytes: config.messageMaxBytes });
    return publisher;
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
  const producer = await connecting;
  await publisher?.flush();
  const published = publisher?.sent ?? 0;
  const end = { count: published, cutoff: outcome.cutoff, usersScanned: outcome.usersScanned };
  await publishRunEnd(producer, topic, run, spec.window === undefined ? end : { ...end, window: spec.window });
  return { ...outcome, published, publishMs: Math.round(outcome.handOverMs + (performance.now() - markerStarted)) };
}
