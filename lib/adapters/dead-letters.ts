// Rejected records -> the dead-letter topic, in produce requests the broker accepts.
// kafkajs is CommonJS and Node's ES import cannot see ConfigResourceTypes among its named exports: take it from the default.
import kafkajs, { type IHeaders, type Message, type Producer } from 'kafkajs';
import { isBase64, type Rejection } from '../core/activity.js';
import { AppError, errorMessage } from '../core/errors.js';
import type { LazyProducer } from './producer.js';
import { headerEntries, RECORD_BATCH_OVERHEAD, recordBytes } from '../core/record-size.js';

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

/** KafkaJS builds one request per send; this keeps a request's message count modest as well. */
const MAX_MESSAGES_PER_REQUEST = 500;

/** A dead letter keeps the record's original key, value bytes and every header; the reason and origin ride in headers. */
export function deadLetterMessage(rejection: Rejection): Message {
  const { record, reason, detail } = rejection;
  const headers = newHeaders();
  for (const header of record.headers ?? []) {
    for (const [name, bytes] of Object.entries(header)) appendHeader(headers, name, Buffer.from(bytes));
  }
  appendHeader(headers, DLQ_HEADER.reason, reason);
  appendHeader(headers, DLQ_HEADER.detail, detail);
  appendHeader(headers, DLQ_HEADER.topic, record.topic);
  appendHeader(headers, DLQ_HEADER.partition, String(record.partition));
  appendHeader(headers, DLQ_HEADER.offset, String(record.offset));
  appendHeader(headers, DLQ_HEADER.timestamp, String(record.timestamp));
  return { key: originalBytes(record.key), value: originalBytes(record.value), headers };
}

/**
 * Headers as KafkaJS takes them: one own property per name, repeated names as an array in arrival
 * order. No prototype, so a header named "__proto__" or "constructor" is data like any other.
 */
function newHeaders(): IHeaders {
  return Object.create(null) as IHeaders;
}

function appendHeader(headers: IHeaders, name: string, value: Buffer | string): void {
  const existing = headers[name];
  const next = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  Object.defineProperty(headers, name, { value: next, enumerable: true, writable: true, configurable: true });
}

/** The bytes the producer sent; a value that is not even base64 is kept as the text that arrived. */
function originalBytes(encoded: unknown): Buffer | null {
  if (typeof encoded !== 'string') return null;
  return isBase64(encoded) ? Buffer.from(encoded, 'base64') : Buffer.from(encoded, 'utf8');
}

/**
 * Makes a dead letter fit one request of `limit` bytes: the value is cut first, and only if the
 * key and original headers alone are too large are they dropped too. What was cut, and the
 * value's original size, are said in headers.
 */
export function fitDeadLetter(message: Message, limit: number): Message {
  const room = limit - RECORD_BATCH_OVERHEAD;
  if (recordBytes(message) <= room) return message;
  const value = message.value === null || message.value === undefined ? Buffer.alloc(0) : Buffer.from(message.value);
  const marked = (parts: string, headers: IHeaders): IHeaders => {
    const out = newHeaders();
    for (const [name, one] of headerEntries(headers)) appendHeader(out, name, one);
    appendHeader(out, DLQ_HEADER.truncated, parts);
    appendHeader(out, DLQ_HEADER.originalSize, String(value.length));
    return out;
  };
  const valueCut: Message = { ...message, value: Buffer.alloc(0), headers: marked('value', message.headers ?? {}) };
  const spare = room - recordBytes(valueCut);
  if (spare >= 0) return { ...valueCut, value: value.subarray(0, spare) };

  // Only our own headers are kept: the record is still found by its topic, partition and offset.
  const ours = newHeaders();
  for (const [name, one] of headerEntries(message.headers)) if (name.startsWith('dlq.')) appendHeader(ours, name, one);
  const bare: Message = { key: null, value: Buffer.alloc(0), headers: marked('value,key,headers', ours) };
  return { ...bare, value: value.subarray(0, Math.max(0, room - recordBytes(bare))) };
}

/** Splits messages into requests whose record batches each stay within `limit` bytes. */
export function requestsWithin(messages: Message[], limit: number): Message[][] {
  const requests: Message[][] = [];
  let current: Message[] = [];
  let size = RECORD_BATCH_OVERHEAD;
  for (const original of messages) {
    const message = fitDeadLetter(original, limit);
    const bytes = recordBytes(message);
    if (current.length > 0 && (size + bytes > limit || current.length >= MAX_MESSAGES_PER_REQUEST)) {
      requests.push(current);
      current = [];
      size = RECORD_BATCH_OVERHEAD;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** The dead-letter topic's size limit could not be read, so no dead letter can be sized to fit it. */
export class DeadLetterLimitError extends AppError {}

// The topic's limit, read once per container (per producer and topic) from the broker itself.
const limits = new WeakMap<LazyProducer, Map<string, Promise<number>>>();

/** The dead-letter topic's max.message.bytes as the broker reports it (the topic's own, or the broker default it inherits). */
function topicMessageLimit(producer: LazyProducer, topic: string): Promise<number> {
  let byTopic = limits.get(producer);
  if (byTopic === undefined) limits.set(producer, (byTopic = new Map<string, Promise<number>>()));
  let limit = byTopic.get(topic);
  if (limit === undefined) {
    limit = describeLimit(producer, topic);
    byTopic.set(topic, limit);
    // A failed look-up is not cached: the retried batch asks again.
    limit.catch(() => byTopic.delete(topic));
  }
  return limit;
}

async function describeLimit(producer: LazyProducer, topic: string): Promise<number> {
  const admin = producer.kafka.admin();
  try {
    await admin.connect();
    const described = await admin.describeConfigs({
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
      includeSynonyms: false,
    });
    const entry = described.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes');
    const limit = Number(entry?.configValue);
    if (!Number.isSafeInteger(limit) || limit <= RECORD_BATCH_OVERHEAD) throw new Error(`the broker reported max.message.bytes=${entry?.configValue}`);
    return limit;
  } catch (err) {
    throw new DeadLetterLimitError(
      `cannot read max.message.bytes of the dead-letter topic ${JSON.stringify(topic)} (${errorMessage(err)}); ` +
        'the topic must exist (MSK does not create topics on first use) and the scorer may describe its configuration ' +
        '(kafka-cluster:DescribeTopicDynamicConfiguration on MSK with IAM)',
      // Not cached, so the retried batch asks again: once the topic exists or the permission is granted, it passes.
      { cause: err, retriable: true },
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Sends every rejection to the dead-letter topic, each request acknowledged by all in-sync replicas before the next. */
export async function publishDeadLetters(producer: LazyProducer, topic: string, rejections: Rejection[]): Promise<void> {
  if (rejections.length === 0) return;
  const limit = await topicMessageLimit(producer, topic);
  const connected: Producer = await producer.get();
  for (const messages of requestsWithin(rejections.map(deadLetterMessage), limit)) {
    await connected.send({ topic, acks: -1, messages });
  }
}
