// A rejected record as a dead letter, and how it is cut to fit the dead-letter topic's size limit.
// Pure: lib/adapters/dead-letter-publisher.ts sends what this builds.
import { isBase64, type Rejection } from './activity.js';
import type { MessageHeaders, OutgoingMessage } from './kafka-message.js';
import { batchBytes, fitsLimit, requestsWithin } from './record-size.js';

export const DLQ_HEADER = {
  reason: 'dlq.reason',
  detail: 'dlq.detail',
  topic: 'dlq.source.topic',
  partition: 'dlq.source.partition',
  offset: 'dlq.source.offset',
  timestamp: 'dlq.source.timestamp',
  /** Present only when the record was cut to fit: the parts cut, e.g. "value" or "value,key,headers". */
  truncated: 'dlq.truncated',
  /** With dlq.truncated: the original value's size in bytes. */
  originalSize: 'dlq.original.size',
} as const;

/** The client sends one request per send; this keeps a request's message count modest as well. */
export const MAX_DEAD_LETTERS_PER_REQUEST = 500;

/**
 * A rejected record as it came, and what the scorer says about it; kept apart so a cut never mistakes one for the
 * other.
 */
export interface DeadLetter {
  /** The key and value bytes the producer sent. */
  key: Buffer | null;
  value: Buffer | null;
  /** Every header the record came with, in arrival order, even names starting with "dlq.". */
  headers: MessageHeaders;
  /** The headers the scorer adds: the reason and detail, then where the record was. */
  reason: string;
  detail: string;
  source: { topic: string; partition: number; offset: number; timestamp: number };
}

export function deadLetterOf(rejection: Rejection): DeadLetter {
  const { record, reason, detail } = rejection;
  // In arrival order, repeated names and names like "__proto__" included: AWS lists each header as {name: bytes}.
  const headers: MessageHeaders = [];
  for (const header of record.headers ?? []) {
    for (const [name, bytes] of Object.entries(header)) headers.push([name, Buffer.from(bytes)]);
  }
  return {
    key: originalBytes(record.key),
    value: originalBytes(record.value),
    headers,
    reason,
    detail,
    source: { topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp },
  };
}

/** The bytes the producer sent; a value that is not even base64 is kept as the text that arrived. */
function originalBytes(encoded: unknown): Buffer | null {
  if (typeof encoded !== 'string') return null;
  return isBase64(encoded) ? Buffer.from(encoded, 'base64') : Buffer.from(encoded, 'utf8');
}

/** Where the record was: what finds it again in the source topic, whatever else is cut. */
function coordinates(letter: DeadLetter): MessageHeaders {
  return [
    [DLQ_HEADER.topic, letter.source.topic],
    [DLQ_HEADER.partition, String(letter.source.partition)],
    [DLQ_HEADER.offset, String(letter.source.offset)],
  ];
}

/** Everything the scorer adds, in the order a reader finds it: after any original header of the same name. */
function scorerHeaders(letter: DeadLetter): MessageHeaders {
  return [
    [DLQ_HEADER.reason, letter.reason],
    [DLQ_HEADER.detail, letter.detail],
    ...coordinates(letter),
    [DLQ_HEADER.timestamp, String(letter.source.timestamp)],
  ];
}

/** The dead letter whole: the record's key, value and headers, then the scorer's. */
export function deadLetterMessage(letter: DeadLetter): OutgoingMessage {
  return { key: letter.key, value: letter.value, headers: [...letter.headers, ...scorerHeaders(letter)] };
}

/**
 * The value's first bytes, as many as fit `limit` with everything else of `message`; undefined when not even none fit.
 */
function withValueCut(message: OutgoingMessage, value: Buffer, limit: number): OutgoingMessage | undefined {
  const empty = { ...message, value: Buffer.alloc(0) };
  // Each value byte adds at least one byte; the length fields may add a few more, so step down from there.
  for (let length = Math.min(value.length, limit - batchBytes([empty])); length >= 0; length--) {
    const cut = { ...message, value: value.subarray(0, length) };
    if (fitsLimit(batchBytes([cut]), limit)) return cut;
  }
  return undefined;
}

/**
 * The dead letter as one request of at most `limit` bytes, as the broker measures it. In order:
 * whole; with the value cut; with only the scorer's own headers and the value cut (the record's
 * key and headers, however they are named, dropped); and, when even that is too large, the reason
 * and the source coordinates alone. Undefined when not even those fit: the limit is below any
 * dead letter. What was cut, and the value's original size, are said in headers when they fit.
 */
export function fitDeadLetter(letter: DeadLetter, limit: number): OutgoingMessage | undefined {
  const whole = deadLetterMessage(letter);
  if (fitsLimit(batchBytes([whole]), limit)) return whole;
  const value = letter.value ?? Buffer.alloc(0);
  const cutMarks = (parts: string): MessageHeaders => [
    [DLQ_HEADER.truncated, parts],
    [DLQ_HEADER.originalSize, String(value.length)],
  ];

  const valueCut = withValueCut({ ...whole, headers: [...(whole.headers ?? []), ...cutMarks('value')] }, value, limit);
  if (valueCut !== undefined) return valueCut;
  const oursOnly = withValueCut(
    { key: null, value: null, headers: [...scorerHeaders(letter), ...cutMarks('value,key,headers')] },
    value,
    limit,
  );
  if (oursOnly !== undefined) return oursOnly;

  const bare: OutgoingMessage = {
    key: null,
    value: null,
    headers: [[DLQ_HEADER.reason, letter.reason], ...coordinates(letter)],
  };
  const marked: OutgoingMessage = {
    ...bare,
    headers: [...bare.headers!, [DLQ_HEADER.truncated, 'value,key,headers,detail']],
  };
  if (fitsLimit(batchBytes([marked]), limit)) return marked;
  return fitsLimit(batchBytes([bare]), limit) ? bare : undefined;
}

/** The smallest dead letter a topic must take: the reason and coordinates alone, as `fitDeadLetter` cuts last. */
export function smallestDeadLetterBytes(letter: DeadLetter): number {
  return batchBytes([
    { key: null, value: null, headers: [[DLQ_HEADER.reason, letter.reason], ...coordinates(letter)] },
  ]);
}

/**
 * Dead letters as produce requests whose record batches each fit `limit`, every letter cut to fit
 * first; undefined when some letter cannot fit even at its smallest.
 */
export function deadLetterRequests(letters: readonly DeadLetter[], limit: number): OutgoingMessage[][] | undefined {
  const messages: OutgoingMessage[] = [];
  for (const letter of letters) {
    const fitted = fitDeadLetter(letter, limit);
    if (fitted === undefined) return undefined;
    messages.push(fitted);
  }
  return requestsWithin(messages, limit, MAX_DEAD_LETTERS_PER_REQUEST);
}
