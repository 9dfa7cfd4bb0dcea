// Publishing runs to a topic: a run's users in acknowledged requests that always fit the topic's
// limit, then the run-end marker, which a consumer needs before it may call the run complete.
import type { PopularSink } from '../core/popular-engine.js';
import { popularUserMessage, runEndMessage, runHeaders, type PopularRun, type RunEnd } from '../core/popular-run.js';
import type { PopularUser } from '../core/popular-user.js';
import { fitsLimit, recordBytes, requestsWithin, RECORD_BATCH_OVERHEAD } from '../core/record-size.js';
import { AppError } from '../core/errors.js';
import type { MessageHeaders, OutgoingMessage } from '../core/kafka-message.js';
import type { LazyProducer, MessageSender } from './producer.js';
import { refusedAsTooLarge, TopicMessageLimit } from './topic-limit.js';

/** A user's message alone exceeds the broker's limit: no retry can publish it. */
export class MessageTooLargeError extends AppError {}

export interface PublishSettings {
  /** Messages per produce request (PUBLISH_BATCH_SIZE). */
  batchSize: number;
  /** KAFKA_MESSAGE_MAX_BYTES: requests stay within it, or within the topic's own limit when that is lower. */
  messageMaxBytes: number;
}

/** The limit a run's requests were sized to, and where it came from. */
export interface RequestLimit {
  bytes: number;
  /** The topic's max.message.bytes as the broker reported it. */
  topicBytes: number;
}

/**
 * Publishes runs to one topic: one per container, so the topic's max.message.bytes is read from
 * the broker once (and again when the broker refuses a request as too large). Generic over the
 * topic and the runs' keys: it sends whatever runs it is given.
 */
export class RunPublisher {
  private readonly topicLimit: TopicMessageLimit;
  private refusals = 0;

  constructor(
    private readonly producer: LazyProducer,
    readonly topic: string,
    private readonly settings: PublishSettings,
  ) {
    this.topicLimit = new TopicMessageLimit(producer.kafka, topic, 'runs topic');
  }

  /** The limit requests are sized to now: the topic's, or KAFKA_MESSAGE_MAX_BYTES when that is lower. */
  async requestLimit(): Promise<RequestLimit> {
    const topicBytes = await this.topicLimit.current();
    return { bytes: Math.min(topicBytes, this.settings.messageMaxBytes), topicBytes };
  }

  /** Connects and reads the limit; a run calls it early, so both happen while it scans. */
  async ready(): Promise<RequestLimit> {
    const [limit] = await Promise.all([this.requestLimit(), this.producer.get()]);
    return limit;
  }

  /** The sink a run's users go to, once its cutoff is known (every user message carries it). */
  async open(run: PopularRun, cutoff: number): Promise<RunSink> {
    return new RunSink(this, run, cutoff, this.settings.batchSize, await this.ready());
  }

  /** The run's last message: after it, a consumer holding `count` users of this run id holds all of them. */
  async end(run: PopularRun, end: Omit<RunEnd, 'runId' | 'percentile'>): Promise<void> {
    await this.send([runEndMessage(run, end)], await this.ready());
  }

  /**
   * Sends messages in requests within `limit`, one after the other, each acknowledged by all
   * in-sync replicas. When the broker refuses one as too large (the topic's limit was lowered), the
   * limit is read again once and what is not yet sent goes in requests sized to it. Resolves with
   * the limit it ended with.
   */
  async send(messages: readonly OutgoingMessage[], limit: RequestLimit): Promise<RequestLimit> {
    const sender: MessageSender = await this.producer.get();
    let requests = requestsWithin(messages, limit.bytes, this.settings.batchSize);
    let sent = 0;
    let refreshed = false;
    for (let i = 0; i < requests.length;) {
      try {
        await sender.send(this.topic, requests[i]!);
      } catch (err) {
        if (refreshed || !refusedAsTooLarge(err)) throw err;
        refreshed = true;
        this.refusals++;
        const topicBytes = await this.topicLimit.refresh(limit.topicBytes);
        limit = { bytes: Math.min(topicBytes, this.settings.messageMaxBytes), topicBytes };
        requests = requestsWithin(messages.slice(sent), limit.bytes, this.settings.batchSize);
        i = 0;
        continue;
      }
      sent += requests[i]!.length;
      i++;
    }
    return limit;
  }

  /**
   * Requests the broker has refused as too large since this publisher was made; each was sent again within the limit
   * read anew.
   */
  get refusedRequests(): number {
    return this.refusals;
  }
}

/**
 * Gathers one run's user messages into requests of at most `batchSize` messages and `limit` bytes,
 * sending one at a time (so they land in order).
 */
export class RunSink implements PopularSink {
  private batch: OutgoingMessage[] = [];
  private batchBytes = RECORD_BATCH_OVERHEAD;
  private sending: Promise<void> = Promise.resolve();
  private sentCount = 0;
  /** The same for every user of the run: built once, not once per message. */
  private readonly headers: MessageHeaders;

  constructor(
    private readonly publisher: RunPublisher,
    private readonly run: PopularRun,
    private readonly cutoff: number,
    private readonly batchSize: number,
    /** The bytes a request may take, and the topic's own limit. */
    private limit: RequestLimit,
  ) {
    this.headers = runHeaders(run);
  }

  add(user: PopularUser): void | Promise<void> {
    const message = popularUserMessage(user, this.run, this.cutoff, this.headers);
    // Sized once as a batch's first record, and again only when it lands further in (a longer offset delta).
    const alone = recordBytes(message);
    if (!fitsLimit(RECORD_BATCH_OVERHEAD + alone, this.limit.bytes)) {
      throw new MessageTooLargeError(
        `user ${JSON.stringify(user.userId.slice(0, 64))}: its message takes ${RECORD_BATCH_OVERHEAD + alone} bytes as a request, more than the ${this.limit.bytes} a request may take`,
      );
    }
    let pending: Promise<void> | undefined;
    let bytes = this.batch.length === 0 ? alone : recordBytes(message, this.batch.length);
    if (this.batch.length >= this.batchSize || !fitsLimit(this.batchBytes + bytes, this.limit.bytes)) {
      pending = this.flush();
      bytes = alone;
    }
    this.batchBytes += bytes;
    this.batch.push(message);
    return pending;
  }

  /** Sends what is gathered after every earlier request; resolves when all of them are acknowledged. */
  flush(): Promise<void> {
    const messages = this.batch;
    this.batch = [];
    this.batchBytes = RECORD_BATCH_OVERHEAD;
    if (messages.length > 0) {
      this.sending = this.sending.then(async () => {
        // A limit read again after a refusal sizes this run's later requests too.
        this.limit = await this.publisher.send(messages, this.limit);
        this.sentCount += messages.length;
      });
    }
    return this.sending;
  }

  /** Users acknowledged by the broker so far. */
  get sent(): number {
    return this.sentCount;
  }

  /** The bytes a request may take now. */
  get requestLimit(): RequestLimit {
    return this.limit;
  }
}
