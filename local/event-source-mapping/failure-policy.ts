// When the stand-in gives up on a batch, as AWS's Kafka mapping does in provisioned mode: after
// MaximumRetryAttempts retries, or once a record is older than MaximumRecordAgeInSeconds. The batch
// is then skipped, sent first to the on-failure Kafka topic when one is configured (on-failure-topic.ts).
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';

export interface FailurePolicy {
  /** Retries after the first attempt; -1 = until it succeeds (AWS's default). */
  maximumRetryAttempts?: number;
  /** A batch holding a record older than this is not invoked again; -1 = no limit (AWS's default). */
  maximumRecordAgeSeconds?: number;
  /** A topic on the same cluster that receives the records of a batch given up on. */
  onFailureTopic?: string;
}

/** AWS caps infinite retries at 10 once an on-failure destination is set. */
export const RETRIES_WITH_DESTINATION = 10;

export interface ResolvedFailurePolicy {
  maxRetries: number;
  maxAgeMs: number;
  onFailureTopic?: string;
}

export function resolveFailurePolicy(policy: FailurePolicy): ResolvedFailurePolicy {
  const retries = policy.maximumRetryAttempts ?? -1;
  if (!Number.isInteger(retries) || retries < -1 || retries > 10_000)
    throw new RangeError(`maximumRetryAttempts ${retries} must be -1 or an integer from 0 to 10,000, as AWS allows`);
  const age = policy.maximumRecordAgeSeconds ?? -1;
  if (!(age === -1 || (Number.isInteger(age) && age >= 60 && age <= 604_800))) {
    throw new RangeError(`maximumRecordAgeSeconds ${age} must be -1 or an integer from 60 to 604,800, as AWS allows`);
  }
  const topic = policy.onFailureTopic === '' ? undefined : policy.onFailureTopic;
  const resolved: ResolvedFailurePolicy = {
    maxRetries: retries === -1 ? (topic === undefined ? Infinity : RETRIES_WITH_DESTINATION) : retries,
    maxAgeMs: age === -1 ? Infinity : age * 1000,
  };
  if (topic !== undefined) resolved.onFailureTopic = topic;
  return resolved;
}

export type GiveUpReason = 'retries_exhausted' | 'record_too_old';

/** True when the batch's oldest record is past the age limit at `now`. */
export function tooOld(messages: ConsumedMessage[], maxAgeMs: number, now = Date.now()): boolean {
  if (!Number.isFinite(maxAgeMs)) return false;
  return messages.some((m) => now - m.timestamp > maxAgeMs);
}
