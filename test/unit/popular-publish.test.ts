import { describe, expect, it } from 'vitest';
import type { MessageSender } from '../../lib/adapters/producer.js';
import { MessageTooLargeError, RunPublisher } from '../../lib/adapters/popular-publish.js';

describe('publishing a run', () => {
  it('refuses a user whose message alone exceeds the broker limit, as no retry can send it', () => {
    const run = { runId: 'r', key: 'popular_1', startedAt: new Date(1000), percentile: 95 };
    const unused = {} as MessageSender; // the refusal comes before any send
    const publisher = new RunPublisher(unused, 'popular_users', run, 10, { batchSize: 10, messageMaxBytes: 1024 });
    expect(() => publisher.add({ userId: 'u'.repeat(2000), score: 11 })).toThrow(MessageTooLargeError);
    expect(() => publisher.add({ userId: 'u'.repeat(2000), score: 11 })).toThrow(expect.objectContaining({ retriable: false }));
    expect(publisher.add({ userId: 'short', score: 11 })).toBeUndefined();
  });
});
