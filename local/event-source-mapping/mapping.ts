// The event source mapping stand-in: a Kafka consumer group that hands batches to the scorer the
// way AWS's MSK mapping does (batch size, batching window, one batch in flight per partition,
// commit only after success, retry the same batch until it succeeds or the failure policy gives up).
// Its parts: the group reader (group-reader.ts), one lane per partition (lane.ts, partition-lanes.ts),
// delivery (delivery.ts) and failure handling (failure-policy.ts, on-failure-topic.ts).
import { createKafka, KafkaClients, kafkaFailureMessage } from '../../lib/adapters/kafka-client.js';
import { wait } from '../../lib/core/retry.js';
import { committedOffsets, topicEnds } from '../services/topic-reader.js';
import { batchDelivery } from './delivery.js';
import { resolveFailurePolicy } from './failure-policy.js';
import { startGroupReader, type GroupReader } from './group-reader.js';
import {
  DEFAULT_BACKOFF,
  DEFAULT_BATCH_SIZE,
  DEFAULT_BATCHING_WINDOW_MS,
  MAX_BATCH_SIZE,
  type BatchReport,
  type EventSourceMapping,
  type MappingOptions,
} from './mapping-options.js';
import { MappingTally } from './mapping-stats.js';
import { LOCAL_CLUSTER_ARN } from './msk-event.js';
import { OnFailureTopic } from './on-failure-topic.js';
import { PartitionLanes } from './partition-lanes.js';

export * from './mapping-options.js';

const JOIN_TIMEOUT_MS = 30_000;

export async function startEventSourceMapping(options: MappingOptions): Promise<EventSourceMapping> {
  const { batchSize, windowMs } = batching(options);
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const policy = resolveFailurePolicy(options);
  const { topic, groupId, invoke } = options;
  const kafka = options.kafka instanceof KafkaClients ? options.kafka : createKafka(options.kafka);
  const bootstrapServers = options.bootstrapServers ?? kafka.settings.brokers.join(',');
  const source = { eventSourceArn: options.eventSourceArn ?? LOCAL_CLUSTER_ARN, bootstrapServers };

  let startedAt: Record<number, number>;
  try {
    startedAt = await committedOffsets(kafka, groupId, topic);
  } catch (err) {
    throw new Error(
      `reading the offsets of group ${groupId} on ${bootstrapServers} failed: ${kafkaFailureMessage(err)}`,
      { cause: err },
    );
  }
  const tally = new MappingTally(startedAt);
  const stopping = new AbortController();
  const stop = stopping.signal;
  const onError = (what: string) => tally.problem(what);

  const onFailureTopic =
    policy.onFailureTopic === undefined
      ? undefined
      : new OnFailureTopic(kafka, policy.onFailureTopic, { backoff, onError });
  const deliver = batchDelivery({
    topic,
    source,
    invoke,
    policy,
    backoff,
    tally,
    report: reportTo(options.onBatch),
    onFailureTopic,
  });
  const lanes = new PartitionLanes({ topic, batchSize, windowMs, stop, deliver, tally });

  let reader: GroupReader;
  try {
    reader = await startGroupReader(
      {
        kafka,
        topic,
        groupId,
        startingPosition: options.startingPosition ?? 'trim_horizon',
        // Shorter than the client's default minute, so a restarted stand-in gets its partitions back soon.
        sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
        backoff,
        onRecord: lanes.receive,
        onRebalance: lanes.rebalanced,
        onError,
      },
      JOIN_TIMEOUT_MS,
    );
  } catch (err) {
    // Lanes that records already reached stop too, leaving nothing committed.
    stopping.abort();
    lanes.failed(err);
    throw err;
  }
  lanes.connect(reader);

  return {
    stats: () => tally.snapshot(),
    async caughtUp(pollMs = 100) {
      const ends = await topicEnds(kafka, topic);
      while (!tally.reached(ends)) {
        if (stop.aborted) throw new Error('the mapping stopped before it caught up');
        await wait(pollMs, stop);
      }
    },
    async stop() {
      if (stop.aborted) return;
      stopping.abort();
      // Each lane finishes the invocation in flight, committing it if it succeeded; then the group is left.
      await lanes.finished();
      await reader.close();
      await onFailureTopic?.disconnect();
    },
  };
}

/** The batch size and window, within what AWS allows for Kafka. */
function batching(options: MappingOptions): { batchSize: number; windowMs: number } {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(
      `batchSize ${batchSize} must be an integer from 1 to ${MAX_BATCH_SIZE}, as AWS allows for Kafka`,
    );
  }
  const windowMs = options.batchingWindowMs ?? DEFAULT_BATCHING_WINDOW_MS;
  if (!(windowMs >= 0 && windowMs <= 300_000))
    throw new RangeError(`batchingWindowMs ${windowMs} must be from 0 to 300,000 (AWS's 300 s)`);
  return { batchSize, windowMs };
}

/** A progress callback that throws must not look like a failed batch. */
function reportTo(onBatch: ((report: BatchReport) => void) | undefined): (report: BatchReport) => void {
  return (report) => {
    try {
      onBatch?.(report);
    } catch {
      // ignored on purpose
    }
  };
}
