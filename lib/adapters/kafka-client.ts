// The Kafka clients (@platformatic/kafka) for the configured brokers: plaintext locally, TLS and
// SASL (IAM on MSK) in AWS, made in one place from KafkaSettings.
import type {
  Admin,
  BaseOptions,
  ConsumeBaseOptions,
  Consumer,
  GroupOptions,
  Producer,
  ProducerOptions,
  SASLOptions,
} from '@platformatic/kafka';
import type { KafkaSettings } from '../core/config.js';
import { AppError } from '../core/errors.js';
import { mskIamSasl } from './kafka-authentication.js';

const CONNECT_TIMEOUT_MS = 3000;
/** Retries stay short: the caller (Lambda's mapping or the schedule) owns the long retry. */
const RETRIES = 3;
const FIRST_RETRY_DELAY_MS = 200;
const LONGEST_RETRY_DELAY_MS = 2000;
/**
 * Records a consumer's message stream holds before it stops fetching. The client's 1,024 is less
 * than one fetch brings, so each fetch waited for the last to be read: consuming took 1.3-1.8x
 * the time it does with room for a whole fetch (local broker, 300,000 records).
 */
const CONSUMER_BUFFERED_RECORDS = 16_384;

function saslOptions(settings: KafkaSettings): SASLOptions | undefined {
  switch (settings.sasl) {
    case 'none':
      return undefined;
    case 'plain':
      return { mechanism: 'PLAIN', username: settings.username!, password: settings.password! };
    case 'scram-sha-256':
      return { mechanism: 'SCRAM-SHA-256', username: settings.username!, password: settings.password! };
    case 'scram-sha-512':
      return { mechanism: 'SCRAM-SHA-512', username: settings.username!, password: settings.password! };
    case 'aws-iam':
      return mskIamSasl(settings.region!);
  }
}

/** What every client shares: brokers, identity, TLS, SASL, timeouts and the short retry. */
export function kafkaClientOptions(settings: KafkaSettings): BaseOptions {
  const options: BaseOptions = {
    clientId: settings.clientId,
    bootstrapBrokers: settings.brokers,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retries: RETRIES,
    retryDelay: (_client, _operation, attempt) =>
      Math.min(LONGEST_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1)),
    // As on MSK: a topic exists only once created.
    autocreateTopics: false,
  };
  // Empty TLS options: Node's trust store (plus NODE_EXTRA_CA_CERTS), which knows MSK's certificates.
  if (settings.ssl) options.tls = {};
  const sasl = saslOptions(settings);
  if (sasl !== undefined) options.sasl = sasl;
  return options;
}

/** A consumer's own settings (the classic group protocol, as MSK's mappings use), beside what every client shares. */
export type ConsumerSettings = { groupId: string } & GroupOptions & ConsumeBaseOptions<Buffer, Buffer, Buffer, Buffer>;

let library: Promise<typeof import('./kafka-library.js')> | undefined;
let loaded = false;

/**
 * The client library, loaded on first use rather than at a module's import: loading it compiles its
 * option validators (about 0.3 s on 2 cores, bench "Cold start"), which a scorer container that never
 * dead-letters never pays. The job, which publishes every run, awaits it during its init instead.
 */
export function kafkaLibrary(): Promise<typeof import('./kafka-library.js')> {
  return (library ??= import('./kafka-library.js').then((lib) => {
    loaded = true;
    return lib;
  }));
}

/** Whether this process has loaded the client library yet. */
export function kafkaLibraryLoaded(): boolean {
  return loaded;
}

/** Makes the clients of one cluster, each with the same settings; every client must be closed by its user. */
export class KafkaClients {
  readonly options: BaseOptions;

  constructor(readonly settings: KafkaSettings) {
    this.options = kafkaClientOptions(settings);
  }

  /**
   * An idempotent producer: every request acknowledged by all in-sync replicas, a request retried
   * after a lost answer not written twice, and keys hashed to partitions as Java's client does.
   */
  async producer(overrides: Partial<ProducerOptions<Buffer, Buffer, Buffer, Buffer>> = {}): Promise<Producer> {
    const { Producer, compatibilityPartitioner } = await kafkaLibrary();
    return new Producer({ ...this.options, idempotent: true, partitioner: compatibilityPartitioner, ...overrides });
  }

  async admin(): Promise<Admin> {
    const { Admin } = await kafkaLibrary();
    return new Admin({ ...this.options });
  }

  /**
   * A consumer group member. The client reports a failed rejoin of the group as an 'error' event,
   * which would end the process if nobody listened: `onError` is where its user handles it.
   */
  async consumer(settings: ConsumerSettings, onError: (error: Error) => void): Promise<Consumer> {
    const { Consumer } = await kafkaLibrary();
    const consumer = new Consumer({ ...this.options, highWaterMark: CONSUMER_BUFFERED_RECORDS, ...settings });
    consumer.on('error', onError);
    return consumer;
  }
}

export function createKafka(settings: KafkaSettings): KafkaClients {
  return new KafkaClients(settings);
}

/** Clients of a local broker without TLS or SASL, for tools and tests. */
export function plainKafka(bootstrapServers: string, clientId: string): KafkaClients {
  return new KafkaClients({ brokers: bootstrapServers.split(','), clientId, ssl: false, sasl: 'none' });
}

/**
 * One line for a client failure: the client nests the reason under generic messages ("Producing
 * messages failed.") in causes and aggregates, so this walks them down to what actually went wrong.
 */
export function kafkaFailureMessage(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e);) {
    seen.add(e);
    parts.push(e.message.replace(/\.$/, ''));
    // Our own errors already say all that matters.
    if (e instanceof AppError) break;
    e = e.cause ?? (e instanceof AggregateError ? (e.errors as unknown[]).at(-1) : undefined);
  }
  return parts.length === 0 ? String(err) : [...new Set(parts)].join(': ');
}
