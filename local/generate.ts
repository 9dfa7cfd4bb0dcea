// The seed's two generators: a static data set produced as fast as the broker takes it, and a
// continuous stream at a steady rate. Records are keyed by user id, so a user's events share a partition.
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { DEFAULT_SCORE_WEIGHTS } from '../lib/config.js';

export const SEED_DEFAULTS = Object.freeze({ users: 100_000, start: 1000, rows: 10_000_000 });

export interface Population {
  /** Ids are uniform over [start, start + users], both ends included, as in the seed. */
  users: number;
  start: number;
  activities: readonly string[];
}

export interface ActivityRow {
  userId: number;
  activity: string;
}

export type Random = () => number;

/** mulberry32: a small seeded generator, so a data set can be produced again for checking. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function defaultPopulation(overrides: Partial<Population> = {}): Population {
  return { users: SEED_DEFAULTS.users, start: SEED_DEFAULTS.start, activities: Object.keys(DEFAULT_SCORE_WEIGHTS), ...overrides };
}

export function randomActivity(population: Population, random: Random): ActivityRow {
  const { users, start, activities } = population;
  return {
    userId: start + Math.floor(random() * (users + 1)),
    activity: activities[Math.floor(random() * activities.length)]!,
  };
}

/** The static data set, row by row. */
export function* staticDataSet(rows: number, population: Population, random: Random): Generator<ActivityRow> {
  for (let i = 0; i < rows; i++) yield randomActivity(population, random);
}

export function activityMessage(row: ActivityRow): Message {
  return { key: String(row.userId), value: JSON.stringify({ user_id: row.userId, activity: row.activity }) };
}

/** A producer fit for bulk loading: idempotent (a retried request adds no duplicate event), key-hashed like Java's client. */
export async function connectActivityProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  return producer;
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
  /** Produce requests in flight at once. */
  inFlight?: number;
  onProgress?: (progress: ProduceProgress) => void;
}

/** Produces the static data set and resolves once every chunk is acknowledged by all in-sync replicas. */
export async function produceDataSet(producer: Producer, topic: string, options: DataSetOptions = {}): Promise<ProduceProgress> {
  const rows = options.rows ?? SEED_DEFAULTS.rows;
  const population = options.population ?? defaultPopulation();
  const random = options.random ?? Math.random;
  const chunkSize = options.chunkSize ?? 10_000;
  const inFlight = Math.max(1, options.inFlight ?? 4);
  const started = performance.now();
  const rowsLeft = staticDataSet(rows, population, random);
  let sent = 0;

  const sender = async (): Promise<void> => {
    for (;;) {
      // Each sender takes its next chunk synchronously, so the generator is never shared mid-chunk.
      const messages: Message[] = [];
      for (let r = rowsLeft.next(); !r.done; r = rowsLeft.next()) {
        messages.push(activityMessage(r.value));
        if (messages.length === chunkSize) break;
      }
      if (messages.length === 0) return;
      await producer.send({ topic, acks: -1, messages });
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
export function startActivityStream(producer: Producer, topic: string, options: StreamOptions): ActivityStream {
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
        const messages = Array.from({ length: Math.min(due, 10_000) }, () => activityMessage(randomActivity(population, random)));
        try {
          await producer.send({ topic, acks: -1, messages });
          sent += messages.length;
          options.onProgress?.({ sent, elapsedMs: performance.now() - started });
        } catch (err) {
          options.onError?.(err as Error);
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
