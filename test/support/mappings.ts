// Stand-ins for one test file: started on the run's broker with test-friendly defaults, each
// stopped after the test that started it, and an in-process target that keeps what it was given.
import { afterEach } from 'vitest';
import type { MSKEvent, MSKRecord } from 'aws-lambda';
import { connectProducer } from '../../lib/adapters/producer.js';
import type { OutgoingMessage } from '../../lib/core/kafka-message.js';
import {
  startEventSourceMapping,
  type EventSourceMapping,
  type MappingOptions,
} from '../../local/event-source-mapping/mapping.js';
import { testKafka, testKafkaSettings, uniqueName } from './stack.js';

export type StartMapping = (
  options: Partial<MappingOptions> & Pick<MappingOptions, 'topic' | 'invoke'>,
) => Promise<EventSourceMapping>;

export function mappingsStoppedAfterEach(clientId: string, defaults: Partial<MappingOptions>): StartMapping {
  const running: EventSourceMapping[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((m) => m.stop()));
  });
  return async (options) => {
    const mapping = await startEventSourceMapping({
      kafka: testKafkaSettings(clientId),
      groupId: uniqueName('group'),
      ...defaults,
      ...options,
    });
    running.push(mapping);
    return mapping;
  };
}

export async function produce(topic: string, messages: OutgoingMessage[]): Promise<void> {
  const producer = await connectProducer(testKafka());
  try {
    await producer.send(topic, messages);
  } finally {
    await producer.close();
  }
}

export const recordsOf = (event: MSKEvent): MSKRecord[] => Object.values(event.records).flat();
export const valueOf = (r: MSKRecord): string => Buffer.from(r.value, 'base64').toString('utf8');

/** An in-process target that keeps a copy of every event it is given, and fails those `fail` picks. */
export function recorder(
  fail: (event: MSKEvent, call: number) => boolean = () => false,
  failure = 'scorer unavailable',
) {
  const events: MSKEvent[] = [];
  return {
    events,
    records: () => events.flatMap(recordsOf),
    /** Each invocation's record values, in order. */
    values: () => events.map((e) => recordsOf(e).map(valueOf)),
    invoke: async (event: MSKEvent) => {
      events.push(structuredClone(event));
      if (fail(event, events.length)) throw new Error(failure);
      return { ok: true };
    },
  };
}
