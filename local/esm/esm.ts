// The event source mapping stand-in: a Kafka consumer group that hands batches to the scorer the
// way AWS's MSK mapping does (batch size, batching window, one batch in flight per partition,
// commit only after success, retry the same batch until it succeeds).
import { Kafka, type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { createKafka } from '../../lib/adapters/kafka-client.js';
import { errorMessage } from '../../lib/core/errors.js';
import { LOCAL_CLUSTER_ARN } from './msk-event.js';
import { toMskEvent } from './esm-event.js';
import { topicEnds } from '../services/topic-reader.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { failedBatchMessages, resolveFailurePolicy, tooOld, type GiveUpReason } from './esm-failure.js';
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

const HEARTBEAT_EVERY_MS = 3000;
const JOIN_TIMEOUT_MS = 30_000;
/** One partition's records fetched but not yet committed, and the loop that hands them over a batch at a time. */
interface Lane {
  partition: number;
  buffer: KafkaMessage[];
  /** When the batch now gathering started: the batching window runs from here. */
  openedAt: number;
  arrived: Signal;
  drained: Signal;
  loop?: Promise<void>;
}

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

  const kafka = options.kafka instanceof Kafka ? options.kafka : createKafka(options.kafka);
  const bootstrapServers = options.bootstrapServers ?? (options.kafka instanceof Kafka ? undefined : options.kafka.brokers.join(','));
  if (bootstrapServers === undefined) throw new TypeError('bootstrapServers is required when kafka is a client rather than settings');
  const source = { eventSourceArn: options.eventSourceArn ?? LOCAL_CLUSTER_ARN, bootstrapServers };

  const stats: MappingStats = { invocations: 0, failedInvocations: 0, recordsCommitted: 0, recordsGivenUp: 0, committed: {} };
  const failureProducer = policy.onFailureTopic === undefined ? undefined : new LazyProducer(kafka);
  const stopped = new Signal();
  let stopping = false;
  // Bumped at each group (re)join: records buffered before it belong to an assignment that no longer holds.
  let generation = 0;
  const lanes = new Map<number, Lane>();

  const admin = kafka.admin();
  await admin.connect();
  let partitions: number;
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    partitions = metadata.topics[0]?.partitions.length ?? 1;
    for (const { partition, offset } of (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? []) {
      if (Number(offset) >= 0) stats.committed[partition] = Number(offset);
    }
  } finally {
    await admin.disconnect();
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
  async function deliver(partition: number, messages: KafkaMessage[], abandon: () => boolean): Promise<boolean> {
    const event = toMskEvent(topic, partition, messages, source);
    const report = {
      topic,
      partition,
      records: messages.length,
      firstOffset: Number(messages[0]!.offset),
      lastOffset: Number(messages[messages.length - 1]!.offset),
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
    messages: KafkaMessage[],
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
          for (let i = 0; i < failed.length; i += 500) await producer.send({ topic: policy.onFailureTopic, acks: -1, messages: failed.slice(i, i + 500) });
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
      if (lane.buffer.length === 0) {
        await lane.arrived.wait();
        continue;
      }
      if (lane.buffer.length < batchSize) {
        const left = lane.openedAt + windowMs - Date.now();
        if (left > 0) {
          await lane.arrived.wait(left);
          continue;
        }
      }
      const startedIn = generation;
      const batch = lane.buffer.slice(0, batchSize);
      if (!(await deliver(lane.partition, batch, () => stopping || generation !== startedIn))) continue;
      if (generation === startedIn) {
        lane.buffer.splice(0, batch.length);
        lane.openedAt = Date.now();
      }
      const next = Number(batch[batch.length - 1]!.offset) + 1;
      try {
        await consumer.commitOffsets([{ topic, partition: lane.partition, offset: String(next) }]);
        stats.committed[lane.partition] = Math.max(stats.committed[lane.partition] ?? 0, next);
        stats.recordsCommitted += batch.length;
      } catch (err) {
        // Processed but not committed: a later commit covers it, or a rebalance redelivers it (at least once).
        stats.lastError = `commit of ${topic}-${lane.partition} at ${next} failed: ${errorMessage(err)}`;
      }
      lane.drained.notify();
    }
  }

  // oxlint-disable-next-line typescript/unbound-method -- KafkaJS hands these over as closures, not methods
  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || stopping) return;
    let lane = lanes.get(batch.partition);
    if (lane === undefined) {
      lane = { partition: batch.partition, buffer: [], openedAt: Date.now(), arrived: new Signal(), drained: new Signal() };
      lanes.set(batch.partition, lane);
      lane.loop = runLane(lane);
    }
    if (lane.buffer.length === 0) lane.openedAt = Date.now();
    for (const message of batch.messages) lane.buffer.push(message);
    // Resolving only moves the fetch position on; the commit waits for the function's success.
    resolveOffset(batch.lastOffset());
    lane.arrived.notify();
    while (lane.buffer.length >= highWater && !stopping && isRunning() && !isStale()) {
      await lane.drained.wait(HEARTBEAT_EVERY_MS);
      await heartbeat();
    }
  }

  const consumer: Consumer = kafka.consumer({
    groupId,
    // Room for full 10,000-record batches in one fetch.
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    maxWaitTimeInMs: 250,
    // Shorter than KafkaJS's 30 s so a restarted stand-in gets its partitions back soon.
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
  });
  const joined = new Signal();
  let hasJoined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    generation++;
    for (const lane of lanes.values()) {
      lane.buffer = [];
      lane.arrived.notify();
    }
    hasJoined = true;
    joined.notify();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    stats.lastError = `consumer crashed: ${payload.error.message}`;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: (options.startingPosition ?? 'trim_horizon') === 'trim_horizon' });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: partitions, eachBatch });
    if (!hasJoined) await joined.wait(JOIN_TIMEOUT_MS);
    if (!hasJoined) throw new Error(`consumer group ${groupId} did not join within ${JOIN_TIMEOUT_MS / 1000} s; is the broker at ${bootstrapServers} up?`);
  } catch (err) {
    await consumer.disconnect();
    throw err;
  }

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
      for (const lane of lanes.values()) {
        lane.arrived.notify();
        lane.drained.notify();
      }
      // Each lane finishes the invocation in flight, committing it if it succeeded; then the group is left.
      await Promise.all([...lanes.values()].map((lane) => lane.loop ?? Promise.resolve()));
      await consumer.disconnect();
      await failureProducer?.disconnect();
    },
  };
}
