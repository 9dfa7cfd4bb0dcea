import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type { MSKRecord } from 'aws-lambda';
import type { Message } from 'kafkajs';
import { deadLetterMessage, DLQ_HEADER, fitDeadLetter, requestsWithin } from '../../lib/adapters/dead-letters.js';
import { RECORD_BATCH_OVERHEAD, recordBytes } from '../../lib/core/record-size.js';

// KafkaJS's own record and batch encoders, to check the size bounds against real bytes.
const require = createRequire(import.meta.url);
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => { buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (b: object) => Promise<{ buffer: Buffer }> };

/** The bytes a batch of these messages takes on the wire, as KafkaJS encodes it (timestamps far apart, the worst case). */
async function encodedBatchSize(messages: Message[]): Promise<number> {
  const records = messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: i * 1e12 }));
  return (await RecordBatch({ records, lastOffsetDelta: records.length - 1 })).buffer.length;
}

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
    const h = message.headers!;
    expect(Object.keys(h)).toEqual(['trace', '__proto__', 'constructor', ...Object.values(DLQ_HEADER).slice(0, 6)]);
    expect(h.trace).toEqual([Buffer.from('a'), Buffer.from('b')]);
    expect(h['__proto__']).toEqual(Buffer.from('p'));
    expect(h.constructor).toEqual(Buffer.from('c'));
    // Ours come after the producer's own header of the same name.
    expect(h[DLQ_HEADER.reason]).toEqual([Buffer.from('from the producer'), 'too_large']);
    expect(h[DLQ_HEADER.offset]).toBe('77');
  });
});

describe('dead letters sized to the broker limit', () => {
  it('leaves a dead letter that fits untouched', () => {
    const message = deadLetterMessage(rejected(Buffer.alloc(60 * 1024, 1)));
    expect(fitDeadLetter(message, MSK_LIMIT)).toBe(message);
  });

  it('cuts a value too large for one request, saying so and giving its original size', async () => {
    const value = Buffer.alloc(2_000_000, 7);
    const fitted = fitDeadLetter(deadLetterMessage(rejected(value, [{ trace: bytes('t') }])), MSK_LIMIT);
    expect(fitted.headers![DLQ_HEADER.truncated]).toBe('value');
    expect(fitted.headers![DLQ_HEADER.originalSize]).toBe('2000000');
    expect(fitted.headers!.trace).toEqual(Buffer.from('t'));
    expect(Buffer.compare(fitted.value as Buffer, value.subarray(0, (fitted.value as Buffer).length))).toBe(0);
    expect((fitted.value as Buffer).length).toBeGreaterThan(MSK_LIMIT - 1_000);
    expect(await encodedBatchSize([fitted])).toBeLessThanOrEqual(MSK_LIMIT);
  });

  it('drops the key and original headers too when they alone are too large', async () => {
    const huge = bytes('h'.repeat(600_000));
    const fitted = fitDeadLetter(deadLetterMessage(rejected(Buffer.alloc(10), [{ a: huge }, { b: huge }])), MSK_LIMIT);
    expect(fitted.headers![DLQ_HEADER.truncated]).toBe('value,key,headers');
    expect(fitted.headers![DLQ_HEADER.offset]).toBe('77');
    expect(fitted.headers!.a).toBeUndefined();
    expect(await encodedBatchSize([fitted])).toBeLessThanOrEqual(MSK_LIMIT);
  });

  it('splits 40 dead letters of 60 KiB into requests that each fit, keeping all of them in order', async () => {
    const letters = Array.from({ length: 40 }, (_, i) => deadLetterMessage(rejected(Buffer.alloc(60 * 1024, i))));
    const requests = requestsWithin(letters, MSK_LIMIT);
    expect(requests.flat()).toEqual(letters);
    expect(requests.length).toBe(3);
    for (const request of requests) {
      const estimate = RECORD_BATCH_OVERHEAD + request.reduce((sum, m) => sum + recordBytes(m), 0);
      const actual = await encodedBatchSize(request);
      expect(actual).toBeLessThanOrEqual(estimate);
      expect(estimate).toBeLessThanOrEqual(MSK_LIMIT);
    }
  });
});
