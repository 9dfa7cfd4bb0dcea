// Hands a batch to the function as AWS's mapping does: the same event again after each failure,
// after a growing wait, until it succeeds or the failure policy gives up on the batch.
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { AppError } from '../../lib/core/errors.js';
import { retry, type Backoff } from '../../lib/core/retry.js';
import { toMskEvent } from './batch-event.js';
import { tooOld, type ResolvedFailurePolicy } from './failure-policy.js';
import type { BatchReport, MskInvoker } from './mapping-options.js';
import type { MappingTally } from './mapping-stats.js';
import type { MskEventSource } from './msk-event.js';
import type { GiveUp, OnFailureTopic } from './on-failure-topic.js';

export interface DeliveryOptions {
  topic: string;
  source: MskEventSource;
  invoke: MskInvoker;
  policy: ResolvedFailurePolicy;
  backoff: Backoff;
  tally: MappingTally;
  /** Told of every attempt as it ends, and of a batch given up on. */
  report: (report: BatchReport) => void;
  /** Where the records of a batch given up on go first; without it they are skipped. */
  onFailureTopic: OnFailureTopic | undefined;
}

/**
 * Resolves true once the function took the batch or it was given up on (both move the offset
 * past it), false when `abandoned` aborts first (the mapping stops, or the group rebalanced): a
 * wait between two attempts ends with it, an invocation in flight runs on.
 */
export type Deliver = (partition: number, messages: ConsumedMessage[], abandoned: AbortSignal) => Promise<boolean>;

/** The invoked function failed; the batch is retried, as on AWS. */
export class FunctionError extends AppError {}

/** The batch holds a record past MaximumRecordAgeInSeconds: no retry can make it younger. */
class RecordTooOld extends AppError {}

export function batchDelivery(o: DeliveryOptions): Deliver {
  async function giveUp(
    partition: number,
    messages: ConsumedMessage[],
    failure: GiveUp,
    report: Omit<BatchReport, 'ok'>,
    abandoned: AbortSignal,
  ) {
    if (
      o.onFailureTopic !== undefined &&
      !(await o.onFailureTopic.send(o.topic, partition, messages, failure, abandoned))
    )
      return false;
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
    let attempts = 0;
    let lastError: Error | undefined;
    let durationMs = 0;
    const attempt = async (n: number) => {
      if (tooOld(messages, o.policy.maxAgeMs)) throw new RecordTooOld('a record of the batch is past the age limit');
      attempts = n;
      const started = performance.now();
      o.tally.invoked();
      try {
        await o.invoke(event);
      } catch (err) {
        durationMs = performance.now() - started;
        lastError = err instanceof Error ? err : new Error(String(err));
        o.tally.invocationFailed(lastError.message);
        // AWS's mapping retries a batch whatever the function threw: it sees a function error, not its kind.
        throw err instanceof FunctionError
          ? err
          : new FunctionError(lastError.message, { cause: err, retriable: true });
      }
      o.report({ ...report, attempt: n, ok: true, durationMs: performance.now() - started });
    };
    try {
      await retry(attempt, {
        attempts: o.policy.maxRetries + 1,
        backoff: o.backoff,
        signal: abandoned,
        onRetry: (_err, n, retryInMs) =>
          o.report({ ...report, attempt: n, ok: false, error: lastError!, retryInMs, durationMs }),
      });
      return true;
    } catch (err) {
      if (err instanceof RecordTooOld) {
        const failure = { reason: 'record_too_old', attempts, error: lastError?.message } as const;
        return giveUp(partition, messages, failure, { ...report, attempt: attempts + 1, durationMs: 0 }, abandoned);
      }
      if (err instanceof FunctionError) {
        const failure = { reason: 'retries_exhausted', attempts, error: lastError!.message } as const;
        return giveUp(
          partition,
          messages,
          failure,
          { ...report, attempt: attempts, error: lastError!, durationMs },
          abandoned,
        );
      }
      if (abandoned.aborted) return false;
      throw err;
    }
  };
}
