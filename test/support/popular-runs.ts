// Reading popular-users runs back as a consumer would, from any broker.
import { plainKafka } from '../../lib/adapters/kafka-client.js';
import type { RunEnd } from '../../lib/core/popular-run.js';
import { decodePopularMessage } from '../../lib/core/run-decoder.js';
import { asText, readToEnd } from '../../local/fixtures/index.js';

/** A user of a run, or (with `end`) the run's end marker. */
export interface PublishedMessage {
  key: string;
  runId: string;
  userId: string;
  score: number;
  end?: RunEnd;
}

/** Every message on a topic, read from the beginning until the topic's end offsets at the time of the call. */
export async function readPublished(brokers: string, topic: string): Promise<PublishedMessage[]> {
  const kafka = plainKafka(brokers, 'reliability-reader');
  return (await readToEnd(kafka, topic)).map((raw) => {
    const message = asText(raw);
    const decoded = decodePopularMessage(message.key, message.value?.toString() ?? null, message.headers);
    if (decoded === undefined) throw new Error(`not a popular-users message at offset ${message.offset}`);
    if (decoded.kind === 'end')
      return { key: decoded.key, runId: decoded.runId, userId: '', score: 0, end: decoded.end };
    return { key: decoded.key, runId: decoded.runId, userId: decoded.user.userId, score: decoded.user.score };
  });
}

/** Messages grouped by run id, as a consumer tells runs apart. */
export function byRun(messages: PublishedMessage[]): Map<string, PublishedMessage[]> {
  const runs = new Map<string, PublishedMessage[]>();
  for (const m of messages) runs.set(m.runId, [...(runs.get(m.runId) ?? []), m]);
  return runs;
}

export const usersOf = (messages: PublishedMessage[]) =>
  new Map(messages.filter((m) => m.end === undefined).map((m) => [m.userId, m.score]));

/** The run's end marker, if it got out. */
export const endOf = (messages: PublishedMessage[]) => messages.find((m) => m.end !== undefined)?.end;
