// Reading ranges of a topic's partitions by offset with plain Fetch requests, as a simple consumer
// does: no consumer group to join (a new group on MSK waits group.initial.rebalance.delay.ms, 3 s,
// before it is given partitions) and nothing committed, so a reader needs only DescribeTopic and
// ReadData on the topic.
import { randomUUID } from 'node:crypto';
import type { Consumer, RecordsBatch } from '@platformatic/kafka';
import { retry, type Backoff } from '../core/retry.js';
import { kafkaFailureMessage, kafkaLibrary, type KafkaClients } from './kafka-client.js';
import type { ConsumedMessage } from './kafka-messages.js';
import type { PartitionBounds } from './topic-scan.js';

/** Record batch attributes: the broker set the timestamps (LogAppendTime); a transaction marker, not data. */
const LOG_APPEND_TIME = 1 << 3;
const CONTROL = 1 << 5;

/** A fetch asks for about as many bytes as the records still wanted take, within these bounds. */
const MIN_FETCH_BYTES = 64 * 1024;
const MAX_FETCH_BYTES = 8 * 1024 * 1024;
const ATTEMPTS = 3;
/** Long enough for a partition's new leader to be elected and known. */
const LEADER_MOVE_BACKOFF: Backoff = { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0.2 };

const EMPTY = Buffer.alloc(0);

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

export class PartitionFetcher {
  /** Records the broker sent, those outside the ranges asked for (the rest of a batch) included. */
  fetched = 0;
  fetches = 0;
  /** Bytes per record seen so far, to size the next fetch. */
  private recordBytes = 256;

  private constructor(
    private readonly consumer: Consumer,
    readonly topic: string,
    private topicId: string,
    private leaders: number[],
  ) {}

  /** A fetcher on `topic`; its user closes it. */
  static async open(kafka: KafkaClients, topic: string): Promise<PartitionFetcher> {
    // The group id is required by the client and never used: this consumer joins no group.
    const consumer = await kafka.consumer(
      { groupId: `partition-fetch-${randomUUID()}`, autocommit: false },
      () => undefined,
    );
    try {
      const fetcher = new PartitionFetcher(consumer, topic, '', []);
      await fetcher.refreshMetadata(false);
      return fetcher;
    } catch (err) {
      await consumer.close().catch(() => undefined);
      throw err;
    }
  }

  get partitions(): number {
    return this.leaders.length;
  }

  close(): Promise<void> {
    return this.consumer.close();
  }

  private async refreshMetadata(forceUpdate: boolean): Promise<void> {
    const metadata = await this.consumer.metadata({ topics: [this.topic], forceUpdate });
    const described = metadata.topics.get(this.topic);
    if (described === undefined) throw new Error(`topic ${this.topic} does not exist`);
    this.topicId = described.id;
    this.leaders = described.partitions.map((p) => p.leader);
  }

  /**
   * Per partition: the first offset whose timestamp is at or after `timestamp` (-2 earliest, -1 the end), or the end
   * when none is.
   */
  async offsetsAt(timestamp: bigint): Promise<number[]> {
    const listed = await this.consumer.listOffsets({ topics: [this.topic], timestamp });
    const offsets = listed.get(this.topic) ?? [];
    const ends =
      timestamp === -1n
        ? offsets
        : ((await this.consumer.listOffsets({ topics: [this.topic], timestamp: -1n })).get(this.topic) ?? []);
    return Array.from({ length: this.partitions }, (_, p) => {
      const offset = offsets[p] ?? -1n;
      return Number(offset < 0n ? (ends[p] ?? 0n) : offset);
    });
  }

  /** Every partition's first offset and the offset its next record will take, as they are now. */
  async bounds(): Promise<PartitionBounds[]> {
    const [starts, ends] = await Promise.all([this.offsetsAt(-2n), this.offsetsAt(-1n)]);
    return ends.map((end, partition) => ({ partition, start: starts[partition]!, end }));
  }

  /**
   * Hands every record of `partition` from offset `from` up to, not including, `to` to `take`, in
   * offset order. The broker sends the whole record batch `from` falls in, so its records before
   * `from` are handed over too rather than fetched again later. Records the broker no longer holds
   * (retention) are skipped. Returns the offset of the first record handed over (or where reading
   * would have started, when there was none).
   */
  async read(partition: number, from: number, to: number, take: (message: ConsumedMessage) => void): Promise<number> {
    let offset = from;
    let lowest = from;
    // The next offset to hand over: records below it were handed over, or are not wanted.
    let next: number | undefined;
    while (offset < to) {
      const response = await this.fetchAt(partition, offset, to);
      if (response === 'moved') {
        const start = (await this.offsetsAt(-2n))[partition]!;
        if (start <= offset)
          throw new Error(
            `${this.topic}-${partition}: offset ${offset} out of range, though the partition starts at ${start}`,
          );
        offset = lowest = Math.min(start, to);
        continue;
      }
      next ??= lowest = Math.min(lowest, Number(response[0]?.firstOffset ?? lowest));
      const before = offset;
      for (const batch of response) {
        this.fetched += batch.records.length;
        this.recordBytes = Math.max(
          1,
          Math.round((this.recordBytes * 7 + batch.length / Math.max(1, batch.records.length)) / 8),
        );
        const base = Number(batch.firstOffset);
        if ((batch.attributes & CONTROL) === 0) {
          for (const record of batch.records) {
            const at = base + record.offsetDelta;
            if (at < next || at >= to) continue;
            take(this.message(partition, batch, record, at));
            next = at + 1;
          }
        }
        offset = Math.max(offset, base + batch.lastOffsetDelta + 1);
        if (offset >= to) break;
      }
      // Nothing at or after `offset` below `to`: the records there are gone (compacted or aborted).
      if (offset === before) break;
    }
    return lowest;
  }

  private message(
    partition: number,
    batch: RecordsBatch,
    record: RecordsBatch['records'][number],
    offset: number,
  ): ConsumedMessage {
    // As Java's client reads it: under LogAppendTime every record carries the time the broker wrote the batch.
    const appended = (batch.attributes & LOG_APPEND_TIME) !== 0;
    const timestamp = appended ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta;
    return {
      topic: this.topic,
      partition,
      offset,
      timestamp: Number(timestamp),
      key: record.key,
      value: record.value,
      headers: record.headers.map(([name, value]) => [(name ?? EMPTY).toString('utf8'), value ?? EMPTY]),
      leaderEpoch: batch.partitionLeaderEpoch,
      timestampType: appended ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    };
  }

  /** One Fetch of `partition` at `offset`: its record batches, or 'moved' when the offset is no longer in the log. */
  private async fetchAt(partition: number, offset: number, to: number): Promise<RecordsBatch[] | 'moved'> {
    const partitionMaxBytes = Math.min(MAX_FETCH_BYTES, Math.max(MIN_FETCH_BYTES, (to - offset) * this.recordBytes));
    const fetchOnce = async (attempt: number): Promise<RecordsBatch[] | 'moved'> => {
      // A leader that moved answers NOT_LEADER_OR_FOLLOWER: ask where it is now before trying again.
      if (attempt > 1) await this.refreshMetadata(true);
      let response: FetchResponse;
      try {
        this.fetches++;
        response = await this.consumer.fetch({
          node: this.leaders[partition]!,
          topics: [
            {
              topicId: this.topicId,
              partitions: [
                {
                  partition,
                  fetchOffset: BigInt(offset),
                  partitionMaxBytes,
                  currentLeaderEpoch: -1,
                  lastFetchedEpoch: -1,
                },
              ],
            },
          ],
          maxWaitTime: 100,
          maxBytes: partitionMaxBytes,
        });
      } catch (err) {
        const { findErrorBy } = await kafkaLibrary();
        if (findErrorBy(err as Error, 'apiId', 'OFFSET_OUT_OF_RANGE') !== null) return 'moved';
        throw err;
      }
      const answer = response.responses.flatMap((t) => t.partitions).find((p) => p.partitionIndex === partition);
      return answer?.records ?? [];
    };
    try {
      return await retry(fetchOnce, { attempts: ATTEMPTS, backoff: LEADER_MOVE_BACKOFF });
    } catch (err) {
      throw new Error(`fetching ${this.topic}-${partition} at ${offset} failed: ${kafkaFailureMessage(err)}`, {
        cause: err,
      });
    }
  }
}
