import { describe, expect, it } from 'vitest';
import type { LazyProducer } from '../../lib/adapters/producer.js';
import { MessageTooLargeError, RunPublisher, RunSink } from '../../lib/adapters/popular-publish.js';

describe('publishing a run', () => {
  it('refuses a user whose message alone exceeds the request limit, as no retry can send it', () => {
    const run = { runId: 'r', key: 'popular_1', startedAt: new Date(1000), percentile: 95 };
    const unused = { kafka: {} } as unknown as LazyProducer; // the refusal comes before any send
    const publisher = new RunPublisher(unused, 'popular_users', { batchSize: 10, messageMaxBytes: 1024 });
    const sink = new RunSink(publisher, run, 10, 10, { bytes: 1024, topicBytes: 1_048_588 });
    expect(() => sink.add({ userId: 'u'.repeat(2000), score: 11 })).toThrow(MessageTooLargeError);
    expect(() => sink.add({ userId: 'u'.repeat(2000), score: 11 })).toThrow(
      expect.objectContaining({ retriable: false }),
    );
    expect(sink.add({ userId: 'short', score: 11 })).toBeUndefined();
  });
});
