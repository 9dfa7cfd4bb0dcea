// Upper bounds of what messages take on the wire in Kafka's record batch (v2), so a producer can
// keep each request within the broker's message.max.bytes instead of learning it from a refusal.
import type { OutgoingMessage } from './kafka-message.js';

/** Bytes of a record batch before its first record. */
export const RECORD_BATCH_OVERHEAD = 61;

const byteLength = (data: Buffer | string | null | undefined): number =>
  data === null || data === undefined ? 0 : typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;

/** Length of a zigzag varint holding n >= 0, as the record format writes lengths. */
function varintBytes(n: number): number {
  let z = n * 2;
  let bytes = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    bytes++;
  }
  return bytes;
}

/** One message inside a record batch: attributes, the largest timestamp and offset deltas, key, value and headers, each with its length. */
export function recordBytes(message: OutgoingMessage): number {
  let body = 1 + 10 + 5;
  for (const part of [message.key, message.value]) body += part === null || part === undefined ? 1 : varintBytes(byteLength(part)) + byteLength(part);
  const headers = message.headers ?? [];
  body += varintBytes(headers.length);
  for (const [name, value] of headers) body += varintBytes(byteLength(name)) + byteLength(name) + varintBytes(byteLength(value)) + byteLength(value);
  return varintBytes(body) + body;
}
