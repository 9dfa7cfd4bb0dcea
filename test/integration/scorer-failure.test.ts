// When the dead-letter send fails, the invocation fails only after every DynamoDB write has settled.
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Producer, Admin, ProducerOptions } from '@platformatic/kafka';
import { KafkaClients } from '../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { testDynamo } from '../support/stack.js';
import { activityRecords, expectedSums, readSums, sorted } from '../../local/fixtures/index.js';
import { eventOf, testScorer } from '../support/scorer.js';

const dynamo = testDynamo();
afterAll(() => dynamo.destroy());

/** A port nothing listens on: a real Kafka client connecting there is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The real clients; `onRefused` runs when any producer or admin they make fails to connect to a broker. */
class ObservedKafka extends KafkaClients {
  constructor(
    brokers: string[],
    private readonly onRefused: () => void,
  ) {
    super({ brokers, clientId: 'unreachable', ssl: false, sasl: 'none' });
  }

  override async producer(overrides: Partial<ProducerOptions<Buffer, Buffer, Buffer, Buffer>> = {}): Promise<Producer> {
    return (await super.producer({ retries: 1, ...overrides })).on('client:broker:failed', this.onRefused);
  }

  override async admin(): Promise<Admin> {
    return (await super.admin()).on('client:broker:failed', this.onRefused);
  }
}

/** The real DynamoDB client, its UpdateItems held until `gate` opens, with a count of those in flight. */
function gatedWrites(client: DynamoDBClient, gate: Promise<void>) {
  const state = { inFlight: 0 };
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const gated = new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown) => {
        if (!(command instanceof UpdateItemCommand)) return send(command);
        state.inFlight++;
        try {
          await gate;
          return await send(command);
        } finally {
          state.inFlight--;
        }
      };
    },
  });
  return { gated, state };
}

describe('failure path', () => {
  it('a failed dead-letter send leaves no DynamoDB write in flight once the invocation has failed', async () => {
    let refused!: () => void;
    const deadLetterFailed = new Promise<void>((resolve) => (refused = resolve));
    const deadLetters = new LazyProducer(new ObservedKafka([`127.0.0.1:${await closedPort()}`], refused));
    // Every write waits until the dead-letter send has failed: without the fix the invocation fails while they run.
    const { gated, state } = gatedWrites(dynamo, deadLetterFailed);
    const { config, handle } = await testScorer(dynamo, deadLetters, { writeConcurrency: 8 }, gated);
    const good = activityRecords(400, 60, { seed: 51 });
    const bad = { topic: 'activity', partition: 0, offset: 9_999, timestamp: 1, key: 'k', value: '{"user_id": 1,' };

    let inFlightAtFailure = -1;
    await expect(
      handle(eventOf([...good, bad])).catch((err: unknown) => {
        inFlightAtFailure = state.inFlight;
        throw err;
      }),
    ).rejects.toThrow(/dead-letter topic|ECONNREFUSED|Connection/i);
    expect(inFlightAtFailure).toBe(0);
    // And nothing lands afterwards: every good record's write had completed.
    expect(sorted(await readSums(dynamo, config.scoresTable))).toEqual(sorted(expectedSums(good)));
    await deadLetters.disconnect();
  });
});
