// Each record's timestamp as AWS's mapping reports it. The client hands out records without their
// batch's attributes, so a LogAppendTime batch's records would come with their producers' times
// and no sign of the broker's: this reads each fetched batch off the client's diagnostics channel
// for fetches (where a response passes before its records are handed out) and, for the batches the
// broker stamped, gives their records the broker's time and LOG_APPEND_TIME, as Java's client does.
import { consumerFetchesChannel, type Consumer, type RecordsBatch } from '@platformatic/kafka';
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';

/** Record batch attribute: the broker set the timestamp (the topic's message.timestamp.type=LogAppendTime). */
const LOG_APPEND_TIME = 1 << 3;

interface AppendedBatch {
  first: number;
  last: number;
  /** The broker's time, which every record of the batch carries. */
  at: number;
}

interface FetchContext {
  client?: unknown;
  result?: { responses?: Array<{ partitions: Array<{ partitionIndex: number; records?: RecordsBatch[] | null }> }> };
}

export class BatchTimestamps {
  /** Per partition, the LogAppendTime batches fetched and not yet passed, in offset order. */
  private readonly appended = new Map<number, AppendedBatch[]>();
  private readonly onFetched = (context: unknown): void => {
    const { client, result } = context as FetchContext;
    if (client !== this.consumer) return;
    // The consumer reads one topic: every batch in its responses is that topic's.
    for (const topic of result?.responses ?? []) {
      for (const { partitionIndex, records } of topic.partitions) {
        for (const batch of records ?? []) {
          if ((batch.attributes & LOG_APPEND_TIME) === 0) continue;
          const first = Number(batch.firstOffset);
          // A stream opened again fetches batches once more: each is kept once, in offset order.
          const list = (this.appended.get(partitionIndex) ?? []).filter((b) => b.first !== first);
          list.push({ first, last: first + batch.lastOffsetDelta, at: Number(batch.maxTimestamp) });
          this.appended.set(
            partitionIndex,
            list.sort((a, b) => a.first - b.first),
          );
        }
      }
    }
  };

  constructor(private readonly consumer: Consumer) {
    consumerFetchesChannel.asyncStart.subscribe(this.onFetched);
  }

  /** The message with the timestamp and type its batch gives it. */
  stamp(message: ConsumedMessage): ConsumedMessage {
    const list = this.appended.get(message.partition);
    // Batches behind this record are done with; a stream that starts over fetches them anew.
    while (list !== undefined && list.length > 0 && list[0]!.last < message.offset) list.shift();
    const batch = list?.find((b) => b.first <= message.offset && message.offset <= b.last);
    return batch === undefined
      ? { ...message, timestampType: 'CREATE_TIME' }
      : { ...message, timestamp: batch.at, timestampType: 'LOG_APPEND_TIME' };
  }

  close(): void {
    consumerFetchesChannel.asyncStart.unsubscribe(this.onFetched);
  }
}
