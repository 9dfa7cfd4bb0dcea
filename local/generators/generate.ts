// The seed's two generators: a static data set produced as fast as the broker takes it, and a
// continuous stream at a steady rate. Records are keyed by user id, so a user's events share a partition.
import type { KafkaClients } from '../../lib/adapters/kafka-client.js';
import { connectProducer, type ConnectedProducer, type MessageSender } from '../../lib/adapters/producer.js';
import type { OutgoingMessage } from '../../lib/core/kafka-message.js';
import {
  activityMessage,
  defaultPopulation,
  randomActivity,
  SEED_DEFAULTS,
  staticDataSet,
  type Population,
  type Random,
} from './activity.js';

// The commands pick their population and seed from here.
export { defaultPopulation, SEED_DEFAULTS, seededRandom } from './activity.js';

/**
 * A producer fit for bulk loading: idempotent (a retried request adds no duplicate event), key-hashed like Java's
 * client.
 */
export function connectActivityProducer(kafka: KafkaClients): Promise<ConnectedProducer> {
  return connectProducer(kafka);
}

export interface ProduceProgress {
  sent: number;
  /** Rows asked for; undefined for an endless stream. */
  total?: number;
  elapsedMs: number;
}

export interface DataSetOptions {
  rows?: number;
  population?: Population;
  random?: Random;
  /** Messages per produce request. */
  chunkSize?: number;
  /** Chunks handed to the producer at once; it sends them one at a time, building the next while one is out. */
  inFlight?: number;
  onProgress?: (progress: ProduceProgress) => void;
  /**
   * Event time spread evenly over the `days` days before `until` (now unless given), in row order:
   * each record's CreateTime, set by the producer. Without it the broker's clock stamps them as sent.
   */
  overDays?: { days: number; until?: number };
}

const DAY_MS = 86_400_000;

/** Produces the static data set and resolves once every chunk is acknowledged by all in-sync replicas. */
export async function produceDataSet(
  producer: MessageSender,
  topic: string,
  options: DataSetOptions = {},
): Promise<ProduceProgress> {
  const rows = options.rows ?? SEED_DEFAULTS.rows;
  const population = options.population ?? defaultPopulation();
  const random = options.random ?? Math.random;
  const chunkSize = options.chunkSize ?? 10_000;
  const inFlight = Math.max(1, options.inFlight ?? 4);
  const started = performance.now();
  const rowsLeft = staticDataSet(rows, population, random);
  let sent = 0;
  // The rows' event times come from their index alone, so the rows themselves are the seed's whatever the days.
  const { overDays } = options;
  const first = overDays === undefined ? 0 : (overDays.until ?? Date.now()) - overDays.days * DAY_MS;
  const step = overDays === undefined ? 0 : (overDays.days * DAY_MS) / Math.max(1, rows - 1);
  let taken = 0;
  const stamped = (message: OutgoingMessage): OutgoingMessage =>
    overDays === undefined ? message : { ...message, timestamp: Math.floor(first + taken * step) };

  const sender = async (): Promise<void> => {
    for (;;) {
      // Each sender takes its next chunk synchronously, so the generator is never shared mid-chunk.
      const messages: OutgoingMessage[] = [];
      for (let r = rowsLeft.next(); !r.done; r = rowsLeft.next()) {
        messages.push(stamped(activityMessage(r.value)));
        taken++;
        if (messages.length === chunkSize) break;
      }
      if (messages.length === 0) return;
      await producer.send(topic, messages);
      sent += messages.length;
      options.onProgress?.({ sent, total: rows, elapsedMs: performance.now() - started });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  return { sent, total: rows, elapsedMs: performance.now() - started };
}

export interface StreamOptions {
  /** Events per second. */
  rate: number;
  population?: Population;
  random?: Random;
  /** How often a due slice of events is sent. */
  tickMs?: number;
  onProgress?: (progress: ProduceProgress) => void;
  onError?: (error: Error) => void;
}

export interface ActivityStream {
  sent(): number;
  /** Stops after the send in flight; resolves with what was sent. */
  stop(): Promise<ProduceProgress>;
}

/** Sends events continuously at `rate` per second, catching up on its schedule when a send ran long. */
export function startActivityStream(producer: MessageSender, topic: string, options: StreamOptions): ActivityStream {
  if (!(options.rate > 0)) throw new RangeError(`rate ${options.rate} must be a positive number of events per second`);
  const population = options.population ?? defaultPopulation();
  const random = options.random ?? Math.random;
  const tickMs = options.tickMs ?? 100;
  const started = performance.now();
  let sent = 0;
  let running = true;
  let wake: (() => void) | undefined;

  const loop = async (): Promise<void> => {
    while (running) {
      const due = Math.floor(((performance.now() - started) / 1000) * options.rate) - sent;
      if (due > 0) {
        // A cap per send keeps one request well under the broker's 1 MiB after a long stall.
        const messages = Array.from({ length: Math.min(due, 10_000) }, () =>
          activityMessage(randomActivity(population, random)),
        );
        try {
          await producer.send(topic, messages);
          sent += messages.length;
          options.onProgress?.({ sent, elapsedMs: performance.now() - started });
        } catch (err) {
          options.onError?.(err instanceof Error ? err : new Error(String(err)));
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, tickMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  const done = loop();

  return {
    sent: () => sent,
    async stop() {
      running = false;
      wake?.();
      await done;
      return { sent, elapsedMs: performance.now() - started };
    },
  };
}
