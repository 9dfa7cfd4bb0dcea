// Dead letters on the real broker: sized to its limit, every original header kept.
import { describe, expect, it } from 'vitest';
import type { MSKRecord } from 'aws-lambda';
import { DLQ_HEADER } from '../../lib/core/dead-letter.js';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import {
  activityRecords,
  expectedSums,
  readFromBeginning,
  readSums,
  sorted,
  type ConsumedMessage,
} from '../../local/fixtures/index.js';
import { freshTopic, testKafka, stackClients } from '../support/stack.js';
import { eventOf, testScorer } from '../support/scorer.js';

const { dynamo, producer: deadLetters } = stackClients('dead-letters-test');

/** A dead-letter topic of one partition, created as on MSK: nothing is created on first use. */
const deadLetterTopic = () => freshTopic('dlq', 1);

/** The values of every header named `name`, in wire order. */
function headerBytes(message: ConsumedMessage, name: string): string[] {
  return message.headers.filter(([n]) => n === name).map(([, value]) => value.toString());
}

describe('dead letters on the broker', () => {
  it('40 bad records of about 60 KiB, all to one dead-letter partition: every one can be read back', async () => {
    const dlqTopic = await deadLetterTopic();
    const { config, handle } = await testScorer(dynamo, deadLetters, { dlqTopic });
    const good = activityRecords(200, 30, { partitions: 2, seed: 61 });
    // Broken JSON just under the 64 KiB value limit: rejected as bad_json, forwarded whole.
    const bad: KafkaRecord[] = Array.from({ length: 40 }, (_, i) => ({
      topic: 'activity',
      partition: 1,
      offset: 50_000 + i,
      timestamp: 1,
      key: `bad-${i}`,
      value: `{"user_id": ${i}, "pad": "${String(i % 10).repeat(60 * 1024)}`,
    }));
    const summary = await handle(eventOf([...good, ...bad]));
    expect(summary).toMatchObject({ rejected: 40, accepted: good.length });
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expectedSums(good)));

    const letters = await readFromBeginning(testKafka(), dlqTopic, 40);
    expect(new Set(letters.map((m) => m.partition))).toEqual(new Set([0]));
    const byOffset = new Map(letters.map((m) => [headerBytes(m, DLQ_HEADER.offset)[0], m]));
    for (const record of bad) {
      const letter = byOffset.get(String(record.offset));
      expect(letter, `dead letter of offset ${record.offset}`).toBeDefined();
      expect(headerBytes(letter!, DLQ_HEADER.reason)).toEqual(['bad_json']);
      expect(letter!.value?.toString()).toBe(record.value);
      expect(headerBytes(letter!, DLQ_HEADER.truncated)).toEqual([]);
    }
  });

  it('forwards a record too large for one request truncated, saying so and giving its original size', async () => {
    const dlqTopic = await deadLetterTopic();
    const { handle } = await testScorer(dynamo, deadLetters, { dlqTopic });
    const huge = Buffer.alloc(1_500_000, 'z');
    await handle(eventOf([{ topic: 'activity', partition: 0, offset: 9, timestamp: 1, key: 'huge', value: huge }]));

    const [letter] = await readFromBeginning(testKafka(), dlqTopic, 1);
    expect(headerBytes(letter!, DLQ_HEADER.reason)).toEqual(['too_large']);
    expect(headerBytes(letter!, DLQ_HEADER.truncated)).toEqual(['value']);
    expect(headerBytes(letter!, DLQ_HEADER.originalSize)).toEqual(['1500000']);
    expect(letter!.key?.toString()).toBe('huge');
    expect(letter!.value!.length).toBeGreaterThan(1_000_000);
    expect(Buffer.compare(letter!.value!, huge.subarray(0, letter!.value!.length))).toBe(0);
  });

  it('keeps every original header on the wire: repeated names, __proto__ and constructor', async () => {
    const dlqTopic = await deadLetterTopic();
    const { handle } = await testScorer(dynamo, deadLetters, { dlqTopic });
    const event = eventOf([{ topic: 'activity', partition: 0, offset: 3, timestamp: 1, key: 'h', value: 'not json' }]);
    const bytes = (text: string) => [...Buffer.from(text)];
    const headers: MSKRecord['headers'] = [
      { trace: bytes('a') },
      { ['__proto__']: bytes('p') },
      { trace: bytes('b') },
      { constructor: bytes('c') },
    ];
    event.records['activity-0']![0]!.headers = headers;
    await handle(event);

    const [letter] = await readFromBeginning(testKafka(), dlqTopic, 1);
    // Every original header first, in the order it came, then the dead letter's own.
    expect(letter!.headers.slice(0, 5).map(([name, value]) => [name, value.toString()])).toEqual([
      ['trace', 'a'],
      ['__proto__', 'p'],
      ['trace', 'b'],
      ['constructor', 'c'],
      [DLQ_HEADER.reason, 'bad_json'],
    ]);
  });
});
