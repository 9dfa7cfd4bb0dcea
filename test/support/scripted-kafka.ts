// Kafka clients whose producer does what a test scripts, for the adapters' wiring without a broker.
import { AuthenticationError, MultipleErrors, NetworkError, type Producer } from '@platformatic/kafka';
import { KafkaClients } from '../../lib/adapters/kafka-client.js';

/** What the client throws when the broker refuses the producer's sign-in. */
export const refusal = () =>
  new MultipleErrors('initProducerId failed 1 times.', [
    new NetworkError('Connection to b-1:9098 failed.', {
      cause: new AuthenticationError('SASL authentication failed.'),
    }),
  ]);

/** Clients whose producer fails as told, and which count the producers closed. */
export class ScriptedKafka extends KafkaClients {
  closed = 0;
  constructor(private readonly behaviour: { init?: () => Promise<unknown>; send?: () => Promise<unknown> }) {
    super({ brokers: ['b-1:9098'], clientId: 'scorer', ssl: true, sasl: 'aws-iam', region: 'eu-west-1' });
  }
  override async producer(): Promise<Producer> {
    const scripted = {
      initIdempotentProducer: this.behaviour.init ?? (async () => ({})),
      send: this.behaviour.send ?? (async () => ({})),
      close: async () => {
        this.closed++;
      },
    };
    return scripted as unknown as Producer;
  }
}
