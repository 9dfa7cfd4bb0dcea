// Rejected records -> the dead-letter topic, in produce requests the broker accepts.
import { isBase64, type Rejection } from '../core/activity.js';
import { AppError } from '../core/errors.js';
import type { MessageHeaders, OutgoingMessage } from '../core/kafka-message.js';
import { RECORD_BATCH_OVERHEAD, recordBytes } from '../core/record-size.js';
import { namedKafkaFailure } from './kafka-authentication.js';
import { kafkaFailureMessage, kafkaLibrary } from './kafka-client.js';
import type { LazyProducer } from './producer.js';

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
const MAX_MESSAGES_PER_REQUEST = 500;

/** A dead letter keeps the record's original key, value bytes and every header; the reason and origin ride in headers. */
export function deadLetterMessage(rejection: Rejection): OutgoingMessage {
  const { record, reason, detail } = rejection;
  // In arrival order, repeated names and names like "__proto__" included: AWS lists each header as {name: bytes}.
  const headers: MessageHeaders = [];
  for (const header of record.headers ?? []) {
    for (const [name, bytes] of Object.entries(header)) headers.push([name, Buffer.from(bytes)]);
  }
  headers.push(
    [DLQ_HEADER.reason, reason],
    [DLQ_HEADER.detail, detail],
    [DLQ_HEADER.topic, record.topic],
    [DLQ_HEADER.partition, String(record.partition)],
    [DLQ_HEADER.offset, String(record.offset)],
    [DLQ_HEADER.timestamp, String(record.timestamp)],
  );
  return { key: originalBytes(record.key), value: originalBytes(record.value), headers };
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
export function fitDeadLetter(message: OutgoingMessage, limit: number): OutgoingMessage {
  const room = limit - RECORD_BATCH_OVERHEAD;
  if (recordBytes(message) <= room) return message;
  const value = message.value === null ? Buffer.alloc(0) : Buffer.from(message.value);
  const marked = (parts: string, headers: MessageHeaders): MessageHeaders => [
    ...headers,
    [DLQ_HEADER.truncated, parts],
    [DLQ_HEADER.originalSize, String(value.length)],
  ];
  const valueCut: OutgoingMessage = { ...message, value: Buffer.alloc(0), headers: marked('value', message.headers ?? []) };
  const spare = room - recordBytes(valueCut);
  if (spare >= 0) return { ...valueCut, value: value.subarray(0, spare) };

  // Only our own headers are kept: the record is still found by its topic, partition and offset.
  const ours = (message.headers ?? []).filter(([name]) => name.startsWith('dlq.'));
  const bare: OutgoingMessage = { key: null, value: Buffer.alloc(0), headers: marked('value,key,headers', ours) };
  return { ...bare, value: value.subarray(0, Math.max(0, room - recordBytes(bare))) };
}

/** Splits messages into requests whose record batches each stay within `limit` bytes. */
export function requestsWithin(messages: OutgoingMessage[], limit: number): OutgoingMessage[][] {
  const requests: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
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
  const [{ ConfigResourceTypes }, admin] = await Promise.all([kafkaLibrary(), producer.kafka.admin()]);
  try {
    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['max.message.bytes'] }],
      includeSynonyms: false,
    });
    const entry = described?.configs.find((c) => c.name === 'max.message.bytes');
    const limit = Number(entry?.value);
    if (!Number.isSafeInteger(limit) || limit <= RECORD_BATCH_OVERHEAD) throw new Error(`the broker reported max.message.bytes=${entry?.value}`);
    return limit;
  } catch (err) {
    const named = namedKafkaFailure(err, producer.kafka.settings);
    if (named !== err) throw named;
    throw new DeadLetterLimitError(
      `cannot read max.message.bytes of the dead-letter topic ${JSON.stringify(topic)} (${kafkaFailureMessage(err)}); ` +
        'the topic must exist (MSK does not create topics on first use) and the scorer may describe its configuration ' +
        '(kafka-cluster:DescribeTopicDynamicConfiguration on MSK with IAM)',
      // Not cached, so the retried batch asks again: once the topic exists or the permission is granted, it passes.
      { cause: err, retriable: true },
    );
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Sends every rejection to the dead-letter topic, each request acknowledged by all in-sync replicas before the next. */
export async function publishDeadLetters(producer: LazyProducer, topic: string, rejections: Rejection[]): Promise<void> {
  if (rejections.length === 0) return;
  const limit = await topicMessageLimit(producer, topic);
  const connected = await producer.get();
  for (const messages of requestsWithin(rejections.map(deadLetterMessage), limit)) await connected.send(topic, messages);
}
