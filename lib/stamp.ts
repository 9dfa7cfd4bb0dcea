// Every message a deployed function publishes says which deployment sent it (header "producer",
// e.g. "popular-users-prod"), so two stages sharing a cluster can always be told apart.
import type { IHeaders, Kafka, Producer, ProducerRecord } from 'kafkajs';
import { LazyProducer } from './publish.js';

export const PRODUCER_HEADER = 'producer';

export class StampingProducer extends LazyProducer {
  private stamped?: { from: Producer; to: Producer };

  constructor(kafka: Kafka, private readonly deployment: string) {
    super(kafka);
  }

  override async get(): Promise<Producer> {
    const producer = await super.get();
    if (this.stamped?.from !== producer) this.stamped = { from: producer, to: stampMessages(producer, { [PRODUCER_HEADER]: this.deployment }) };
    return this.stamped.to;
  }
}

/** The same producer, adding `stamp` to each message's headers (a message's own header of that name wins). */
function stampMessages(producer: Producer, stamp: IHeaders): Producer {
  const send = (record: ProducerRecord) =>
    producer.send({ ...record, messages: record.messages.map((m) => ({ ...m, headers: { ...stamp, ...m.headers } })) });
  return Object.assign(Object.create(producer) as Producer, { send });
}

/** A stamping producer for a deployed function, a plain one when no deployment is named (local runs). */
export function deploymentProducer(kafka: Kafka, deployment: string | undefined): LazyProducer {
  return deployment === undefined ? new LazyProducer(kafka) : new StampingProducer(kafka, deployment);
}
