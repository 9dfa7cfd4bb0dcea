// The stand-in's side of the consumer group: membership, and one message stream per group
// generation that starts each assigned partition at the group's committed offset (or the starting
// position), as AWS's pollers do after every rebalance. Reading never commits; the mapping does,
// after the function succeeded.
import {
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type Consumer,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import { kafkaFailureMessage, type KafkaClients } from '../../lib/adapters/kafka-client.js';
import { fromClientMessage, type ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { retry, wait, type Backoff } from '../../lib/core/retry.js';
import { BatchTimestamps } from './batch-timestamps.js';
import type { StartingPosition } from './mapping-options.js';

type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

export interface GroupReaderOptions {
  kafka: KafkaClients;
  topic: string;
  groupId: string;
  startingPosition: StartingPosition;
  sessionTimeoutMs: number;
  /** Waits between attempts to join or read again after a failure. */
  backoff: Backoff;
  /** A record read in group generation `generation`. */
  onRecord: (message: ConsumedMessage, generation: number) => void;
  /** The group was (re)joined: records handed over before belong to an assignment that no longer holds. */
  onRebalance: (generation: number) => void;
  onError: (what: string) => void;
}

export interface GroupReader {
  /** True while the current assignment gives this member `partition`. */
  owns(partition: number): boolean;
  /** Stops fetching (the records already fetched still arrive), until resume(). */
  pause(): void;
  resume(): void;
  /** Commits `offset` as the next one to read, carrying the epoch of the leader the records came from. */
  commit(partition: number, offset: number, leaderEpoch: number): Promise<void>;
  /** Stops reading and leaves the group. */
  close(): Promise<void>;
}

/** Joins the group and starts reading; rejects (having left) when no join succeeds within `joinTimeoutMs`. */
export async function startGroupReader(o: GroupReaderOptions, joinTimeoutMs: number): Promise<GroupReader> {
  const { kafka, topic, groupId } = o;
  let generation = 0;
  let active: { stream: Stream; generation: number } | undefined;
  let opening: Promise<void> = Promise.resolve();
  let paused = false;
  let closing = false;
  let rejoining = false;
  /** Aborted by close(): ends every wait between two attempts. */
  const closed = new AbortController();

  const consumer: Consumer = await kafka.consumer(
    {
      groupId,
      autocommit: false,
      sessionTimeout: o.sessionTimeoutMs,
      // A third of the session, as Java's client advises, so one lost heartbeat does not cost the membership.
      heartbeatInterval: Math.floor(o.sessionTimeoutMs / 3),
      maxWaitTime: 250,
      // Room for full 10,000-record batches in one fetch.
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
    },
    // The client's heartbeat found the group gone and could not join it again; it will not try by itself.
    (error) => {
      o.onError(`the consumer lost group ${groupId}: ${kafkaFailureMessage(error)}`);
      rejoin();
    },
  );
  // The client does not say which records the broker stamped (LogAppendTime): read off their batches.
  const timestamps = new BatchTimestamps(consumer);
  consumer.on('consumer:group:join', () => {
    generation++;
    o.onRebalance(generation);
    // The first stream is opened below; later joins replace it with one that starts at the commits.
    if (active !== undefined) void reopen();
  });

  function rejoin(): void {
    if (rejoining || closing) return;
    rejoining = true;
    const failed = (err: unknown) => o.onError(`joining group ${groupId} again failed: ${kafkaFailureMessage(err)}`);
    void (async () => {
      // The client has just given up on the group: the first join waits too.
      await wait(o.backoff.initialMs, closed.signal);
      await retry(() => consumer.joinGroup({}), {
        attempts: Infinity,
        backoff: o.backoff,
        signal: closed.signal,
        onRetry: failed,
      }).catch((err: unknown) => {
        if (!closing) failed(err);
      });
      rejoining = false;
    })();
  }

  async function openStream(): Promise<void> {
    // Taken before consume(): a join that consume() itself makes leaves the stream stale, and it is replaced.
    const streamGeneration = generation;
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode:
        o.startingPosition === 'latest' ? MessagesStreamFallbackModes.LATEST : MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
    });
    if (closing) {
      await stream.close().catch(() => undefined);
      return;
    }
    const previous = active?.stream;
    active = { stream, generation: streamGeneration };
    stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
      if (active?.stream === stream) o.onRecord(timestamps.stamp(fromClientMessage(message)), streamGeneration);
    });
    stream.on('error', (error) => {
      if (active?.stream !== stream || closing) return;
      o.onError(`reading ${topic} failed: ${kafkaFailureMessage(error)}`);
      void reopen();
    });
    if (paused) stream.pause();
    // Closed after the new one holds the topic, so the consumer does not leave and rejoin the group.
    if (previous !== undefined) await previous.close().catch(() => undefined);
  }

  /** Makes sure one live stream of the current generation reads, retrying until it does or the reader closes. */
  function reopen(): Promise<void> {
    const live = () => active !== undefined && !active.stream.destroyed && active.generation === generation;
    const failed = (err: unknown) =>
      o.onError(`consuming ${topic} as group ${groupId} failed: ${kafkaFailureMessage(err)}`);
    // A join while a stream opened leaves it stale: another one opens at once, without a wait.
    const openLive = async () => {
      while (!closing && !live()) await openStream();
    };
    opening = opening.then(() =>
      retry(openLive, { attempts: Infinity, backoff: o.backoff, signal: closed.signal, onRetry: failed }).catch(
        (err: unknown) => {
          if (!closing) failed(err);
        },
      ),
    );
    return opening;
  }

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    closed.abort();
    await active?.stream.close().catch(() => undefined);
    // Leaving the group hands the partitions on at once rather than after the session timeout.
    await consumer
      .close(true)
      .catch((err: unknown) => o.onError(`leaving group ${groupId} failed: ${kafkaFailureMessage(err)}`));
    timestamps.close();
  }

  const timedOut = new Promise<boolean>((resolve) => setTimeout(resolve, joinTimeoutMs, false).unref());
  if (!(await Promise.race([reopen().then(() => true), timedOut]))) {
    await close();
    throw new Error(
      `consumer group ${groupId} did not join within ${joinTimeoutMs / 1000} s; is the broker at ${kafka.settings.brokers.join(',')} up?`,
    );
  }

  return {
    owns: (partition) =>
      consumer.assignments?.some((a) => a.topic === topic && a.partitions.includes(partition)) ?? false,
    pause() {
      paused = true;
      active?.stream.pause();
    },
    resume() {
      if (!paused) return;
      paused = false;
      active?.stream.resume();
    },
    async commit(partition, offset, leaderEpoch) {
      await consumer.commit({ offsets: [{ topic, partition, offset: BigInt(offset), leaderEpoch }] });
    },
    close,
  };
}
