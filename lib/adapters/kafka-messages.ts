// Our messages <-> the client's: what we send becomes a MessageToProduce, what a consumer reads
// becomes a ConsumedMessage, with every header kept in order, repeated names included.
import type { Message, MessageToProduce } from '@platformatic/kafka';
import type { MessageHeaders, OutgoingMessage } from '../core/kafka-message.js';

const EMPTY = Buffer.alloc(0);
const asBuffer = (data: Buffer | string): Buffer => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

export function toClientMessage(
  topic: string,
  message: OutgoingMessage,
): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  // The client takes headers as a Map; a fresh Buffer per name is a key of its own, so a repeated
  // name stays two headers, and no name can collide with an Object.prototype member.
  const headers = new Map<Buffer, Buffer>();
  for (const [name, value] of message.headers ?? []) headers.set(Buffer.from(name, 'utf8'), asBuffer(value));
  const out: MessageToProduce<Buffer, Buffer, Buffer, Buffer> = { topic, headers };
  if (message.key !== undefined && message.key !== null) out.key = asBuffer(message.key);
  if (message.value !== null) out.value = asBuffer(message.value);
  if (message.timestamp !== undefined) out.timestamp = BigInt(message.timestamp);
  if (message.partition !== undefined) out.partition = message.partition;
  return out;
}

/** A record as read from a partition. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  key: Buffer | null;
  /** null is a tombstone. */
  value: Buffer | null;
  /** Header names as text, values as the bytes that came. */
  headers: Array<[name: string, value: Buffer]>;
  /** The partition leader's epoch, which a commit of this record's offset carries. */
  leaderEpoch: number;
  /**
   * Set by readers that see the record's batch: LOG_APPEND_TIME when the broker stamped it (the
   * topic's message.timestamp.type), and `timestamp` is then the broker's time.
   */
  timestampType?: 'CREATE_TIME' | 'LOG_APPEND_TIME';
}

export function fromClientMessage(message: Message<Buffer, Buffer, Buffer, Buffer>): ConsumedMessage {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: message.key ?? null,
    value: message.value ?? null,
    // A header may come without a value (length -1); it is kept, as no bytes.
    headers: message.headerEntries.map(([name, value]) => [(name ?? EMPTY).toString('utf8'), value ?? EMPTY]),
    leaderEpoch: message.leaderEpoch,
  };
}

/** A consumed record sent on as it was: key, value, headers and timestamp. */
export function resent(message: ConsumedMessage, extraHeaders: MessageHeaders = []): OutgoingMessage {
  return {
    key: message.key,
    value: message.value,
    headers: [...message.headers, ...extraHeaders],
    timestamp: message.timestamp,
  };
}
