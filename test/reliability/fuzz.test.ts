import { afterAll, describe, expect, it } from 'vitest';
import { connectProducer } from '../../lib/adapters/producer.js';
import type { OutgoingMessage } from '../../lib/core/kafka-message.js';
import { DLQ_HEADER } from '../../lib/core/dead-letter.js';
import type { ScorerConfig } from '../../lib/core/config.js';
import { freshScoresTable, freshTopic, readTopic, testDynamo, testKafka, testKafkaSettings } from '../support/stack.js';
import { scoreTopicThroughStandIn } from '../support/scorer.js';
import { readSums } from '../../local/fixtures/index.js';
import { FUZZ_WEIGHTS, fuzzRecords, referenceVerdict } from '../support/fuzz.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20240605);
const RECORDS = 1_500;
const PARTITIONS = 4;
const dynamo = testDynamo();
// By code unit: localeCompare calls "é" and "e\u0301" equal, which are two users here.
const byId = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
afterAll(() => dynamo.destroy());

describe(`reliability: fuzzed records (seed ${SEED}; replay with FUZZ_SEED=${SEED})`, () => {
  it('never crashes: every record is counted once or dead-lettered with the reason the documented rules give', async () => {
    const topic = await freshTopic('fuzz', 4);
    const fuzz = fuzzRecords(RECORDS, SEED, PARTITIONS);
    const producer = await connectProducer(testKafka());
    // In order, in requests under the broker's 1 MiB limit (some fuzzed values alone are 64 KiB and more).
    for (const chunk of chunksUnder(
      900 * 1024,
      fuzz.map((f) => f.message),
    ))
      await producer.send(topic, chunk);
    await producer.close();

    // Where each record landed: offsets count up per partition in the order sent.
    const next = new Array<number>(PARTITIONS).fill(0);
    const byPosition = new Map(fuzz.map((f) => [`${f.message.partition}:${next[f.message.partition]!++}`, f]));
    const expectedSums = new Map<string, number>();
    const expectedRejects = new Map<string, string>();
    for (const [position, f] of byPosition) {
      const verdict = referenceVerdict(f.message.value as Buffer | null);
      if (verdict.counted) expectedSums.set(verdict.userId, (expectedSums.get(verdict.userId) ?? 0) + verdict.score);
      else expectedRejects.set(position, verdict.reason);
    }

    const config: ScorerConfig = {
      scoresTable: await freshScoresTable(dynamo, 'fuzz'),
      weights: FUZZ_WEIGHTS,
      dlqTopic: await freshTopic('fuzz-dlq'),
      writeConcurrency: 16,
      kafka: testKafkaSettings('fuzz'),
    };
    const summaries = await scoreTopicThroughStandIn(config, dynamo, {
      topic,
      groupPrefix: 'fuzz-group',
      batchSize: 100,
    });

    const accepted = summaries.reduce((n, s) => n + s.accepted, 0);
    const dead = await readTopic(config.dlqTopic, expectedRejects.size);
    const deadReasons = new Map(
      dead.map((m) => [
        `${m.headers[DLQ_HEADER.partition]}:${m.headers[DLQ_HEADER.offset]}`,
        m.headers[DLQ_HEADER.reason],
      ]),
    );
    expect(accepted + deadReasons.size).toBe(RECORDS);
    expect(new Map([...deadReasons].sort())).toEqual(new Map([...expectedRejects].sort()));
    // A dead letter carries the original bytes (compared as bytes: deep equality on 100 KB values is slow).
    const altered = dead.filter((m) => {
      const original = byPosition.get(`${m.headers[DLQ_HEADER.partition]}:${m.headers[DLQ_HEADER.offset]}`)!;
      return !(m.value ?? Buffer.alloc(0)).equals((original.message.value as Buffer | null) ?? Buffer.alloc(0));
    });
    expect(altered.map((m) => `${m.headers[DLQ_HEADER.partition]}:${m.headers[DLQ_HEADER.offset]}`)).toEqual([]);
    expect(byId(await readSums(dynamo, config.scoresTable))).toEqual(byId(expectedSums));
  });
});

function* chunksUnder(maxBytes: number, messages: OutgoingMessage[]): Generator<OutgoingMessage[]> {
  let chunk: OutgoingMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.value ?? '') + Buffer.byteLength(m.key ?? '') + 64;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
