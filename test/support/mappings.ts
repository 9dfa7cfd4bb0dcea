// Stand-ins for one test file: started on the run's broker with test-friendly defaults, and each
// stopped after the test that started it.
import { afterEach } from 'vitest';
import { connectProducer } from '../../lib/adapters/producer.js';
import type { OutgoingMessage } from '../../lib/core/kafka-message.js';
import { startEventSourceMapping, type EventSourceMapping, type MappingOptions } from '../../local/event-source-mapping/mapping.js';
import { testKafka, testKafkaSettings, uniqueName } from './stack.js';

export type StartMapping = (options: Partial<MappingOptions> & Pick<MappingOptions, 'topic' | 'invoke'>) => Promise<EventSourceMapping>;

export function mappingsStoppedAfterEach(clientId: string, defaults: Partial<MappingOptions>): StartMapping {
  const running: EventSourceMapping[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((m) => m.stop()));
  });
  return async (options) => {
    const mapping = await startEventSourceMapping({ kafka: testKafkaSettings(clientId), groupId: uniqueName('group'), ...defaults, ...options });
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
