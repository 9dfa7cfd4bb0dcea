// The one producer of a container: made on first use, kept for the container's life, and sending
// our messages in requests acknowledged by all in-sync replicas.
import type { Producer } from '@platformatic/kafka';
import { AppError } from '../core/errors.js';
import type { OutgoingMessage } from '../core/kafka-message.js';
import { namedKafkaFailure } from './kafka-authentication.js';
import { kafkaFailureMessage, type KafkaClients } from './kafka-client.js';
import { toClientMessage } from './kafka-messages.js';

/**
 * Sends messages to a topic in one produce request, resolving once all in-sync replicas hold them.
 * Sends through one sender go one at a time, in the order they were asked for.
 */
export interface MessageSender {
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
}

/** Kafka did not take a request after the client's short retries; the caller's retry may succeed. */
export class KafkaSendError extends AppError {}

/** A connected producer; its user closes it. */
export interface ConnectedProducer extends MessageSender {
  close(): Promise<void>;
}

class ProducerSender implements ConnectedProducer {
  /** The send in flight: the next one waits for it, failed or not. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly producer: Producer,
    private readonly kafka: KafkaClients,
  ) {}

  close(): Promise<void> {
    return this.producer.close();
  }

  send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    // One at a time. The idempotent producer has one request in flight per broker anyway; but a send
    // that overtakes one the client is retrying (a partition's leader moved) breaks the sequence
    // order, and the client then starts a new producer id and sends the whole request again,
    // writing twice what the first attempt had written (seen: 3,369 records for 3,000).
    const sent = this.last.then(() => this.sendNow(topic, messages));
    this.last = sent.catch(() => undefined);
    return sent;
  }

  private async sendNow(topic: string, messages: OutgoingMessage[]): Promise<void> {
    try {
      // Idempotent, so acks are -1: every in-sync replica holds the records when this resolves.
      await this.producer.send({ messages: messages.map((m) => toClientMessage(topic, m)) });
    } catch (err) {
      throw failure(err, this.kafka, `sending ${messages.length} message(s) to ${topic} failed`);
    }
  }
}

function failure(err: unknown, kafka: KafkaClients, what: string): unknown {
  const named = namedKafkaFailure(err, kafka.settings);
  if (named !== err) return named;
  return new KafkaSendError(`${what}: ${kafkaFailureMessage(err)}`, { cause: err, retriable: true });
}

/**
 * An idempotent producer, connected, signed in and holding its producer id: an unreachable or refusing broker fails
 * here.
 */
export async function connectProducer(kafka: KafkaClients): Promise<ConnectedProducer> {
  const producer = await kafka.producer();
  try {
    await producer.initIdempotentProducer({});
  } catch (err) {
    await producer.close().catch(() => undefined);
    throw failure(err, kafka, `connecting a producer to ${kafka.settings.brokers.join(',')} failed`);
  }
  return new ProducerSender(producer, kafka);
}

/** A producer connected on first use and kept for the life of the container. */
export class LazyProducer {
  private connecting?: Promise<ConnectedProducer>;
  // Public so the dead-letter side can ask the same cluster about its topic's limit.
  constructor(readonly kafka: KafkaClients) {}

  get(): Promise<MessageSender> {
    this.connecting ??= connectProducer(this.kafka).catch((err: unknown) => {
      this.connecting = undefined; // the next call tries again rather than reusing a failed connection
      throw err;
    });
    return this.connecting;
  }

  async disconnect(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    if (pending) await (await pending.catch(() => undefined))?.close();
  }
}
