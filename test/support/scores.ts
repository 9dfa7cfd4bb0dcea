// Reference computations and table reads for checking the scorer against plain arithmetic.
import { ScanCommand, type DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DEFAULT_SCORE_WEIGHTS } from '../../lib/config.js';
import type { KafkaRecord } from '../../local/msk-event.js';
import { seededRandom } from '../../local/generate.js';

export { seededRandom };

const ACTIVITIES = Object.keys(DEFAULT_SCORE_WEIGHTS);

/** Timestamp of the first generated record: fixed, so a redelivered record carries the same one, as in Kafka. */
export const FIRST_TIMESTAMP = Date.UTC(2026, 0, 1);

/** Activity records spread over partitions with consecutive offsets per partition, as Kafka would hold them. */
export function activityRecords(
  count: number,
  users: number,
  options: {
    topic?: string;
    partitions?: number;
    seed?: number;
    firstOffset?: number;
    firstTimestamp?: number;
    /** 'user' (the default) keys by user, so a user stays in one partition; 'random' spreads each user over all of them. */
    partitionBy?: 'user' | 'random';
  } = {},
): KafkaRecord[] {
  const { topic = 'activity', partitions = 4, seed = 1, firstOffset = 0, firstTimestamp = FIRST_TIMESTAMP, partitionBy = 'user' } = options;
  const random = seededRandom(seed);
  const next = new Array<number>(partitions).fill(firstOffset);
  const records: KafkaRecord[] = [];
  for (let i = 0; i < count; i++) {
    const userId = 1000 + Math.floor(random() * users);
    const partition = partitionBy === 'user' ? userId % partitions : Math.floor(random() * partitions);
    const activity = ACTIVITIES[Math.floor(random() * ACTIVITIES.length)]!;
    records.push({
      topic,
      partition,
      offset: next[partition]!++,
      timestamp: firstTimestamp + i,
      key: String(userId),
      value: JSON.stringify({ user_id: userId, activity }),
    });
  }
  return records;
}

/** What the sums must be: plain arithmetic over the good records, each counted once. */
export function expectedSums(records: Iterable<KafkaRecord>, weights: Record<string, number> = DEFAULT_SCORE_WEIGHTS): Map<string, number> {
  const sums = new Map<string, number>();
  for (const r of records) {
    const body = JSON.parse(String(r.value)) as { user_id: number | string; activity: string };
    const id = String(body.user_id);
    sums.set(id, (sums.get(id) ?? 0) + weights[body.activity]!);
  }
  return sums;
}

export async function readSums(client: DynamoDBClient, table: string): Promise<Map<string, number>> {
  const sums = new Map<string, number>();
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey, ProjectionExpression: 'user_id, score' }));
    for (const item of page.Items ?? []) sums.set(item.user_id!.S!, Number(item.score!.N));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return sums;
}

/** Sorted entries, so a mismatch prints as a readable diff. */
export const sorted = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
