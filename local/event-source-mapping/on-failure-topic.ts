// The on-failure destination of AWS's Kafka mappings: a topic on the same cluster that receives the
// records of a batch given up on, as they were (key, value, headers), with why and where they came from.
import type { KafkaClients } from '../../lib/adapters/kafka-client.js';
import { resent, type ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { LazyProducer } from '../../lib/adapters/producer.js';
import { errorMessage } from '../../lib/core/errors.js';
import { retry, wait, type Backoff } from '../../lib/core/retry.js';
import type { MessageHeaders, OutgoingMessage } from '../../lib/core/kafka-message.js';
import type { GiveUpReason } from './failure-policy.js';

export const FAILURE_HEADER = {
  reason: 'esm.failure.reason',
  error: 'esm.failure.error',
  attempts: 'esm.failure.attempts',
  topic: 'esm.source.topic',
  partition: 'esm.source.partition',
  offset: 'esm.source.offset',
} as const;

/** Why a batch was given up on, after how many attempts, and the last error if an invocation failed. */
export interface GiveUp {
  reason: GiveUpReason;
  attempts: number;
  error?: string | undefined;
}

/** Records per produce request: a batch of up to 10,000 goes out in several. */
const RECORDS_PER_SEND = 500;

/** The batch's records as they were (key, value, headers), with why and where they came from. */
export function failedBatchMessages(
  topic: string,
  partition: number,
  messages: ConsumedMessage[],
  failure: GiveUp,
): OutgoingMessage[] {
  return messages.map((m) => {
    const headers: MessageHeaders = [[FAILURE_HEADER.reason, failure.reason]];
    if (failure.error !== undefined) headers.push([FAILURE_HEADER.error, failure.error.slice(0, 1000)]);
    headers.push(
      [FAILURE_HEADER.attempts, String(failure.attempts)],
      [FAILURE_HEADER.topic, topic],
      [FAILURE_HEADER.partition, String(partition)],
      [FAILURE_HEADER.offset, String(m.offset)],
    );
    return resent(m, headers);
  });
}

export interface OnFailureTopicOptions {
  backoff: Backoff;
  onError: (what: string) => void;
}

export class OnFailureTopic {
  private readonly producer: LazyProducer;

  constructor(
    kafka: KafkaClients,
    readonly topic: string,
    private readonly options: OnFailureTopicOptions,
  ) {
    this.producer = new LazyProducer(kafka);
  }

  /**
   * Sends a given-up batch, retried until the topic acknowledged every record (by all in-sync
   * replicas), so none is lost when the offset then moves past the batch; false when abandoned
   * first, or when the send failed in a way no retry fixes (the broker refused our credentials):
   * the batch then stays uncommitted and comes round again after the longest wait, as a crashed
   * consumer restarts.
   */
  async send(
    topic: string,
    partition: number,
    messages: ConsumedMessage[],
    failure: GiveUp,
    abandoned: AbortSignal,
  ): Promise<boolean> {
    const failed = failedBatchMessages(topic, partition, messages, failure);
    const what = `sending a failed batch of ${topic}-${partition} to ${this.topic} failed`;
    try {
      await retry(
        async () => {
          const producer = await this.producer.get();
          for (let i = 0; i < failed.length; i += RECORDS_PER_SEND)
            await producer.send(this.topic, failed.slice(i, i + RECORDS_PER_SEND));
        },
        {
          attempts: Infinity,
          backoff: this.options.backoff,
          signal: abandoned,
          onRetry: (err) => this.options.onError(`${what}: ${errorMessage(err)}`),
        },
      );
      return true;
    } catch (err) {
      if (abandoned.aborted) return false;
      this.options.onError(`${what}, and no retry can fix it: ${errorMessage(err)}`);
      await wait(this.options.backoff.maxMs, abandoned);
      return false;
    }
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
