// The scan reads its pages from the response bytes: every page must give exactly what JSON.parse and
// reading each item's attributes give, and a body it does not understand must be left to JSON.parse.
import { describe, expect, it } from 'vitest';
import { readScorePage } from '../../lib/adapters/score-page-reader.js';
import { seededRandom } from '../../local/fixtures/index.js';

const BUCKETS = ['d:2026-11-24', 'd:2026-11-25', 'd:2026-11-26', 'd:2026-11-27', 'd:2026-11-28'];
const IDS = ['user-1', 'ü-é "quoted" \\ back', 'tab\there', '\u0001control', 'emoji 😀', 'a/b', ''];
const NUMBERS = ['0', '1', '-5', '123456789012345', '1234567890123456789', '1.5', '-0.25', '1E+2', 'NaN', '', '007'];

type Item = Record<string, { S?: string; N?: string }>;

/** What the SDK's parse and the attribute reads give for the same body. */
function expected(body: string, buckets: readonly string[] | undefined) {
  const items = (JSON.parse(body) as { Items?: Item[] }).Items ?? [];
  const userIds: string[] = [];
  const scores: number[] = [];
  const windowScores: number[] = [];
  for (const item of items) {
    const userId = item.user_id?.S;
    const text = item.score?.N;
    if (userId === undefined || text === undefined || !Number.isFinite(Number(text))) continue;
    userIds.push(userId);
    scores.push(Number(text));
    const sums = (buckets ?? []).map((b) => Number(item[b]?.N)).filter((n) => Number.isFinite(n));
    windowScores.push(sums.reduce((a, b) => a + b, 0));
  }
  return { userIds, scores, windowScores: buckets === undefined ? undefined : windowScores, items: items.length };
}

function randomBody(random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const items: Item[] = [];
  const count = Math.floor(random() * 20);
  for (let i = 0; i < count; i++) {
    const item: Item = {};
    if (random() > 0.05) item.user_id = random() > 0.05 ? { S: `${pick(IDS)}${i}` } : { N: '5' };
    if (random() > 0.05) item.score = random() > 0.05 ? { N: pick(NUMBERS) } : { S: 'high' };
    for (const bucket of BUCKETS) if (random() > 0.4) item[bucket] = { N: pick(NUMBERS.slice(0, 8)) };
    if (random() > 0.9) item['d:2026-11-01'] = { N: '9' }; // a day outside the window
    if (random() > 0.9) item.other = { S: 'z' };
    items.push(item);
  }
  const page =
    random() > 0.5
      ? { Items: items, Count: count, ScannedCount: count }
      : { Count: count, Items: items, ScannedCount: count, LastEvaluatedKey: { user_id: { S: 'x"Items":[' } } };
  return random() > 0.8 ? JSON.stringify(page, null, 1) : JSON.stringify(page);
}

describe('readScorePage', () => {
  it('gives what JSON.parse and the attribute reads give, page for page, and leaves the rest of the body', () => {
    const random = seededRandom(16);
    for (let round = 0; round < 2_000; round++) {
      const body = randomBody(random);
      for (const buckets of [BUCKETS, undefined]) {
        const read = readScorePage(Buffer.from(body), 'user_id', 'score', buckets);
        expect(read, body).toBeDefined();
        const want = expected(body, buckets);
        expect({ ...read!.page, items: read!.items }, body).toEqual(
          buckets === undefined ? { userIds: want.userIds, scores: want.scores, items: want.items } : want,
        );
        expect(JSON.parse(read!.rest.toString('utf8'))).toEqual({ ...JSON.parse(body), Items: [] });
      }
    }
  });

  it('leaves to JSON.parse a body with values it does not read, or no items', () => {
    const body = (item: string) => Buffer.from(`{"Items":[${item}],"Count":1}`);
    expect(readScorePage(body('{"user_id":{"M":{}},"score":{"N":"1"}}'), 'user_id', 'score', [])).toBeUndefined();
    expect(readScorePage(body('{"user_id":{"B":"AAE="},"score":{"N":"1"}}'), 'user_id', 'score', [])).toBeUndefined();
    expect(
      readScorePage(body('{"user_id":{"S":"a"},"score":{"N":"1\\u0030"}}'), 'user_id', 'score', []),
    ).toBeUndefined();
    expect(readScorePage(body('{"user_id":{"S":"a"'), 'user_id', 'score', [])).toBeUndefined();
    expect(readScorePage(Buffer.from('{"Count":0}'), 'user_id', 'score', [])).toBeUndefined();
  });
});
