// Reading a topic from its earliest records with a throwaway consumer group that commits nothing:
// what tools and tests read whole topics with (a consumer of popular_users reads far less: popular-reader.ts).
import { randomUUID } from 'node:crypto';
import { kafkaFailureMessage, kafkaLibrary, type KafkaClients } from './kafka-client.js';
import { fromClientMessage, type ConsumedMessage } from './kafka-messages.js';

export interface ScanOptions {
  /** Prefix of the throwaway group's id. */
  groupPrefix: string;
  /** Gives up, rejecting with `progress()` in the message, when the scan has not finished in this time. */
  timeoutMs: number;
  progress: () => string;
}

/**
 * Hands every record of `topic`, from the earliest of each partition, to `take` until it answers
 * true. Records of different partitions interleave; each partition's come in order.
 */
export async function scanFromEarliest(
  kafka: KafkaClients,
  topic: string,
  take: (message: ConsumedMessage) => boolean,
  options: ScanOptions,
): Promise<void> {
  let failed: ((error: Error) => void) | undefined;
  // A failed rejoin of the group ends the scan rather than the process.
  const consumer = await kafka.consumer(
    { groupId: `${options.groupPrefix}-${randomUUID()}`, autocommit: false, maxWaitTime: 100 },
    (error) => failed?.(error),
  );
  try {
    const { MessagesStreamModes } = await kafkaLibrary();
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.EARLIEST,
      autocommit: false,
      maxWaitTime: 100,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`${topic}: ${options.progress()} after ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      function finish(error?: Error): void {
        clearTimeout(timer);
        stream.pause();
        stream.removeAllListeners('data');
        if (error === undefined) resolve();
        else reject(error);
      }
      failed = (error) =>
        finish(
          new Error(`${topic}: reading failed after ${options.progress()}: ${kafkaFailureMessage(error)}`, {
            cause: error,
          }),
        );
      stream.on('error', failed);
      stream.on('data', (message) => {
        try {
          if (take(fromClientMessage(message))) finish();
        } catch (err) {
          finish(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
  } finally {
    await consumer.close(true);
  }
}

export interface PartitionBounds {
  partition: number;
  /** The offset of its first record (or of the next one, when it holds none). */
  start: number;
  /** The next offset to be written: what a reader must reach to have read everything. */
  end: number;
}

/** The bounds of every partition of `topic`, as they are now. */
export async function topicBounds(kafka: KafkaClients, topic: string): Promise<PartitionBounds[]> {
  const admin = await kafka.admin();
  try {
    const { ListOffsetTimestamps } = await kafkaLibrary();
    const metadata = await admin.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const at = async (timestamp: bigint) => {
      const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp }));
      const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
      return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.offset)]));
    };
    const [starts, ends] = await Promise.all([at(ListOffsetTimestamps.EARLIEST), at(ListOffsetTimestamps.LATEST)]);
    return Array.from({ length: count }, (_, partition) => ({
      partition,
      start: starts.get(partition) ?? 0,
      end: ends.get(partition) ?? 0,
    }));
  } finally {
    await admin.close();
  }
}
