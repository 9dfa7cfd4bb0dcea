import { describe, expect, it } from 'vitest';
import type { MSKRecord } from 'aws-lambda';
import { createRecordsBatch, type MessageRecord } from '@platformatic/kafka';
import { deadLetterMessage, DLQ_HEADER, fitDeadLetter, requestsWithin } from '../../lib/adapters/dead-letters.js';
import { toClientMessage } from '../../lib/adapters/kafka-messages.js';
import type { MessageHeaders, OutgoingMessage } from '../../lib/core/kafka-message.js';
import { RECORD_BATCH_OVERHEAD, recordBytes } from '../../lib/core/record-size.js';

/**
 * The bytes a batch of these messages takes on the wire, as the client's own encoder makes the
 * record batch the broker measures against its limit (timestamps far apart, the worst case).
 */
function encodedBatchSize(messages: OutgoingMessage[]): number {
  const records = messages.map((m, i) => ({ ...toClientMessage('dlq', { ...m, timestamp: 1_700_000_000_000 + i * 1e12 }), partition: 0 }) as MessageRecord);
  return createRecordsBatch(records).length;
}

/** The values of the headers named `name`, in order. */
const valuesOf = (headers: MessageHeaders | undefined, name: string) => (headers ?? []).filter(([n]) => n === name).map(([, value]) => value);

const MSK_LIMIT = 1_048_588;
const bytes = (text: string) => [...Buffer.from(text)];

function rejected(value: Buffer, headers: MSKRecord['headers'] = []) {
  const record: MSKRecord = {
    topic: 'activity',
    partition: 3,
    offset: 77,
    timestamp: 1_700_000_000_000,
    timestampType: 'CREATE_TIME',
    key: Buffer.from('k').toString('base64'),
    value: value.toString('base64'),
    headers,
  };
  return { reason: 'too_large' as const, detail: 'value is over 65536 bytes', record };
}

describe('deadLetterMessage headers', () => {
  it('keeps every original header: repeated names in order, and names such as __proto__ and constructor', () => {
    const headers: MSKRecord['headers'] = [
      { trace: bytes('a') },
      { ['__proto__']: bytes('p') },
      { trace: bytes('b') },
      { constructor: bytes('c') },
      { [DLQ_HEADER.reason]: bytes('from the producer') },
    ];
    const message = deadLetterMessage(rejected(Buffer.from('{"x":1}'), headers));
    // The producer's headers as they came, then ours, even where a name is the same.
    expect(message.headers).toEqual([
      ['trace', Buffer.from('a')],
      ['__proto__', Buffer.from('p')],
      ['trace', Buffer.from('b')],
      ['constructor', Buffer.from('c')],
      [DLQ_HEADER.reason, Buffer.from('from the producer')],
      [DLQ_HEADER.reason, 'too_large'],
      [DLQ_HEADER.detail, 'value is over 65536 bytes'],
      [DLQ_HEADER.topic, 'activity'],
      [DLQ_HEADER.partition, '3'],
      [DLQ_HEADER.offset, '77'],
      [DLQ_HEADER.timestamp, '1700000000000'],
    ]);
  });
});

describe('dead letters sized to the broker limit', () => {
  it('leaves a dead letter that fits untouched', () => {
    const message = deadLetterMessage(rejected(Buffer.alloc(60 * 1024, 1)));
    expect(fitDeadLetter(message, MSK_LIMIT)).toBe(message);
  });

  it('cuts a value too large for one request, saying so and giving its original size', () => {
    const value = Buffer.alloc(2_000_000, 7);
    const fitted = fitDeadLetter(deadLetterMessage(rejected(value, [{ trace: bytes('t') }])), MSK_LIMIT);
    expect(valuesOf(fitted.headers, DLQ_HEADER.truncated)).toEqual(['value']);
    expect(valuesOf(fitted.headers, DLQ_HEADER.originalSize)).toEqual(['2000000']);
    expect(valuesOf(fitted.headers, 'trace')).toEqual([Buffer.from('t')]);
    expect(Buffer.compare(fitted.value as Buffer, value.subarray(0, (fitted.value as Buffer).length))).toBe(0);
    expect((fitted.value as Buffer).length).toBeGreaterThan(MSK_LIMIT - 1_000);
    expect(encodedBatchSize([fitted])).toBeLessThanOrEqual(MSK_LIMIT);
  });

  it('drops the key and original headers too when they alone are too large', () => {
    const huge = bytes('h'.repeat(600_000));
    const fitted = fitDeadLetter(deadLetterMessage(rejected(Buffer.alloc(10), [{ a: huge }, { b: huge }])), MSK_LIMIT);
    expect(valuesOf(fitted.headers, DLQ_HEADER.truncated)).toEqual(['value,key,headers']);
    expect(valuesOf(fitted.headers, DLQ_HEADER.offset)).toEqual(['77']);
    expect(valuesOf(fitted.headers, 'a')).toEqual([]);
    expect(encodedBatchSize([fitted])).toBeLessThanOrEqual(MSK_LIMIT);
  });

  it('splits 40 dead letters of 60 KiB into requests that each fit, keeping all of them in order', () => {
    const letters = Array.from({ length: 40 }, (_, i) => deadLetterMessage(rejected(Buffer.alloc(60 * 1024, i))));
    const requests = requestsWithin(letters, MSK_LIMIT);
    expect(requests.flat()).toEqual(letters);
    expect(requests.length).toBe(3);
    for (const request of requests) {
      const estimate = RECORD_BATCH_OVERHEAD + request.reduce((sum, m) => sum + recordBytes(m), 0);
      const actual = encodedBatchSize(request);
      expect(actual).toBeLessThanOrEqual(estimate);
      expect(estimate).toBeLessThanOrEqual(MSK_LIMIT);
    }
  });
});
