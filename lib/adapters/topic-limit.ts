// A topic's max.message.bytes as the broker reports it: read on first use, kept for the life of the
// container, and read again when the broker refuses a request as too large (an operator may lower
// it while the functions run).
import { AppError } from '../core/errors.js';
import { RECORD_BATCH_OVERHEAD } from '../core/record-size.js';
import { namedKafkaFailure } from './kafka-authentication.js';
import { kafkaFailureMessage, kafkaLibrary, type KafkaClients } from './kafka-client.js';

/** A topic's size limit could not be read, so no request can be sized to it. */
export class TopicLimitError extends AppError {}

/** True when the broker refused a produce request because a record batch was over the topic's max.message.bytes. */
export function refusedAsTooLarge(err: unknown, seen = new Set<unknown>()): boolean {
  if (!(err instanceof Error) || seen.has(err)) return false;
  seen.add(err);
  if ((err as { apiId?: unknown }).apiId === 'MESSAGE_TOO_LARGE') return true;
  const nested = err instanceof AggregateError ? (err.errors as unknown[]) : [];
  return [...nested, err.cause].some((inner) => refusedAsTooLarge(inner, seen));
}

export class TopicMessageLimit {
  private reading?: Promise<number>;

  /** `role` names the topic in errors, e.g. "dead-letter topic". */
  constructor(
    private readonly kafka: KafkaClients,
    readonly topic: string,
    private readonly role: string,
  ) {}

  /** The limit as last read; the first call asks the broker. A failed read is not kept: the next call asks again. */
  current(): Promise<number> {
    if (this.reading === undefined) {
      const reading = this.describe();
      this.reading = reading;
      reading.catch(() => {
        if (this.reading === reading) this.reading = undefined;
      });
    }
    return this.reading;
  }

  /**
   * Asks the broker again after it refused a request sized to `used`; a refresh another caller made
   * meanwhile is taken as it is.
   */
  async refresh(used: number): Promise<number> {
    const cached = await this.reading?.catch(() => undefined);
    if (cached !== undefined && cached !== used) return cached;
    this.reading = undefined;
    return this.current();
  }

  private async describe(): Promise<number> {
    const [{ ConfigResourceTypes }, admin] = await Promise.all([kafkaLibrary(), this.kafka.admin()]);
    try {
      const [described] = await admin.describeConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: this.topic,
            configurationKeys: ['max.message.bytes'],
          },
        ],
        includeSynonyms: false,
      });
      const entry = described?.configs.find((c) => c.name === 'max.message.bytes');
      const limit = Number(entry?.value);
      if (!Number.isSafeInteger(limit) || limit <= RECORD_BATCH_OVERHEAD)
        throw new Error(`the broker reported max.message.bytes=${entry?.value}`);
      return limit;
    } catch (err) {
      const named = namedKafkaFailure(err, this.kafka.settings);
      if (named !== err) throw named;
      throw new TopicLimitError(
        `cannot read max.message.bytes of the ${this.role} ${JSON.stringify(this.topic)} (${kafkaFailureMessage(err)}); ` +
          'the topic must exist (MSK does not create topics on first use) and the function may describe its configuration ' +
          '(kafka-cluster:DescribeTopicDynamicConfiguration on MSK with IAM)',
        // Once the topic exists or the permission is granted, the retried call passes.
        { cause: err, retriable: true },
      );
    } finally {
      await admin.close().catch(() => undefined);
    }
  }
}
