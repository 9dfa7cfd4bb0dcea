// Publishing a run to Kafka: its users in acknowledged requests that always fit the broker's limit,
// then the run-end marker, which a consumer needs before it may call the run complete.
import type { PopularSink } from '../core/popular-engine.js';
import { popularUserMessage, runEndMessage, type PopularRun, type RunEnd } from '../core/popular-run.js';
import { RECORD_BATCH_OVERHEAD, recordBytes } from '../core/record-size.js';
import type { PopularUser } from '../core/selection.js';
import { AppError } from '../core/errors.js';
import type { OutgoingMessage } from '../core/kafka-message.js';
import type { MessageSender } from './producer.js';

/** A user's message alone exceeds the broker's limit: no retry can publish it. */
export class MessageTooLargeError extends AppError {}

export interface PublishLimits {
  /** Messages per produce request (PUBLISH_BATCH_SIZE). */
  batchSize: number;
  /** The broker's message.max.bytes: the largest record batch it takes. */
  messageMaxBytes: number;
}

/**
 * Gathers a run's user messages into requests of at most `batchSize` messages and the broker's byte
 * limit, sending one at a time (so they land in order) with acks from all in-sync replicas.
 */
export class RunPublisher implements PopularSink {
  private batch: OutgoingMessage[] = [];
  private batchBytes = RECORD_BATCH_OVERHEAD;
  private sending: Promise<void> = Promise.resolve();
  private sentCount = 0;

  constructor(
    private readonly producer: MessageSender,
    private readonly topic: string,
    private readonly run: PopularRun,
    private readonly cutoff: number,
    private readonly limits: PublishLimits,
  ) {}

  add(user: PopularUser): void | Promise<void> {
    const message = popularUserMessage(user, this.run, this.cutoff);
    const bytes = recordBytes(message);
    if (bytes + RECORD_BATCH_OVERHEAD > this.limits.messageMaxBytes) {
      throw new MessageTooLargeError(
        `user ${JSON.stringify(user.userId.slice(0, 64))}: its message takes ${bytes} bytes, more than the broker's ${this.limits.messageMaxBytes} (KAFKA_MESSAGE_MAX_BYTES)`,
      );
    }
    let pending: Promise<void> | undefined;
    if (this.batch.length >= this.limits.batchSize || this.batchBytes + bytes > this.limits.messageMaxBytes) pending = this.flush();
    this.batch.push(message);
    this.batchBytes += bytes;
    return pending;
  }

  /** Sends what is gathered after every earlier request; resolves when all of them are acknowledged. */
  flush(): Promise<void> {
    const messages = this.batch;
    this.batch = [];
    this.batchBytes = RECORD_BATCH_OVERHEAD;
    if (messages.length > 0) {
      this.sending = this.sending.then(async () => {
        await this.producer.send(this.topic, messages);
        this.sentCount += messages.length;
      });
    }
    return this.sending;
  }

  /** Users acknowledged by the broker so far. */
  get sent(): number {
    return this.sentCount;
  }
}

/** The run's last message: after it, a consumer holding `count` users of this run id holds all of them. */
export async function publishRunEnd(producer: MessageSender, topic: string, run: PopularRun, end: Omit<RunEnd, 'runId' | 'percentile'>): Promise<void> {
  await producer.send(topic, [runEndMessage(run, end)]);
}
