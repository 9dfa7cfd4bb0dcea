import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/** A producer connected on first use and kept for the life of the container. */
export class LazyProducer {
  private connecting?: Promise<Producer>;
  // Public so the dead-letter side can ask the same cluster about its topic's limit.
  constructor(readonly kafka: Kafka) {}

  get(): Promise<Producer> {
    this.connecting ??= (async () => {
      // Idempotent: a request retried after a lost answer is not written twice.
      const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: true });
      try {
        await producer.connect();
      } catch (err) {
        this.connecting = undefined; // the next call tries again rather than reusing a failed connection
        throw err;
      }
      return producer;
    })();
    return this.connecting;
  }

  async disconnect(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    if (pending) await (await pending.catch(() => undefined))?.disconnect();
  }
}
