// Dead letters at the dead-letter topic's size limit, through the scorer's own Lambda edge
// (functions/score.ts, loaded once as one container) on the real broker: a record that would stall
// its partition, a limit lowered while the container lives, and the limit to the byte.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Context, MSKEvent } from 'aws-lambda';
import { decodeActivity } from '../../lib/core/activity.js';
import { DEFAULT_SCORE_WEIGHTS } from '../../lib/core/config.js';
import {
  deadLetterMessage,
  deadLetterOf,
  DLQ_HEADER,
  fitDeadLetter,
  type DeadLetter,
} from '../../lib/core/dead-letter.js';
import { batchBytes } from '../../lib/core/record-size.js';
import type { BatchSummary } from '../../lib/score-batch.js';
import { connectProducer } from '../../lib/adapters/producer.js';
import { alterTopicConfigs, ensureTopicsOn } from '../../local/services/kafka-topics.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/clients.js';
import { readFromBeginning, type ConsumedMessage } from '../../local/fixtures/index.js';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { freshScoresTable, stackEndpoints, testDynamo, testKafka, uniqueName } from '../support/stack.js';
import { eventOf } from '../support/scorer.js';

const MSK_LIMIT = 1_048_588;
type Handler = (event: MSKEvent, context: Context) => Promise<BatchSummary>;
const context = { awsRequestId: 'dead-letter-limits' } as unknown as Context;

const saved = { ...process.env };

/**
 * functions/score.ts as a fresh container: its module loaded anew with this environment, so it
 * reads the topic's limit itself. The environment stays until the file ends: the SDK reads some of
 * it on first use.
 */
async function scorerContainer(dlqTopic: string): Promise<Handler> {
  vi.resetModules();
  Object.assign(process.env, {
    SCORES_TABLE: await freshScoresTable(testDynamo()),
    KAFKA_BROKERS: stackEndpoints().kafkaBrokers,
    DLQ_TOPIC: dlqTopic,
    AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  return ((await import('../../functions/score.js')) as { handler: Handler }).handler;
}

async function deadLetterTopic(configs: Record<string, string> = {}): Promise<string> {
  const topic = uniqueName('dlq-limit');
  await ensureTopicsOn(stackEndpoints().kafkaBrokers, [{ topic, partitions: 1, configs }]);
  return topic;
}

const header = (message: ConsumedMessage, name: string) =>
  message.headers.filter(([n]) => n === name).map(([, v]) => v.toString());

const badRecord = (offset: number, value: string | Buffer, headers: KafkaRecord['headers'] = []): KafkaRecord => ({
  topic: 'activity',
  partition: 2,
  offset,
  timestamp: 1_700_000_000_000,
  key: 'k',
  value,
  headers,
});

let handler: Handler;
let dlqTopic: string;
beforeAll(async () => {
  dlqTopic = await deadLetterTopic();
  handler = await scorerContainer(dlqTopic);
});

describe('a bad record that would stall its partition (issue 18, item 2)', () => {
  it("a redriven record with a 1 MB dlq.* header of its own: its dead letter keeps only the scorer's headers, and the batch passes at once", async () => {
    // The record takes 1,048,510 bytes on its topic, within MSK's limit; its dead letter with every header
    // would take 1,048,760, and even its own dlq.* header alone leaves it over.
    const redriven = badRecord(40, 'not json', [[DLQ_HEADER.detail, Buffer.alloc(1_048_417, 'x')]]);
    const good = { ...badRecord(41, JSON.stringify({ user_id: 'u1', activity: 'profile.view' })), headers: [] };
    const summary = await handler(eventOf([redriven, good]), context);
    expect(summary).toMatchObject({ records: 2, accepted: 1, rejected: 1 });

    const [letter] = await readFromBeginning(testKafka(), dlqTopic, 1);
    expect(header(letter!, DLQ_HEADER.reason)).toEqual(['bad_json']);
    expect([
      header(letter!, DLQ_HEADER.topic),
      header(letter!, DLQ_HEADER.partition),
      header(letter!, DLQ_HEADER.offset),
    ]).toEqual([['activity'], ['2'], ['40']]);
    expect(header(letter!, DLQ_HEADER.truncated)).toEqual(['value,key,headers']);
    // The record's own dlq.detail is gone: the one left is the scorer's.
    expect(header(letter!, DLQ_HEADER.detail)).toEqual([expect.stringMatching(/^value is not JSON/)]);
    expect(letter!.value?.toString()).toBe('not json');
  });
});

describe('the limit to the byte, as the broker measures it', () => {
  /** The dead letter the scorer makes of a record it rejects. */
  function letterOf(record: KafkaRecord): DeadLetter {
    const decoded = decodeActivity(eventOf([record]).records['activity-2']![0]!, DEFAULT_SCORE_WEIGHTS);
    if (decoded.ok) throw new Error('the record was meant to be rejected');
    return deadLetterOf(decoded.rejection);
  }

  /** A rejected record whose dead letter, whole, takes exactly `total` bytes as a record batch. */
  function recordWithLetterOf(offset: number, total: number): KafkaRecord {
    const at = (length: number) => badRecord(offset, Buffer.alloc(length, 'z'));
    const letterBytes = (record: KafkaRecord) => batchBytes([deadLetterMessage(letterOf(record))]);
    for (let length = total - letterBytes(at(0)); length > 0; length--)
      if (letterBytes(at(length)) === total) return at(length);
    throw new Error(`no dead letter of exactly ${total} bytes`);
  }

  it('a dead letter of exactly max.message.bytes goes whole; one byte more is cut to exactly the limit; that byte more is what the broker refuses', async () => {
    const topic = await deadLetterTopic();
    const scorer = await scorerContainer(topic);
    const exact = recordWithLetterOf(10, MSK_LIMIT);
    const over = recordWithLetterOf(11, MSK_LIMIT + 1);
    await scorer(eventOf([exact]), context);
    await scorer(eventOf([over]), context);

    const [whole, cut] = await readFromBeginning(testKafka(), topic, 2);
    expect(header(whole!, DLQ_HEADER.truncated)).toEqual([]);
    expect(whole!.value!.length).toBe((exact.value as Buffer).length);
    // Cut to the last byte that fits: by our count exactly the limit, which the broker took.
    const expected = fitDeadLetter(letterOf(over), MSK_LIMIT)!;
    expect(batchBytes([expected])).toBe(MSK_LIMIT);
    expect(header(cut!, DLQ_HEADER.truncated)).toEqual(['value']);
    expect(cut!.value!.length).toBe(expected.value!.length);

    // And the byte more is real: the same dead letter whole, by our count one byte over, is refused.
    const producer = await connectProducer(testKafka());
    try {
      await expect(producer.send(topic, [deadLetterMessage(letterOf(over))])).rejects.toThrow(
        /larger than the max message size/,
      );
    } finally {
      await producer.close();
    }
  });
});

describe('a limit lowered while the container lives (issue 18, item 3)', () => {
  it('after an operator lowers max.message.bytes to 32,768, the next batch in the same container re-reads it and passes', async () => {
    const topic = await deadLetterTopic();
    const scorer = await scorerContainer(topic);
    // The container reads the topic's limit with its first dead letter.
    await scorer(eventOf([badRecord(1, 'not json')]), context);
    await alterTopicConfigs(stackEndpoints().kafkaBrokers, topic, { 'max.message.bytes': '32768' });

    const large = badRecord(2, `{"user_id": "u", "pad": "${'p'.repeat(60_000)}`);
    // As the mapping would: the same batch again, up to three times, until it passes.
    const outcomes: string[] = [];
    for (let attempt = 1; attempt <= 3 && outcomes.at(-1) !== 'passed'; attempt++) {
      outcomes.push(
        await scorer(eventOf([large]), context).then(
          () => 'passed',
          (err: Error) => err.message,
        ),
      );
    }
    expect(outcomes).toEqual(['passed']);

    const letters = await readFromBeginning(testKafka(), topic, 2);
    expect(header(letters[1]!, DLQ_HEADER.offset)).toEqual(['2']);
    expect(header(letters[1]!, DLQ_HEADER.truncated)).toEqual(['value']);
    expect(letters[1]!.value!.length).toBeGreaterThan(32_000);
    expect(letters[1]!.value!.length).toBeLessThan(32_768);
  });
});

afterAll(() => {
  process.env = saved;
  vi.resetModules();
});
