import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';

/** A producer connected on first use and kept for the life of the container. */
export class LazyProducer {
  private connecting?: Promise<Producer>;
  // Public so the dead-letter side can ask the same cluster about its topic's limit.
  constructor(readonly kafka: Kafka) {}

  get(): Promise<Producer> {
    this.connecting ??= (async () => {
      // Idempotent: a request retried after a lost answer is not written twice.
      const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: true });
      try {
        await producer.connect();
      } catch (err) {
        this.connecting = undefined; // the next call tries again rather than reusing a failed connection
        throw err;
      }
      return producer;
    })();
    return this.connecting;
  }

  async disconnect(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    if (pending) await (await pending.catch(() => undefined))?.disconnect();
  }
}

/** Sends messages in chunks, each acknowledged by all in-sync replicas before the next. */
export async function sendAcknowledged(producer: Producer, topic: string, messages: Message[], chunkSize: number): Promise<void> {
  for (let i = 0; i < messages.length; i += chunkSize) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunkSize) });
  }
}

/** What every message of one popular-users run carries, so consumers can tell runs apart. */
export interface PopularRun {
  runId: string;
  /** `popular_<unix seconds of the run start>`: the message key, one per run, retries included. */
  key: string;
  startedAt: Date;
  percentile: number;
  cutoff: number;
}

export const POPULAR_HEADER = { runId: 'run_id', runSize: 'run_size', startedAt: 'run_started_at' } as const;

export function popularUserMessage(user: { userId: string; score: number }, run: PopularRun, runSize: number): Message {
  return {
    key: run.key,
    value: JSON.stringify({ user_id: user.userId, score: user.score, cutoff: run.cutoff, percentile: run.percentile }),
    headers: {
      [POPULAR_HEADER.runId]: run.runId,
      [POPULAR_HEADER.runSize]: String(runSize),
      [POPULAR_HEADER.startedAt]: run.startedAt.toISOString(),
    },
  };
}

/** Publishes a run's users in acknowledged batches, building each batch only when it is sent; returns the count sent. */
export async function publishPopularUsers(
  producer: LazyProducer,
  topic: string,
  run: PopularRun,
  users: readonly { userId: string; score: number }[],
  batchSize: number,
): Promise<number> {
  if (users.length === 0) return 0;
  const connected = await producer.get();
  let sent = 0;
  for (let i = 0; i < users.length; i += batchSize) {
    const batch = users.slice(i, i + batchSize).map((user) => popularUserMessage(user, run, users.length));
    await sendAcknowledged(connected, topic, batch, batchSize);
    sent += batch.length;
  }
  return sent;
}
