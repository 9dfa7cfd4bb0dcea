import { describe, expect, it } from 'vitest';
import type { MSKRecord } from 'aws-lambda';
import { createRecordsBatch, type MessageRecord } from '@platformatic/kafka';
import {
  deadLetterMessage,
  deadLetterOf,
  deadLetterRequests,
  DLQ_HEADER,
  fitDeadLetter,
  smallestDeadLetterBytes,
} from '../../lib/core/dead-letter.js';
import { toClientMessage } from '../../lib/adapters/kafka-messages.js';
import type { MessageHeaders, OutgoingMessage } from '../../lib/core/kafka-message.js';
import { batchBytes } from '../../lib/core/record-size.js';

/** The bytes the client's own encoder makes of these messages as one record batch, the size the broker checks. */
function encodedBatchSize(messages: OutgoingMessage[]): number {
  const records = messages.map((m) => ({ ...toClientMessage('dlq', m), partition: 0 }) as MessageRecord);
  return createRecordsBatch(records).length;
}

/** The values of the headers named `name`, in order, as text. */
const valuesOf = (headers: MessageHeaders | undefined, name: string) =>
  (headers ?? []).filter(([n]) => n === name).map(([, value]) => Buffer.from(value).toString());

const MSK_LIMIT = 1_048_588;
const bytes = (text: string | Buffer) => [...Buffer.from(text)];

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

const letterOf = (value: Buffer, headers: MSKRecord['headers'] = []) => deadLetterOf(rejected(value, headers));

/** Buffers compared by their bytes: deep equality walks a large buffer byte by byte. */
const asText = (message: OutgoingMessage) => ({
  key: message.key?.toString('hex'),
  value: message.value?.toString('hex'),
  headers: message.headers?.map(([name, value]) => [name, Buffer.from(value).toString('hex')]),
});

/** A dead letter whose whole message takes exactly `total` bytes as a record batch. */
function letterOfSize(total: number) {
  for (let length = total - batchBytes([deadLetterMessage(letterOf(Buffer.alloc(0)))]); length > 0; length--) {
    const letter = letterOf(Buffer.alloc(length, 1));
    if (batchBytes([deadLetterMessage(letter)]) === total) return letter;
  }
  throw new Error(`no dead letter of exactly ${total} bytes`);
}

describe('a dead letter whole', () => {
  it('keeps every original header: repeated names in order, names such as __proto__ and constructor, and dlq.* names the producer set', () => {
    const headers: MSKRecord['headers'] = [
      { trace: bytes('a') },
      { ['__proto__']: bytes('p') },
      { trace: bytes('b') },
      { constructor: bytes('c') },
      { [DLQ_HEADER.reason]: bytes('from the producer') },
    ];
    const message = deadLetterMessage(letterOf(Buffer.from('{"x":1}'), headers));
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

describe('record sizes as the broker measures them', () => {
  it.each([
    ['no key, no headers', { key: null, value: 'v' }],
    ['empty value', { key: 'k', value: Buffer.alloc(0) }],
    ['a tombstone', { key: 'k', value: null }],
    ['a value across the 1-byte length boundary', { key: 'k', value: Buffer.alloc(64) }],
    ['a value across the 2-byte length boundary', { key: 'k', value: Buffer.alloc(8_192) }],
    ['a value across the 3-byte length boundary', { key: 'k', value: Buffer.alloc(1_048_576) }],
    [
      'headers, one of them empty',
      {
        key: 'k',
        value: 'v',
        headers: [
          ['a', 'x'],
          ['b', Buffer.alloc(0)],
          ['c', 'é'.repeat(100)],
        ] as MessageHeaders,
      },
    ],
  ])('one record, %s', (_, message) => {
    expect(batchBytes([message])).toBe(encodedBatchSize([message]));
  });

  it('10,000 records, whose offset deltas take 1, 2 and 3 bytes', () => {
    const messages = Array.from({ length: 10_000 }, (_, i) => ({
      key: `k${i}`,
      value: 'x'.repeat(i % 130),
      headers: [['run_id', String(i)]] as MessageHeaders,
    }));
    expect(batchBytes(messages)).toBe(encodedBatchSize(messages));
  });
});

describe('dead letters sized to the broker limit', () => {
  it('leaves a dead letter that fits untouched', () => {
    const letter = letterOf(Buffer.alloc(60 * 1024, 1));
    expect(asText(fitDeadLetter(letter, MSK_LIMIT)!)).toEqual(asText(deadLetterMessage(letter)));
  });

  it('at the exact limit: a letter of exactly `limit` bytes is sent whole, one byte more and the value is cut to fill the limit exactly', () => {
    const exact = letterOfSize(MSK_LIMIT);
    expect(encodedBatchSize([deadLetterMessage(exact)])).toBe(MSK_LIMIT);
    expect(asText(fitDeadLetter(exact, MSK_LIMIT)!)).toEqual(asText(deadLetterMessage(exact)));

    const over = letterOfSize(MSK_LIMIT + 1);
    expect(encodedBatchSize([deadLetterMessage(over)])).toBe(MSK_LIMIT + 1);
    const cut = fitDeadLetter(over, MSK_LIMIT)!;
    expect(valuesOf(cut.headers, DLQ_HEADER.truncated)).toEqual(['value']);
    expect(encodedBatchSize([cut])).toBe(MSK_LIMIT);
  });

  it('cuts a value too large for one request, saying so and giving its original size', () => {
    const value = Buffer.alloc(2_000_000, 7);
    const fitted = fitDeadLetter(letterOf(value, [{ trace: bytes('t') }]), MSK_LIMIT)!;
    expect(valuesOf(fitted.headers, DLQ_HEADER.truncated)).toEqual(['value']);
    expect(valuesOf(fitted.headers, DLQ_HEADER.originalSize)).toEqual(['2000000']);
    expect(valuesOf(fitted.headers, 'trace')).toEqual(['t']);
    expect(Buffer.compare(fitted.value as Buffer, value.subarray(0, (fitted.value as Buffer).length))).toBe(0);
    expect(encodedBatchSize([fitted])).toBe(MSK_LIMIT);
  });

  it('drops the key and original headers too when they alone are too large', () => {
    const huge = bytes('h'.repeat(600_000));
    const fitted = fitDeadLetter(letterOf(Buffer.alloc(10), [{ a: huge }, { b: huge }]), MSK_LIMIT)!;
    expect(valuesOf(fitted.headers, DLQ_HEADER.truncated)).toEqual(['value,key,headers']);
    expect(valuesOf(fitted.headers, DLQ_HEADER.offset)).toEqual(['77']);
    expect(valuesOf(fitted.headers, 'a')).toEqual([]);
    expect(encodedBatchSize([fitted])).toBeLessThanOrEqual(MSK_LIMIT);
  });

  it("a record redriven with a large dlq.* header of its own: that header goes too, only the scorer's headers stay", () => {
    const redriven = letterOf(Buffer.from('not json'), [{ [DLQ_HEADER.detail]: bytes(Buffer.alloc(1_048_450, 'd')) }]);
    const fitted = fitDeadLetter(redriven, MSK_LIMIT)!;
    expect(fitted.headers!.map(([name, value]) => [name, Buffer.from(value).toString()])).toEqual([
      [DLQ_HEADER.reason, 'too_large'],
      [DLQ_HEADER.detail, 'value is over 65536 bytes'],
      [DLQ_HEADER.topic, 'activity'],
      [DLQ_HEADER.partition, '3'],
      [DLQ_HEADER.offset, '77'],
      [DLQ_HEADER.timestamp, '1700000000000'],
      [DLQ_HEADER.truncated, 'value,key,headers'],
      [DLQ_HEADER.originalSize, '8'],
    ]);
    expect(fitted.value?.toString()).toBe('not json');
    expect(encodedBatchSize([fitted])).toBeLessThanOrEqual(MSK_LIMIT);
  });

  it("when even the scorer's headers do not fit, sends the reason and the source coordinates alone; below those, nothing fits", () => {
    const letter = { ...letterOf(Buffer.from('x')), detail: 'd'.repeat(400) };
    const bare = fitDeadLetter(letter, 200)!;
    expect(bare.headers!.map(([name]) => name)).toEqual([
      DLQ_HEADER.reason,
      DLQ_HEADER.topic,
      DLQ_HEADER.partition,
      DLQ_HEADER.offset,
      DLQ_HEADER.truncated,
    ]);
    expect(encodedBatchSize([bare])).toBeLessThanOrEqual(200);

    const smallest = smallestDeadLetterBytes(letter);
    expect(fitDeadLetter(letter, smallest)!.headers!.map(([name]) => name)).toEqual([
      DLQ_HEADER.reason,
      DLQ_HEADER.topic,
      DLQ_HEADER.partition,
      DLQ_HEADER.offset,
    ]);
    expect(fitDeadLetter(letter, smallest - 1)).toBeUndefined();
    expect(deadLetterRequests([letter], smallest - 1)).toBeUndefined();
  });

  it('splits 40 dead letters of 60 KiB into requests that each fit, keeping all of them in order', () => {
    const letters = Array.from({ length: 40 }, (_, i) => letterOf(Buffer.alloc(60 * 1024, i)));
    const requests = deadLetterRequests(letters, MSK_LIMIT)!;
    expect(requests.flat().map(asText)).toEqual(letters.map(deadLetterMessage).map(asText));
    expect(requests.length).toBe(3);
    for (const request of requests) {
      expect(encodedBatchSize(request)).toBe(batchBytes(request));
      expect(batchBytes(request)).toBeLessThanOrEqual(MSK_LIMIT);
    }
  });
});
