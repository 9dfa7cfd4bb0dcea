// Reads a topic from the beginning with a throwaway consumer group until enough matching messages
// came: the one topic reader of the tests, the benchmarks and the demo; and where a topic's
// readers are (its end offsets, a group's commits).
import type { KafkaClients } from '../../lib/adapters/kafka-client.js';
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { scanFromEarliest, topicBounds } from '../../lib/adapters/topic-scan.js';

export type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';

export interface ReadOptions {
  /** Only messages this accepts count towards `count` and are returned. */
  accept?: (message: ConsumedMessage) => boolean;
  timeoutMs?: number;
}

/** Resolves with `count` accepted messages, or rejects after the timeout saying how many came. */
export async function readFromBeginning(
  kafka: KafkaClients,
  topic: string,
  count: number,
  options: ReadOptions = {},
): Promise<ConsumedMessage[]> {
  const { accept = () => true, timeoutMs = 20_000 } = options;
  const messages: ConsumedMessage[] = [];
  if (count === 0) return messages;
  await scanFromEarliest(
    kafka,
    topic,
    (message) => {
      if (accept(message)) messages.push(message);
      return messages.length >= count;
    },
    { groupPrefix: 'reader', timeoutMs, progress: () => `read ${messages.length} of ${count} messages` },
  );
  return messages;
}

/** The next offset to be written, per partition: what a consumer must reach to have read everything. */
export async function topicEnds(kafka: KafkaClients, topic: string): Promise<{ partition: number; end: number }[]> {
  return (await topicBounds(kafka, topic)).map(({ partition, end }) => ({ partition, end }));
}

/**
 * What a consumer group has committed on `topic`: per partition, the next offset it reads (partitions without a commit
 * left out).
 */
export async function committedOffsets(
  kafka: KafkaClients,
  groupId: string,
  topic: string,
): Promise<Record<number, number>> {
  const admin = await kafka.admin();
  try {
    const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
    const committed: Record<number, number> = {};
    for (const p of group?.topics.find((t) => t.name === topic)?.partitions ?? [])
      if (p.committedOffset >= 0n) committed[p.partitionIndex] = Number(p.committedOffset);
    return committed;
  } finally {
    await admin.close();
  }
}

/** Every message up to the topic's end offsets at the time of the call. */
export async function readToEnd(kafka: KafkaClients, topic: string, timeoutMs = 30_000): Promise<ConsumedMessage[]> {
  const total = (await topicBounds(kafka, topic)).reduce((sum, { start, end }) => sum + end - start, 0);
  return readFromBeginning(kafka, topic, total, { timeoutMs });
}

/** A message with its key and headers as text, as a test compares them. */
export interface TextMessage {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
  /** Milliseconds since the epoch: the record's CreateTime (or LogAppendTime). */
  timestamp: number;
}

export function asText(message: ConsumedMessage): TextMessage {
  return {
    key: message.key?.toString('utf8') ?? null,
    value: message.value,
    headers: headersAsText(message.headers),
    partition: message.partition,
    offset: String(message.offset),
    timestamp: message.timestamp,
  };
}

/** A repeated header's values joined by commas; a name like "__proto__" is an own property like any other. */
function headersAsText(headers: ConsumedMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const text = Object.hasOwn(out, name) ? `${out[name]},${value.toString('utf8')}` : value.toString('utf8');
    Object.defineProperty(out, name, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
