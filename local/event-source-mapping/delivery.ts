// Hands a batch to the function as AWS's mapping does: the same event again after each failure,
// after a growing wait, until it succeeds or the failure policy gives up on the batch.
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { toMskEvent } from './batch-event.js';
import { retriesExhausted, tooOld, type ResolvedFailurePolicy } from './failure-policy.js';
import { backoffDelay, type BatchReport, type MskInvoker, type RetryBackoff } from './mapping-options.js';
import type { MappingTally } from './mapping-stats.js';
import type { MskEventSource } from './msk-event.js';
import type { GiveUp, OnFailureTopic } from './on-failure-topic.js';
import { pause } from './signal.js';

export interface DeliveryOptions {
  topic: string;
  source: MskEventSource;
  invoke: MskInvoker;
  policy: ResolvedFailurePolicy;
  backoff: RetryBackoff;
  /** The mapping's stop: a wait between two attempts ends with it. */
  stop: AbortSignal;
  tally: MappingTally;
  /** Told of every attempt as it ends, and of a batch given up on. */
  report: (report: BatchReport) => void;
  /** Where the records of a batch given up on go first; without it they are skipped. */
  onFailureTopic: OnFailureTopic | undefined;
}

/**
 * Resolves true once the function took the batch or it was given up on (both move the offset
 * past it), false when `abandoned` says to stop first (the mapping stops, or the group rebalanced).
 */
export type Deliver = (partition: number, messages: ConsumedMessage[], abandoned: () => boolean) => Promise<boolean>;

export function batchDelivery(o: DeliveryOptions): Deliver {
  async function giveUp(partition: number, messages: ConsumedMessage[], failure: GiveUp, report: Omit<BatchReport, 'ok'>, abandoned: () => boolean) {
    if (o.onFailureTopic !== undefined && !(await o.onFailureTopic.send(o.topic, partition, messages, failure, abandoned))) return false;
    o.tally.gaveUp(messages.length);
    o.report({ ...report, ok: false, gaveUp: failure.reason });
    return true;
  }

  return async (partition, messages, abandoned) => {
    const event = toMskEvent(o.topic, partition, messages, o.source);
    const report = {
      topic: o.topic,
      partition,
      records: messages.length,
      firstOffset: messages[0]!.offset,
      lastOffset: messages[messages.length - 1]!.offset,
    };
    let lastError: string | undefined;
    for (let attempt = 1; ; attempt++) {
      if (tooOld(messages, o.policy.maxAgeMs)) {
        const failure = { reason: 'record_too_old', attempts: attempt - 1, error: lastError } as const;
        return giveUp(partition, messages, failure, { ...report, attempt, durationMs: 0 }, abandoned);
      }
      const started = performance.now();
      let error: Error | undefined;
      o.tally.invoked();
      try {
        await o.invoke(event);
      } catch (err) {
        error = err instanceof Error ? err : new Error(String(err));
      }
      const durationMs = performance.now() - started;
      if (error === undefined) {
        o.report({ ...report, attempt, ok: true, durationMs });
        return true;
      }
      o.tally.invocationFailed(error.message);
      lastError = error.message;
      if (retriesExhausted(o.policy, attempt)) {
        const failure = { reason: 'retries_exhausted', attempts: attempt, error: error.message } as const;
        return giveUp(partition, messages, failure, { ...report, attempt, error, durationMs }, abandoned);
      }
      const retryInMs = backoffDelay(o.backoff, attempt);
      o.report({ ...report, attempt, ok: false, error, retryInMs, durationMs });
      if (abandoned()) return false;
      await pause(retryInMs, o.stop);
      if (abandoned()) return false;
    }
  };
}
