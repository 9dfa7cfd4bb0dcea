import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { freshTopic, testKafka, uniqueName } from '../support/stack.js';

// What the local broker must do as MSK does, where librdkafka's mock did not.
describe('the local Kafka broker', () => {
  it('keeps every record: 300,000 produced to one partition all read back from offset 0', async () => {
    const topic = await freshTopic('retention', 1);
    const kafka = testKafka();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const total = 300_000;
    for (let i = 0; i < total; i += 10_000) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 10_000 }, (_, j) => ({ value: String(i + j) })) });
    }
    await producer.disconnect();

    let read = 0;
    let expected = 0;
    let inOrder = true;
    const consumer = kafka.consumer({ groupId: uniqueName('retention-reader'), maxBytes: 8 << 20 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            inOrder &&= Number(m.offset) === expected && m.value?.toString() === String(expected);
            expected++;
            read++;
          }
          if (read >= total) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(read).toBe(total);
    expect(inOrder).toBe(true);
  }, 180_000);

  it('refuses to produce to a topic nobody created', async () => {
    // The client would ask for auto-creation; the broker, like MSK by default, does not do it.
    const producer = testKafka().producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
    await producer.connect();
    try {
      await expect(producer.send({ topic: uniqueName('never-created'), messages: [{ value: 'x' }] })).rejects.toThrow(/does not host this topic-partition/);
    } finally {
      await producer.disconnect();
    }
  });

  it('refuses a record batch over its 1 MiB message.max.bytes', async () => {
    const topic = await freshTopic('too-large', 1);
    const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 0 } });
    await producer.connect();
    try {
      const big = Buffer.alloc(600 * 1024, 1);
      await expect(producer.send({ topic, acks: -1, messages: [{ value: big }, { value: big }] })).rejects.toThrow(/larger than the max message size/);
      await producer.send({ topic, acks: -1, messages: [{ value: big }] });
    } finally {
      await producer.disconnect();
    }
  });
});
