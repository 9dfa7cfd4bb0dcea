// The producer adapter's wiring: a refused sign-in, at connect or at a send, comes out named.
import { MultipleErrors, NetworkError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { KafkaAuthenticationError } from '../../lib/adapters/kafka-authentication.js';
import { KafkaSendError, LazyProducer } from '../../lib/adapters/producer.js';
import { refusal, ScriptedKafka } from '../support/scripted-kafka.js';

describe('LazyProducer', () => {
  it('fails to connect with a KafkaAuthenticationError when the broker refuses, closes that producer, and tries afresh next time', async () => {
    const kafka = new ScriptedKafka({ init: () => Promise.reject(refusal()) });
    const producer = new LazyProducer(kafka);
    await expect(producer.get()).rejects.toBeInstanceOf(KafkaAuthenticationError);
    await expect(producer.get()).rejects.toMatchObject({ name: 'KafkaAuthenticationError', retriable: false });
    expect(kafka.closed).toBe(2);
  });

  it('names a refusal during a send the same way, and any other failed send a retriable KafkaSendError', async () => {
    const refusing = await new LazyProducer(new ScriptedKafka({ send: () => Promise.reject(refusal()) })).get();
    await expect(refusing.send('dlq', [{ value: 'x' }])).rejects.toBeInstanceOf(KafkaAuthenticationError);

    const down = new MultipleErrors('Producing messages failed.', [new NetworkError('Connection to b-1:9098 failed.')]);
    const failing = await new LazyProducer(new ScriptedKafka({ send: () => Promise.reject(down) })).get();
    const sent = failing.send('dlq', [{ value: 'x' }, { value: 'y' }]);
    await expect(sent).rejects.toBeInstanceOf(KafkaSendError);
    await expect(sent).rejects.toMatchObject({
      retriable: true,
      cause: down,
      message: 'sending 2 message(s) to dlq failed: Producing messages failed: Connection to b-1:9098 failed',
    });
  });
});

describe('sends through one producer', () => {
  it('go one at a time in the order asked, the next after the last has settled, failed or not', async () => {
    const events: string[] = [];
    const pending: Array<() => void> = [];
    let calls = 0;
    const kafka = new ScriptedKafka({
      send: () => {
        const call = ++calls;
        events.push(`start ${call}`);
        return new Promise((resolve, reject) =>
          pending.push(() => {
            events.push(`end ${call}`);
            if (call === 1) reject(new Error('leader moved'));
            else resolve({});
          }),
        );
      },
    });
    const producer = await new LazyProducer(kafka).get();
    const sends = [1, 2, 3].map((n) =>
      producer.send('activity', [{ value: String(n) }]).then(
        () => 'ok',
        () => 'failed',
      ),
    );
    // Let every send get as far as it may: only the first may have reached the client.
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 5));
      pending.shift()?.();
    }
    expect(await Promise.all(sends)).toEqual(['failed', 'ok', 'ok']);
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });
});
