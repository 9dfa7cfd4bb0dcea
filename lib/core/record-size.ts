// What messages take on the wire in Kafka's record batch (v2, uncompressed), counted byte for byte
// as the broker measures a batch against max.message.bytes: a producer keeps every request within
// the limit instead of learning it from a refusal, and sizes a cut to the last byte that fits.
import type { OutgoingMessage } from './kafka-message.js';

/** Bytes of a record batch before its first record, its offset and length fields included. */
export const RECORD_BATCH_OVERHEAD = 61;

/** A timestamp delta takes at most this many bytes (a zigzag varint of 64 bits). */
const LONGEST_TIMESTAMP_DELTA = 10;

const byteLength = (data: Buffer | string | null | undefined): number =>
  data === null || data === undefined ? 0 : typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;

/** Length of n (>= -1) as a zigzag varint, the form the record format writes lengths and deltas in. */
function varintBytes(n: number): number {
  let z = n < 0 ? 2 * -n - 1 : 2 * n;
  let bytes = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    bytes++;
  }
  return bytes;
}

/** A key, value or header value: its length, then its bytes; absent (null) is the length -1 alone. */
const partBytes = (part: Buffer | string | null | undefined): number =>
  part === null || part === undefined ? 1 : varintBytes(byteLength(part)) + byteLength(part);

/**
 * The bytes of `message` as record number `index` of a batch: its length, attributes, timestamp
 * delta, offset delta, key, value and headers. A message without a timestamp of its own takes the
 * request's, the batch's first timestamp, so its delta is 0, one byte; one with its own is counted
 * at the longest a delta can be.
 */
export function recordBytes(message: OutgoingMessage, index = 0): number {
  let body = 1 + (message.timestamp === undefined ? 1 : LONGEST_TIMESTAMP_DELTA) + varintBytes(index);
  body += partBytes(message.key) + partBytes(message.value);
  const headers = message.headers ?? [];
  body += varintBytes(headers.length);
  for (const [name, value] of headers) body += partBytes(name) + partBytes(value);
  return varintBytes(body) + body;
}

/** The bytes of one record batch holding `messages` in this order: what the broker checks against max.message.bytes. */
export function batchBytes(messages: readonly OutgoingMessage[]): number {
  let bytes = RECORD_BATCH_OVERHEAD;
  for (let i = 0; i < messages.length; i++) bytes += recordBytes(messages[i]!, i);
  return bytes;
}

/** The broker takes a record batch of at most its max.message.bytes, that many bytes included. */
export const fitsLimit = (bytes: number, limit: number): boolean => bytes <= limit;

/**
 * Splits messages, in order, into requests of at most `maxCount` messages whose record batches each
 * fit `limit`. A message too large even alone gets a request of its own: the caller decides what
 * to do with it (cut it first, or refuse it).
 */
export function requestsWithin<T extends OutgoingMessage>(
  messages: readonly T[],
  limit: number,
  maxCount = Infinity,
): T[][] {
  const requests: T[][] = [];
  let current: T[] = [];
  let size = RECORD_BATCH_OVERHEAD;
  for (const message of messages) {
    let bytes = recordBytes(message, current.length);
    if (current.length > 0 && (current.length >= maxCount || !fitsLimit(size + bytes, limit))) {
      requests.push(current);
      current = [];
      size = RECORD_BATCH_OVERHEAD;
      bytes = recordBytes(message, 0);
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** Where an offset delta's varint grows by a byte: records 64, 8,192, 1,048,576 and 134,217,728 of a batch. */
const DELTA_WIDTHS: readonly number[] = [0, 64, 8_192, 1_048_576, 134_217_728, Number.MAX_SAFE_INTEGER];

/** How many copies of `message` one record batch can hold within `limit` bytes. */
export function maxRecordsWithin(message: OutgoingMessage, limit: number): number {
  let room = limit - RECORD_BATCH_OVERHEAD;
  let count = 0;
  // Every record from one width boundary to the next takes the same bytes.
  for (let w = 1; w < DELTA_WIDTHS.length; w++) {
    const [from, to] = [DELTA_WIDTHS[w - 1] ?? 0, DELTA_WIDTHS[w] ?? 0];
    const fit = Math.min(to - from, Math.floor(room / recordBytes(message, from)));
    count += Math.max(0, fit);
    room -= fit * recordBytes(message, from);
    if (fit < to - from) break;
  }
  return count;
}
