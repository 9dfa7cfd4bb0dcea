import { describe, expect, it } from 'vitest';
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { toMskEvent } from '../../local/event-source-mapping/batch-event.js';
import { LOCAL_CLUSTER_ARN } from '../../local/event-source-mapping/msk-event.js';

describe('the stand-in turns fetched messages into MSK events', () => {
  it('keeps every header in wire order: repeated names, and names such as __proto__ and constructor', () => {
    const message: ConsumedMessage = {
      topic: 'activity',
      partition: 2,
      offset: 7,
      timestamp: 1_700_000_000_000,
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      headers: [
        ['trace', Buffer.from('a')],
        ['__proto__', Buffer.from('p')],
        ['trace', Buffer.from('b')],
        ['constructor', Buffer.from('c')],
      ],
      leaderEpoch: 0,
    };
    const event = toMskEvent('activity', 2, [message], {
      eventSourceArn: LOCAL_CLUSTER_ARN,
      bootstrapServers: '127.0.0.1:9092',
    });
    const [record] = event.records['activity-2']!;
    const expected: Array<Record<string, number[]>> = [
      { trace: [...Buffer.from('a')] },
      { ['__proto__']: [...Buffer.from('p')] },
      { trace: [...Buffer.from('b')] },
      { constructor: [...Buffer.from('c')] },
    ];
    expect(record!.headers).toEqual(expected);
    expect(record!.headers.map((h) => Object.keys(h))).toEqual([['trace'], ['__proto__'], ['trace'], ['constructor']]);
    expect(record).toMatchObject({
      offset: 7,
      timestamp: 1_700_000_000_000,
      timestampType: 'CREATE_TIME',
      key: 'aw==',
      value: 'dg==',
    });
  });
});
