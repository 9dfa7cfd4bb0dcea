import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { toMskEvent } from '../../local/esm/esm-event.js';
import { LOCAL_CLUSTER_ARN } from '../../local/esm/msk-event.js';

describe('the stand-in turns fetched messages into MSK events', () => {
  it('keeps repeated headers, and a header KafkaJS decoded onto an Object.prototype name does not fail the batch', () => {
    // What KafkaJS hands over for headers `trace` twice and `constructor` once.
    const headers = { trace: [Buffer.from('a'), Buffer.from('b')], constructor: [Object, Buffer.from('c')] } as unknown as KafkaMessage['headers'];
    const message = {
      offset: '7',
      timestamp: '1700000000000',
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      headers,
      attributes: 0,
      size: 0,
    } as KafkaMessage;
    const event = toMskEvent('activity', 2, [message], { eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: '127.0.0.1:9092' });
    const [record] = event.records['activity-2']!;
    const expected: Array<Record<string, number[]>> = [
      { trace: [...Buffer.from('a')] },
      { trace: [...Buffer.from('b')] },
      { constructor: [...Buffer.from('c')] },
    ];
    expect(record!.headers).toEqual(expected);
    expect(record!.offset).toBe(7);
  });
});
