// A scorer on DynamoDB Local whose clock the test drives, for the window-sum tests: its events
// numbered per partition, its items and window sums read back, and the sizes and sums they are
// checked against.
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { utcDate } from '../../local/fixtures/index.js';
import type { LazyProducer } from '../../lib/adapters/producer.js';
import { eventOf, testScorer } from './scorer.js';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const NOON = Date.UTC(2026, 5, 15, 12);
/** message.private's default weight: every event these tests make. */
export const WEIGHT = 3;

/** A scorer with TRENDING_DAYS `days` whose clock the test sets, and the events it numbers per partition. */
export async function clockedScorer(dynamo: DynamoDBClient, deadLetters: LazyProducer, days: number) {
  let now = NOON;
  const { config, handle } = await testScorer(dynamo, deadLetters, { trendingDays: days }, dynamo, () => now);
  const offsets = new Map<string, number>();
  const event = (user: string, timestamp: number, partition = 0): KafkaRecord => {
    const key = `${user}:${partition}`;
    const offset = offsets.get(key) ?? 0;
    offsets.set(key, offset + 1);
    return {
      topic: 'activity',
      partition,
      offset,
      timestamp,
      key: user,
      value: JSON.stringify({ user_id: user, activity: 'message.private' }),
    };
  };
  const item = async (user: string): Promise<Record<string, AttributeValue>> =>
    (
      await dynamo.send(
        new GetItemCommand({ TableName: config.scoresTable, Key: { user_id: { S: user } }, ConsistentRead: true }),
      )
    ).Item ?? {};
  // Run date -> sum for this scorer's length; a sum of another length, which no write should leave, by its name.
  const windows = async (user: string, length = days): Promise<Record<string, number>> => {
    const held: Array<[string, number]> = [];
    for (const [name, value] of Object.entries(await item(user))) {
      const match = /^w(\d+):(.*)$/.exec(name);
      if (match !== null) held.push([Number(match[1]) === length ? match[2]! : name, Number(value.N)]);
    }
    return Object.fromEntries(held.sort(([a], [b]) => a.localeCompare(b)));
  };
  return {
    config,
    handle,
    event,
    item,
    windows,
    setClock: (ms: number) => (now = ms),
    score: (records: KafkaRecord[]) => handle(eventOf(records)),
  };
}

/**
 * An item's size by DynamoDB's documented rule: each attribute's name in UTF-8 bytes plus its value, a
 * string in UTF-8 bytes, a number about one byte per two significant digits plus one.
 */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S);
    else if (value.N !== undefined) bytes += Math.ceil(value.N.replace(/^[-0.]+|\.|0+$/g, '').length / 2) + 1;
    else throw new Error(`unexpected attribute ${name}`);
  }
  return bytes;
}

/** Event dates -> sums as a map, for windowSumsOf. */
export const perDate = (entries: Array<[number, number]>) => new Map(entries.map(([t, sum]) => [utcDate(t), sum]));
/** The stored form of windowSumsOf's answer, sorted by run date as `windows` reads them. */
export const sortedSums = (sums: Map<string, number>) =>
  Object.fromEntries([...sums].sort(([a], [b]) => a.localeCompare(b)));
