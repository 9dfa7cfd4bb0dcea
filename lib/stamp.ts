// Every popular-users message a deployed job publishes says which deployment sent it (header
// "producer", e.g. "popular-users-prod"), so two stages sharing a topic can always be told apart.
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

/** The same producer, adding `stamp` to each message's headers; a header of that name already there is kept, the stamp repeats it. */
function stampMessages(producer: Producer, stamp: Record<string, string>): Producer {
  const send = (record: ProducerRecord) => producer.send({ ...record, messages: record.messages.map((m) => ({ ...m, headers: withStamp(m.headers, stamp) })) });
  return Object.assign(Object.create(producer) as Producer, { send });
}

function withStamp(headers: IHeaders | undefined, stamp: Record<string, string>): IHeaders {
  // Prototype-less, like the headers KafkaJS hands out: a header named "__proto__" stays data.
  const out = Object.assign(Object.create(null) as IHeaders, headers);
  for (const [name, value] of Object.entries(stamp)) {
    const existing = out[name];
    out[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return out;
}

/** A stamping producer for a deployed function, a plain one when no deployment is named (local runs). */
export function deploymentProducer(kafka: Kafka, deployment: string | undefined): LazyProducer {
  return deployment === undefined ? new LazyProducer(kafka) : new StampingProducer(kafka, deployment);
}
