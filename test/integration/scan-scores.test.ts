// The job's scan reads each page's items as DynamoDB sent them, not through the SDK's deserializer:
// every user, score and window sum must come out as the table holds them, page after page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { scanScores } from '../../lib/adapters/scan.js';
import { windowAttribute } from '../../lib/adapters/score-item.js';
import type { ScorePage } from '../../lib/core/score-source.js';
import { dayOf } from '../../lib/core/utc-days.js';
import { freshScoresTable, testDynamo } from '../support/stack.js';

const USERS = 1_200;
const today = dayOf(Date.parse('2026-11-30T12:00:00Z'));
/** User i: score i, and 3-day window sums of i for a run today, 1 three days ago, 2 yesterday for every third user; a 7-day one of 5. */
function item(i: number): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {
    user_id: { S: `user-\u00e9-${i}` },
    score: { N: String(i) },
    [windowAttribute(3, today)]: { N: String(i) },
    [windowAttribute(3, today - 3)]: { N: '1' },
    [windowAttribute(7, today)]: { N: '5' },
  };
  if (i % 3 === 0) out[windowAttribute(3, today - 1)] = { N: '2' };
  return out;
}

let dynamo: DynamoDBClient;
let table: string;

beforeAll(async () => {
  dynamo = testDynamo();
  table = await freshScoresTable(dynamo, 'scan-scores');
  const items = Array.from({ length: USERS }, (_, i) => item(i));
  // And two items the job cannot rank: no score, and a score that is not a number.
  items.push({ user_id: { S: 'no-score' } }, { user_id: { S: 'text-score' }, score: { S: 'high' } });
  for (let start = 0; start < items.length; start += 25) {
    const chunk = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: chunk } }));
  }
});
afterAll(() => dynamo.destroy());

describe('scanScores', () => {
  it('reads every user, score and window sum across pages and segments, and counts the unscored items', async () => {
    const seen = new Map<string, { score: number; window: number }>();
    const segmentsSeen = new Set<number>();
    const totals = await scanScores(
      dynamo,
      table,
      3,
      (segment, page: ScorePage) => {
        segmentsSeen.add(segment);
        page.userIds.forEach((id, i) => seen.set(id, { score: page.scores[i]!, window: page.windowScores![i]! }));
      },
      100,
      { days: 3, runDay: today },
    );
    expect(totals.users).toBe(USERS);
    expect(totals.unscored).toBe(2);
    expect(totals.pages).toBeGreaterThanOrEqual(USERS / 100);
    expect(segmentsSeen.size).toBe(3);
    expect(seen.size).toBe(USERS);
    for (let i = 0; i < USERS; i++) expect(seen.get(`user-\u00e9-${i}`)).toEqual({ score: i, window: i });
  });

  it('reads no window sums when no window is asked for', async () => {
    const pages: ScorePage[] = [];
    const totals = await scanScores(dynamo, table, 1, (_, page) => void pages.push(page), 500);
    expect(totals.users).toBe(USERS);
    expect(pages.every((p) => p.windowScores === undefined)).toBe(true);
  });
});
