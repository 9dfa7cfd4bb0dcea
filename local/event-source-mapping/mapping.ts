// The event source mapping stand-in: a Kafka consumer group that hands batches to the scorer the
// way AWS's MSK mapping does (batch size, batching window, one batch in flight per partition,
// commit only after success, retry the same batch until it succeeds).
import { createKafka, KafkaClients, kafkaFailureMessage } from '../../lib/adapters/kafka-client.js';
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { errorMessage } from '../../lib/core/errors.js';
import { LOCAL_CLUSTER_ARN } from './msk-event.js';
import { toMskEvent } from './batch-event.js';
import { topicEnds } from '../services/topic-reader.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { failedBatchMessages, resolveFailurePolicy, tooOld, type GiveUpReason } from './failure-policy.js';
import { startGroupReader, type GroupReader } from './group-reader.js';
import { Lane } from './lane.js';
import { Signal } from './signal.js';
import {
  DEFAULT_BACKOFF,
  DEFAULT_BATCH_SIZE,
  DEFAULT_BATCHING_WINDOW_MS,
  MAX_BATCH_SIZE,
  type BatchReport,
  type EventSourceMapping,
  type MappingOptions,
  type MappingStats,
} from './mapping-options.js';

export * from './mapping-options.js';

const JOIN_TIMEOUT_MS = 30_000;
export async function startEventSourceMapping(options: MappingOptions): Promise<EventSourceMapping> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize ${batchSize} must be an integer from 1 to ${MAX_BATCH_SIZE}, as AWS allows for Kafka`);
  }
  const windowMs = options.batchingWindowMs ?? DEFAULT_BATCHING_WINDOW_MS;
  if (!(windowMs >= 0 && windowMs <= 300_000)) throw new RangeError(`batchingWindowMs ${windowMs} must be from 0 to 300,000 (AWS's 300 s)`);
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const policy = resolveFailurePolicy(options);
  const { topic, groupId, invoke, onBatch } = options;
  // Fetching pauses while a partition has this many records waiting.
  const highWater = Math.max(2 * batchSize, 20_000);

  const kafka = options.kafka instanceof KafkaClients ? options.kafka : createKafka(options.kafka);
  const bootstrapServers = options.bootstrapServers ?? kafka.settings.brokers.join(',');
  const source = { eventSourceArn: options.eventSourceArn ?? LOCAL_CLUSTER_ARN, bootstrapServers };

  const stats: MappingStats = { invocations: 0, failedInvocations: 0, recordsCommitted: 0, recordsGivenUp: 0, committed: {} };
  const failureProducer = policy.onFailureTopic === undefined ? undefined : new LazyProducer(kafka);
  const stopped = new Signal();
  let stopping = false;
  // Bumped at each group (re)join: records buffered before it belong to an assignment that no longer holds.
  let generation = 0;
  const lanes = new Map<number, Lane>();

  const admin = await kafka.admin();
  try {
    const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
    for (const { partitionIndex, committedOffset } of group?.topics.find((t) => t.name === topic)?.partitions ?? []) {
      if (committedOffset >= 0n) stats.committed[partitionIndex] = Number(committedOffset);
    }
  } catch (err) {
    throw new Error(`reading the offsets of group ${groupId} on ${bootstrapServers} failed: ${kafkaFailureMessage(err)}`, { cause: err });
  } finally {
    await admin.close();
  }

  // A progress callback that throws must not look like a failed batch.
  const notify = (report: BatchReport) => {
    try {
      onBatch?.(report);
    } catch {
      // ignored on purpose
    }
  };

  /** Invokes with the same event until it succeeds; false when abandoned first (stop or rebalance). */
  async function deliver(partition: number, messages: ConsumedMessage[], abandon: () => boolean): Promise<boolean> {
    const event = toMskEvent(topic, partition, messages, source);
    const report = {
      topic,
      partition,
      records: messages.length,
      firstOffset: messages[0]!.offset,
      lastOffset: messages[messages.length - 1]!.offset,
    };
    let lastError: string | undefined;
    for (let attempt = 1; ; attempt++) {
      if (tooOld(messages, policy.maxAgeMs)) {
        return giveUp(
          partition,
          messages,
          { reason: 'record_too_old', attempts: attempt - 1, error: lastError },
          { ...report, attempt, durationMs: 0 },
          abandon,
        );
      }
      const started = performance.now();
      let error: Error | undefined;
      stats.invocations++;
      try {
        await invoke(event);
      } catch (err) {
        error = err instanceof Error ? err : new Error(String(err));
      }
      const durationMs = performance.now() - started;
      if (error === undefined) {
        notify({ ...report, attempt, ok: true, durationMs });
        return true;
      }
      const retryInMs = Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** (attempt - 1));
      stats.failedInvocations++;
      stats.lastError = error.message;
      lastError = error.message;
      if (attempt - 1 >= policy.maxRetries) {
        return giveUp(
          partition,
          messages,
          { reason: 'retries_exhausted', attempts: attempt, error: error.message },
          { ...report, attempt, error, durationMs },
          abandon,
        );
      }
      notify({ ...report, attempt, ok: false, error, retryInMs, durationMs });
      if (abandon()) return false;
      await stopped.wait(retryInMs);
      if (abandon()) return false;
    }
  }

  /**
   * Skips a batch the way AWS does once retries or record age run out: its records go to the
   * on-failure topic first (retried until acknowledged, so none is lost), then the batch counts as done.
   */
  async function giveUp(
    partition: number,
    messages: ConsumedMessage[],
    failure: { reason: GiveUpReason; attempts: number; error?: string | undefined },
    report: Omit<BatchReport, 'ok'>,
    abandon: () => boolean,
  ): Promise<boolean> {
    if (failureProducer !== undefined && policy.onFailureTopic !== undefined) {
      const failed = failedBatchMessages(
        topic,
        partition,
        messages,
        failure.error === undefined ? { reason: failure.reason, attempts: failure.attempts } : { ...failure, error: failure.error },
      );
      for (let attempt = 1; ; attempt++) {
        try {
          const producer = await failureProducer.get();
          // Acknowledged by all in-sync replicas before the offset moves past the batch.
          for (let i = 0; i < failed.length; i += 500) await producer.send(policy.onFailureTopic, failed.slice(i, i + 500));
          break;
        } catch (err) {
          stats.lastError = `sending a failed batch of ${topic}-${partition} to ${policy.onFailureTopic} failed: ${errorMessage(err)}`;
          if (abandon()) return false;
          await stopped.wait(Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** (attempt - 1)));
          if (abandon()) return false;
        }
      }
    }
    stats.recordsGivenUp += messages.length;
    notify({ ...report, ok: false, gaveUp: failure.reason });
    return true;
  }

  async function runLane(lane: Lane): Promise<void> {
    while (!stopping) {
      if (lane.size === 0) {
        await lane.arrived.wait();
        continue;
      }
      if (lane.size < batchSize) {
        const left = lane.openedAt + windowMs - Date.now();
        if (left > 0) {
          await lane.arrived.wait(left);
          continue;
        }
      }
      const startedIn = generation;
      const batch = lane.batch(batchSize);
      if (!(await deliver(lane.partition, batch, () => stopping || generation !== startedIn))) continue;
      const last = batch[batch.length - 1]!;
      // The batch leaves the lane, and so does any copy of it fetched again after a rebalance.
      lane.delivered(last.offset);
      if (lanesBelowHighWater()) reader?.resume();
      const next = last.offset + 1;
      // A partition handed to another member meanwhile is that member's to commit: a late commit here could move it back.
      if (generation !== startedIn && !reader?.owns(lane.partition)) continue;
      try {
        // Records can arrive, and a batch succeed, while the group's first stream is still opening.
        await (await joined).commit(lane.partition, next, last.leaderEpoch);
        stats.committed[lane.partition] = Math.max(stats.committed[lane.partition] ?? 0, next);
        stats.recordsCommitted += batch.length;
      } catch (err) {
        // Processed but not committed: a later commit covers it, or a rebalance redelivers it (at least once).
        stats.lastError = `commit of ${topic}-${lane.partition} at ${next} failed: ${kafkaFailureMessage(err)}`;
      }
    }
  }

  const lanesBelowHighWater = () => [...lanes.values()].every((lane) => lane.size < highWater);

  function receive(message: ConsumedMessage, readIn: number): void {
    if (stopping || readIn !== generation) return;
    let lane = lanes.get(message.partition);
    if (lane === undefined) {
      lane = new Lane(message.partition);
      lanes.set(message.partition, lane);
      lane.loop = runLane(lane);
    }
    // Fetching stops while a partition has this much waiting; its lane resumes it as it drains.
    if (lane.add(message) && lane.size >= highWater) reader?.pause();
  }

  let reader: GroupReader | undefined;
  let readerStarted!: (started: GroupReader) => void;
  let readerFailed!: (error: unknown) => void;
  const joined = new Promise<GroupReader>((resolve, reject) => {
    readerStarted = resolve;
    readerFailed = reject;
  });
  joined.catch(() => undefined);
  const starting = startGroupReader(
    {
      kafka,
      topic,
      groupId,
      startingPosition: options.startingPosition ?? 'trim_horizon',
      // Shorter than the client's default minute, so a restarted stand-in gets its partitions back soon.
      sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      retryDelayMs: (attempt) => Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** (attempt - 1)),
      onRecord: receive,
      onRebalance: (joined) => {
        generation = joined;
        for (const lane of lanes.values()) lane.clear();
        reader?.resume();
      },
      onError: (what) => {
        stats.lastError = what;
      },
    },
    JOIN_TIMEOUT_MS,
  );
  try {
    reader = await starting;
  } catch (err) {
    // Lanes that records already reached stop too, leaving nothing committed.
    stopping = true;
    stopped.notify();
    readerFailed(err);
    for (const lane of lanes.values()) lane.arrived.notify();
    throw err;
  }
  readerStarted(reader);

  return {
    stats: () => ({ ...stats, committed: { ...stats.committed } }),
    async caughtUp(pollMs = 100) {
      const ends = await topicEnds(kafka, topic);
      while (!ends.every(({ partition, end }) => end === 0 || (stats.committed[partition] ?? 0) >= end)) {
        if (stopping) throw new Error('the mapping stopped before it caught up');
        await stopped.wait(pollMs);
      }
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      stopped.notify();
      for (const lane of lanes.values()) lane.arrived.notify();
      // Each lane finishes the invocation in flight, committing it if it succeeded; then the group is left.
      await Promise.all([...lanes.values()].map((lane) => lane.loop ?? Promise.resolve()));
      await reader?.close();
      await failureProducer?.disconnect();
    },
  };
}
