// Rejected records -> the dead-letter topic, in produce requests the broker accepts. One publisher
// per container: it keeps the topic's size limit, and reads it again when the broker says it changed.
import type { Rejection } from '../core/activity.js';
import { deadLetterOf, deadLetterRequests, smallestDeadLetterBytes, type DeadLetter } from '../core/dead-letter.js';
import { AppError } from '../core/errors.js';
import type { OutgoingMessage } from '../core/kafka-message.js';
import type { LazyProducer } from './producer.js';
import { refusedAsTooLarge, TopicMessageLimit } from './topic-limit.js';

/**
 * The dead-letter topic's max.message.bytes is below even the smallest dead letter: nothing can be sent until it is
 * raised.
 */
export class DeadLetterLimitError extends AppError {}

export class DeadLetterPublisher {
  private readonly limit: TopicMessageLimit;

  constructor(
    private readonly producer: LazyProducer,
    readonly topic: string,
  ) {
    this.limit = new TopicMessageLimit(producer.kafka, topic, 'dead-letter topic');
  }

  /**
   * Sends every rejection, each request acknowledged by all in-sync replicas before the next. When
   * the broker refuses a request as too large, the limit is read again and what is not yet sent is
   * cut to the new one, so a limit lowered while the container lives costs no failed invocation.
   */
  async publish(rejections: readonly Rejection[]): Promise<void> {
    if (rejections.length === 0) return;
    const letters = rejections.map(deadLetterOf);
    let limit = await this.limit.current();
    const sender = await this.producer.get();
    let sent = 0;
    let requests = this.requests(letters, limit);
    let refreshed = false;
    for (let i = 0; i < requests.length;) {
      try {
        await sender.send(this.topic, requests[i]!);
      } catch (err) {
        // Once per call: a refusal at a limit just read is not a stale limit.
        if (refreshed || !refusedAsTooLarge(err)) throw err;
        refreshed = true;
        limit = await this.limit.refresh(limit);
        requests = this.requests(letters.slice(sent), limit);
        i = 0;
        continue;
      }
      sent += requests[i]!.length;
      i++;
    }
  }

  private requests(letters: readonly DeadLetter[], limit: number): OutgoingMessage[][] {
    const requests = deadLetterRequests(letters, limit);
    if (requests !== undefined) return requests;
    const smallest = Math.max(...letters.map(smallestDeadLetterBytes));
    throw new DeadLetterLimitError(
      `the dead-letter topic ${JSON.stringify(this.topic)} takes records of at most ${limit} bytes (max.message.bytes), ` +
        `less than the ${smallest} bytes of a dead letter's reason and source coordinates alone; raise its max.message.bytes`,
      { retriable: true },
    );
  }
}
