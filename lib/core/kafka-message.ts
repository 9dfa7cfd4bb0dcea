// A Kafka message as our code builds it, whatever client sends it: the Kafka adapter turns it into
// its client's form (lib/adapters/kafka-messages.ts); and a record as an event brings it.

export type HeaderValue = Buffer | string;

/**
 * Headers in wire order, one [name, value] pair per header: a name may come more than once, and a
 * name such as "__proto__" or "constructor" is data like any other.
 */
export type MessageHeaders = Array<[name: string, value: HeaderValue]>;

export interface OutgoingMessage {
  key?: Buffer | string | null;
  /** null is a tombstone. */
  value: Buffer | string | null;
  headers?: MessageHeaders;
  /** Milliseconds since the epoch; the producer's clock when absent. */
  timestamp?: number;
  /** Set to choose the partition; otherwise the key's hash picks it, as Java's client does. */
  partition?: number;
}

/**
 * A Kafka record as an MSK event brings it to the scorer: key and value as base64 text (absent when
 * null), each header one {name: bytes} object, in wire order. AWS's MSKRecord has this shape.
 */
export interface EncodedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key?: string;
  value?: string;
  headers?: ReadonlyArray<Readonly<Record<string, readonly number[]>>>;
}
