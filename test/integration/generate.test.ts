import { describe, expect, it } from 'vitest';
import {
  connectActivityProducer,
  produceDataSet,
  startActivityStream,
  type ProduceProgress,
} from '../../local/generators/generate.js';
import { defaultPopulation, seededRandom, staticDataSet } from '../../local/fixtures/index.js';
import { freshTopic, readTopic, testKafka } from '../support/stack.js';

describe('activity generators on the broker', () => {
  it('produces the static data set keyed by user id, every record acknowledged and readable', async () => {
    const topic = await freshTopic('gen-static', 4);
    const population = defaultPopulation({ users: 50, start: 1000 });
    const producer = await connectActivityProducer(testKafka());
    const progress: ProduceProgress[] = [];
    const result = await produceDataSet(producer, topic, {
      rows: 3000,
      population,
      random: seededRandom(3),
      chunkSize: 500,
      onProgress: (p) => progress.push(p),
    });
    await producer.close();

    expect(result.sent).toBe(3000);
    expect(progress.map((p) => p.sent).sort((a, b) => a - b)).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
    const messages = await readTopic(topic, 3000);
    expect(messages).toHaveLength(3000);
    const partitionOf = new Map<string, number>();
    for (const m of messages) {
      const body = JSON.parse(m.value!.toString()) as { user_id: number; activity: string };
      expect(m.key).toBe(String(body.user_id));
      // Keyed records: one user's events always land in one partition, so their order holds.
      expect(partitionOf.get(m.key!) ?? m.partition).toBe(m.partition);
      partitionOf.set(m.key!, m.partition);
    }
    const expected = [...staticDataSet(3000, population, seededRandom(3))]
      .map((r) => `${r.userId}:${r.activity}`)
      .sort();
    const seen = messages
      .map((m) => JSON.parse(m.value!.toString()) as { user_id: number; activity: string })
      .map((b) => `${b.user_id}:${b.activity}`)
      .sort();
    expect(seen).toEqual(expected);
    expect(new Set(messages.map((m) => m.partition)).size).toBeGreaterThan(1);
  });

  it('with days, the same rows stamped over the last days in order, each CreateTime set by the producer', async () => {
    const topic = await freshTopic('gen-days', 2);
    const population = defaultPopulation({ users: 50, start: 1000 });
    const producer = await connectActivityProducer(testKafka());
    const until = Date.now();
    await produceDataSet(producer, topic, {
      rows: 1000,
      population,
      random: seededRandom(4),
      chunkSize: 100,
      overDays: { days: 30, until },
    });
    await producer.close();
    const messages = (await readTopic(topic, 1000)).sort((a, b) => a.timestamp - b.timestamp);
    // The seed's rows, untouched by the times.
    const rowsOf = (list: Array<{ user_id: number; activity: string }>) =>
      list.map((b) => `${b.user_id}:${b.activity}`).sort();
    expect(
      rowsOf(messages.map((m) => JSON.parse(m.value!.toString()) as { user_id: number; activity: string })),
    ).toEqual(
      rowsOf(
        [...staticDataSet(1000, population, seededRandom(4))].map((r) => ({ user_id: r.userId, activity: r.activity })),
      ),
    );
    expect(messages[0]!.timestamp).toBe(until - 30 * 86_400_000);
    expect(messages.at(-1)!.timestamp).toBe(until);
    // Evenly spread: about a thirtieth of the events on each day.
    const perDay = new Array<number>(30).fill(0);
    for (const m of messages)
      perDay[Math.min(29, Math.floor((m.timestamp - (until - 30 * 86_400_000)) / 86_400_000))]!++;
    for (const n of perDay) expect(n).toBeGreaterThanOrEqual(33);
  });

  it('streams continuously and every event it counted as sent is on the topic', async () => {
    const topic = await freshTopic('gen-stream', 4);
    const producer = await connectActivityProducer(testKafka());
    const stream = startActivityStream(producer, topic, {
      rate: 2000,
      population: defaultPopulation({ users: 20 }),
      tickMs: 20,
    });
    while (stream.sent() < 300) await new Promise((r) => setTimeout(r, 20));
    const { sent } = await stream.stop();
    await producer.close();

    const messages = await readTopic(topic, sent);
    expect(messages).toHaveLength(sent);
    for (const m of messages)
      expect(JSON.parse(m.value!.toString())).toMatchObject({ user_id: Number(m.key), activity: expect.any(String) });
  });
});
