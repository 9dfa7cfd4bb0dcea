// What the event source mapping stand-in is given and what it reports, named after AWS's settings
// (BatchSize, MaximumBatchingWindowInSeconds, StartingPosition, the error handling of Kafka sources).
import type { MSKEvent } from 'aws-lambda';
import type { KafkaClients } from '../../lib/adapters/kafka-client.js';
import type { KafkaSettings } from '../../lib/core/config.js';
import type { Backoff } from '../../lib/core/retry.js';
import type { FailurePolicy, GiveUpReason } from './failure-policy.js';

export type MskInvoker = (event: MSKEvent) => Promise<unknown>;

export const DEFAULT_BATCH_SIZE = 100;
export const MAX_BATCH_SIZE = 10_000;
/** AWS's default MaximumBatchingWindowInSeconds for MSK and self-managed Kafka is 0.5 s. */
export const DEFAULT_BATCHING_WINDOW_MS = 500;

/** How long the mapping waits before it tries a failed batch, join or send again (lib/core/retry.ts). */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, multiplier: 2, jitter: 0.2 };

/** Where a group with no committed offsets starts reading, as AWS's StartingPosition. */
export type StartingPosition = 'trim_horizon' | 'latest';

/**
 * The error-handling settings (FailurePolicy) behave as AWS's do in provisioned mode; see
 * local/event-source-mapping/failure-policy.ts.
 */
export interface MappingOptions extends FailurePolicy {
  kafka: KafkaClients | KafkaSettings;
  topic: string;
  groupId: string;
  /** The function the mapping feeds: in process, or `lambdaInvoker(...)` for the Lambda Invoke API. */
  invoke: MskInvoker;
  batchSize?: number;
  batchingWindowMs?: number;
  /** Where a group with no committed offsets starts, as AWS's StartingPosition. */
  startingPosition?: StartingPosition;
  eventSourceArn?: string;
  /** What the events name as the bootstrap servers; the client's brokers when absent. */
  bootstrapServers?: string;
  backoff?: Partial<Backoff>;
  /** How long the group waits for a silent member before handing its partitions on. */
  sessionTimeoutMs?: number;
  onBatch?: (report: BatchReport) => void;
}

/** One invocation attempt, reported as it ends. */
export interface BatchReport {
  topic: string;
  partition: number;
  records: number;
  firstOffset: number;
  lastOffset: number;
  attempt: number;
  ok: boolean;
  error?: Error;
  /** When the attempt failed: how long until the same batch is tried again. */
  retryInMs?: number;
  /** Set when the mapping gave up on the batch (skipped it, after sending it to the on-failure topic if any). */
  gaveUp?: GiveUpReason;
  durationMs: number;
}

export interface MappingStats {
  invocations: number;
  failedInvocations: number;
  /** Records in batches the function accepted and whose offsets were committed. */
  recordsCommitted: number;
  /** Records of batches given up on (retry limit or record age), included in recordsCommitted. */
  recordsGivenUp: number;
  /** Per partition, the next offset the group will read. */
  committed: Record<number, number>;
  lastError?: string;
}

export interface EventSourceMapping {
  stats(): MappingStats;
  /** Resolves once every record on the topic when called has been handled and committed. */
  caughtUp(pollMs?: number): Promise<void>;
  /** Lets the batch in flight finish (a failing one is abandoned uncommitted), then leaves the group. */
  stop(): Promise<void>;
}
