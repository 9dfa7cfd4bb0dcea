import { describe, expect, it } from 'vitest';
import { kafkaFailureMessage } from '../../lib/adapters/kafka-client.js';
import { connectProducer } from '../../lib/adapters/producer.js';
import { readFromBeginning } from '../../local/fixtures/index.js';
import { freshTopic, testKafka, uniqueName } from '../support/stack.js';

// What the local broker must do as MSK does, where librdkafka's mock did not.
describe('the local Kafka broker', () => {
  it('keeps every record: 300,000 produced to one partition all read back from offset 0', async () => {
    const topic = await freshTopic('retention', 1);
    const kafka = testKafka();
    const producer = await connectProducer(kafka);
    const total = 300_000;
    for (let i = 0; i < total; i += 10_000) {
      await producer.send(
        topic,
        Array.from({ length: 10_000 }, (_, j) => ({ value: String(i + j) })),
      );
    }
    await producer.close();

    const read = await readFromBeginning(kafka, topic, total, { timeoutMs: 120_000 });
    expect(read).toHaveLength(total);
    expect(read.every((m, i) => m.offset === i && m.value?.toString() === String(i))).toBe(true);
  }, 180_000);

  it('refuses to produce to a topic nobody created', async () => {
    // The client asks for auto-creation; the broker, like MSK by default, does not do it. (Not
    // idempotent: the client would raise so few retries to unlimited ones.)
    const producer = await testKafka().producer({ idempotent: false, autocreateTopics: true, retries: 1 });
    const admin = await testKafka().admin();
    const topic = uniqueName('never-created');
    try {
      const sent = producer.send({ messages: [{ topic, value: Buffer.from('x') }] });
      // The client words the broker's UNKNOWN_TOPIC_OR_PARTITION answer to its metadata request this way.
      await expect(sent.catch((err: unknown) => Promise.reject(new Error(kafkaFailureMessage(err))))).rejects.toThrow(
        `Unknown topic ${topic}`,
      );
      expect(await admin.listTopics()).not.toContain(topic);
    } finally {
      await Promise.all([producer.close(), admin.close()]);
    }
  });

  it('refuses a record batch over its 1 MiB message.max.bytes', async () => {
    const topic = await freshTopic('too-large', 1);
    const producer = await connectProducer(testKafka());
    try {
      const big = Buffer.alloc(600 * 1024, 1);
      await expect(producer.send(topic, [{ value: big }, { value: big }])).rejects.toThrow(
        /larger than the max message size/,
      );
      await producer.send(topic, [{ value: big }]);
    } finally {
      await producer.close();
    }
  });
});
