// A consumer's view of a runs topic (popular_users): the latest run that is provably complete (its
// run-end marker and exactly `count` users of its run id) from the source the consumer trusts,
// found from the end of the topic backwards rather than by reading all of it.
import { RunCollector, type CompleteRun, type RunTrust } from '../core/run-collector.js';
import { decodePopularMessage } from '../core/run-decoder.js';
import type { KafkaClients } from './kafka-client.js';
import type { ConsumedMessage } from './kafka-messages.js';
import { PartitionFetcher } from './partition-fetch.js';

export interface ReadRunOptions extends RunTrust {
  /** Gives up, rejecting, when no answer is found in this time. */
  timeoutMs?: number;
}

export interface RunSearch {
  /** The latest complete run from the trusted source; undefined when there is none. */
  run?: CompleteRun;
  /** Records the broker sent for the search: what its cost grows with. */
  messagesRead: number;
  fetches: number;
}

/** The first step back from a partition's end, in records; each later step doubles. */
const FIRST_STEP = 1_000;
/**
 * How far the clocks of the job and of the broker may disagree: every message of a run is stamped
 * at or after the run started, less this, so no run newer than a found one sits before that time.
 */
export const CLOCK_SKEW_MS = 60_000;

/** A repeated header counts with its last value. */
function headersAsText(message: ConsumedMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of message.headers) out[name] = value.toString('utf8');
  return out;
}

/**
 * Steps back from the end of every partition (as it was when called), reading ever larger ranges,
 * until a complete run from the trusted source is read; a run-end marker read on the way says how
 * many users its run still lacks, and the next step reaches at least that far. Then, since runs
 * may overlap, every partition is read back to where a run started after the found one would begin
 * (Kafka's time index: the messages of a run are stamped after it started), and the latest complete
 * run among them all is the answer. What it reads is about the messages published since the
 * answer's run started, whatever the topic holds.
 */
export async function findLatestCompleteRun(
  kafka: KafkaClients,
  topic: string,
  options: ReadRunOptions,
): Promise<RunSearch> {
  const { timeoutMs = 60_000 } = options;
  const deadline = Date.now() + timeoutMs;
  const fetcher = await PartitionFetcher.open(kafka, topic);
  try {
    const collector = new RunCollector(options);
    const bounds = await fetcher.bounds();
    // Per partition: everything from `frontier` to the end is read.
    const frontier = bounds.map((b) => b.end);
    // Per partition: the runs whose markers it holds, whose users may lie further back.
    const markers = bounds.map(() => new Set<string>());
    const read = async (partition: number, from: number) => {
      if (Date.now() > deadline)
        throw new Error(`${topic}: no complete run found within ${timeoutMs} ms (${fetcher.fetched} messages read)`);
      frontier[partition] = await fetcher.read(partition, from, frontier[partition]!, (message) => {
        const decoded = decodePopularMessage(
          message.key?.toString('utf8') ?? null,
          message.value?.toString('utf8') ?? null,
          headersAsText(message),
        );
        if (decoded !== undefined && collector.add(decoded) && decoded.kind === 'end')
          markers[partition]!.add(decoded.runId);
      });
    };

    for (let step = FIRST_STEP; collector.latestComplete() === undefined; step *= 2) {
      const open = bounds.filter((b) => frontier[b.partition]! > b.start);
      if (open.length === 0) return { messagesRead: fetcher.fetched, fetches: fetcher.fetches };
      for (const { partition, start } of open) {
        const missing = [...markers[partition]!].reduce((sum, runId) => sum + collector.missingUsers(runId), 0);
        await read(partition, Math.max(start, frontier[partition]! - Math.max(step, missing + FIRST_STEP)));
      }
    }

    const found = collector.latestComplete()!;
    const since = await fetcher.offsetsAt(BigInt(Date.parse(found.startedAt) - CLOCK_SKEW_MS));
    for (const { partition, start } of bounds) {
      const from = Math.max(start, since[partition]!);
      if (from < frontier[partition]!) await read(partition, from);
    }
    return { run: collector.latestComplete(), messagesRead: fetcher.fetched, fetches: fetcher.fetches };
  } finally {
    await fetcher.close().catch(() => undefined);
  }
}

/** The latest complete run from the trusted source, or undefined when the topic holds none. */
export async function readLatestCompleteRun(
  kafka: KafkaClients,
  topic: string,
  options: ReadRunOptions,
): Promise<CompleteRun | undefined> {
  return (await findLatestCompleteRun(kafka, topic, options)).run;
}
