// A consumer's view of popular_users: read the topic up to its end and return the latest run that
// is provably complete (its run-end marker and exactly `count` users of its run id).
import { RunCollector, decodePopularMessage, type CompleteRun } from '../core/popular-run.js';
import type { KafkaClients } from './kafka-client.js';
import type { ConsumedMessage } from './kafka-messages.js';
import { scanFromEarliest, topicBounds } from './topic-scan.js';

export interface ReadRunOptions {
  /** Gives up, rejecting, when the topic's end is not reached in this time. */
  timeoutMs?: number;
}

/** A repeated header counts with its last value. */
function headersAsText(message: ConsumedMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of message.headers) out[name] = value.toString('utf8');
  return out;
}

/**
 * Reads every partition of `topic` from its earliest offset to the end offset it had when called,
 * with a consumer group of its own that commits nothing; undefined when no run is complete.
 */
export async function readLatestCompleteRun(kafka: KafkaClients, topic: string, options: ReadRunOptions = {}): Promise<CompleteRun | undefined> {
  const { timeoutMs = 60_000 } = options;
  // Partitions still to read, with the offset that ends each.
  const remaining = new Map((await topicBounds(kafka, topic)).filter((b) => b.end > b.start).map((b) => [b.partition, b.end]));
  const collector = new RunCollector();
  if (remaining.size === 0) return undefined;

  await scanFromEarliest(
    kafka,
    topic,
    (message) => {
      const end = remaining.get(message.partition);
      if (end === undefined) return false;
      const decoded = decodePopularMessage(message.key?.toString('utf8') ?? null, message.value?.toString('utf8') ?? null, headersAsText(message));
      if (decoded !== undefined) collector.add(decoded);
      if (message.offset + 1 >= end) remaining.delete(message.partition);
      return remaining.size === 0;
    },
    { groupPrefix: 'popular-reader', timeoutMs, progress: () => `the end was not reached (partitions left: ${[...remaining.keys()].join(', ')})` },
  );
  return collector.latestComplete();
}
