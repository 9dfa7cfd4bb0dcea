// Seeded hostile records, and the documented validation rules written out again independently,
// so the scorer can be checked against a reference rather than against itself.
import type { OutgoingMessage } from '../../lib/core/kafka-message.js';
import { seededRandom } from '../../local/fixtures/index.js';

export const FUZZ_WEIGHTS: Readonly<Record<string, number>> = {
  'profile.picture.like': 2,
  'profile.view': 1,
  'message.private': 3,
};
const MAX_VALUE_BYTES = 64 * 1024;

export interface FuzzRecord {
  kind: string;
  message: OutgoingMessage & { partition: number };
}

type Verdict = { counted: true; userId: string; score: number } | { counted: false; reason: string };

const deep = (depth: number, leaf: string) => '['.repeat(depth) + leaf + ']'.repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/**
 * The rules of docs/exactly-once.md: UTF-8 JSON object, user_id an integer or 1-128 characters, a known activity, at
 * most 64 KiB.
 */
export function referenceVerdict(value: Buffer | null): Verdict {
  if (value === null || value.length === 0) return { counted: false, reason: 'tombstone' };
  if (value.length > MAX_VALUE_BYTES) return { counted: false, reason: 'too_large' };
  const text = value.toString('utf8');
  // Valid UTF-8 is exactly what survives a decode and re-encode unchanged.
  if (!Buffer.from(text, 'utf8').equals(value)) return { counted: false, reason: 'bad_utf8' };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { counted: false, reason: 'bad_json' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { counted: false, reason: 'not_an_object' };
  const fields = new Map(Object.entries(body));
  if (!fields.has('user_id')) return { counted: false, reason: 'missing_user_id' };
  const id = fields.get('user_id');
  let userId: string;
  if (typeof id === 'number' && Number.isInteger(id) && Math.abs(id) <= Number.MAX_SAFE_INTEGER) userId = String(id);
  // Well-formed Unicode only: a string that does not survive a UTF-8 round trip has a lone surrogate.
  else if (
    typeof id === 'string' &&
    Buffer.from(id, 'utf8').toString('utf8') === id &&
    Array.from(id).length >= 1 &&
    Array.from(id).length <= 128
  )
    userId = id;
  else return { counted: false, reason: 'bad_user_id' };
  if (!fields.has('activity')) return { counted: false, reason: 'missing_activity' };
  const activity = fields.get('activity');
  const weight =
    typeof activity === 'string' ? Object.entries(FUZZ_WEIGHTS).find(([name]) => name === activity)?.[1] : undefined;
  if (weight === undefined) return { counted: false, reason: 'unknown_activity' };
  return { counted: true, userId, score: weight };
}

const ACTIVITIES = Object.keys(FUZZ_WEIGHTS);

/** Ids that stress the "same user" rule and the key encoding of DynamoDB. */
const TRICKY_IDS: unknown[] = [
  1234,
  '1234',
  1234.0,
  '1234.0',
  '01234',
  ' 1234',
  -0,
  0,
  '0',
  -7,
  9007199254740991,
  9007199254740992,
  1e21,
  1.5,
  '1e3',
  1e3,
  'ünïcødé',
  '用户',
  '👩‍👩‍👧‍👦',
  'e\u0301',
  '\u00e9',
  'a\u0000b',
  '\u202eRTL',
  '\ud800',
  'x'.repeat(128),
  '😀'.repeat(128),
  '😀'.repeat(129),
  '',
  true,
  null,
  [1234],
  { id: 1234 },
  '１２３４',
];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

/** Builds `count` hostile records, the same ones for the same seed; each says what kind it is. */
export function fuzzRecords(count: number, seed: number, partitions: number): FuzzRecord[] {
  const random = seededRandom(seed);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  let tricky = 0;
  const activity = () =>
    random() < 0.85
      ? pick(random, ACTIVITIES)
      : pick(random, ['profile.View', 'toString', '__proto__', 'constructor', '', 'message.private ']);
  const makers: [string, () => Buffer | null][] = [
    ['valid', () => Buffer.from(JSON.stringify({ user_id: 1000 + Math.floor(random() * 50), activity: activity() }))],
    [
      'tricky id',
      () =>
        Buffer.from(
          `{"user_id":${JSON.stringify(TRICKY_IDS[tricky++ % TRICKY_IDS.length])},"activity":${JSON.stringify(activity())}}`,
        ),
    ],
    [
      'number literal id',
      () =>
        Buffer.from(
          `{"user_id":${pick(random, ['1234', '1234.000', '1.234e3', '-0', '12345678901234567890', '1e400', '0x10', '1_000'])},"activity":"profile.view"}`,
        ),
    ],
    ['random bytes', () => bytes(1 + Math.floor(random() * 64))],
    [
      'broken utf-8',
      () =>
        Buffer.concat([
          Buffer.from('{"user_id":"'),
          bytes(1).fill(0xc3),
          Buffer.from([0x28]),
          Buffer.from('","activity":"profile.view"}'),
        ]),
    ],
    [
      'huge value',
      () =>
        Buffer.concat([
          Buffer.from('{"user_id":77,"activity":"profile.view","pad":"'),
          Buffer.alloc(MAX_VALUE_BYTES + Math.floor(random() * 100_000), 'x'),
          Buffer.from('"}'),
        ]),
    ],
    [
      'just under the limit',
      () => {
        const head = '{"user_id":78,"activity":"profile.view","pad":"';
        return Buffer.from(head + 'y'.repeat(MAX_VALUE_BYTES - head.length - 2) + '"}');
      },
    ],
    ['deep json value', () => Buffer.from(deep(3000 + Math.floor(random() * 20_000), '1'))],
    ['deep extra field', () => Buffer.from(`{"user_id":79,"activity":"message.private","extra":${deepObject(5000)}}`)],
    ['deep user_id', () => Buffer.from(`{"user_id":${deep(10_000, '1')},"activity":"profile.view"}`)],
    ['deep activity', () => Buffer.from(`{"user_id":80,"activity":${deep(10_000, '"profile.view"')}}`)],
    [
      'duplicate keys',
      () =>
        Buffer.from(
          pick(random, [
            '{"user_id":81,"user_id":82,"activity":"profile.view"}',
            '{"user_id":83,"activity":"profile.view","activity":"message.private"}',
            '{"user_id":84,"activity":"message.private","activity":"nope"}',
            '{"user_id":"85","user_id":[],"activity":"profile.view"}',
          ]),
        ),
    ],
    [
      'prototype keys',
      () =>
        Buffer.from(
          pick(random, [
            '{"__proto__":{"user_id":86},"activity":"profile.view"}',
            '{"user_id":87,"__proto__":{"activity":"profile.view"}}',
            '{"constructor":1,"user_id":88,"activity":"profile.view"}',
          ]),
        ),
    ],
    [
      'not an object',
      () =>
        Buffer.from(pick(random, ['null', '[]', '"text"', '42', 'true', '[{"user_id":1,"activity":"profile.view"}]'])),
    ],
    [
      'bad json',
      () =>
        Buffer.from(pick(random, ['{', '{"user_id":1,', "{'user_id':1}", '{"user_id":1 "activity":"x"}', 'NaN', ''])),
    ],
    ['tombstone', () => null],
    ['missing fields', () => Buffer.from(pick(random, ['{}', '{"user_id":89}', '{"activity":"profile.view"}']))],
  ];
  const records: FuzzRecord[] = [];
  for (let i = 0; i < count; i++) {
    // Every kind once, every tricky id early, then half valid so the sums have something to be exact about.
    const [kind, make] =
      i < makers.length
        ? makers[i]!
        : i < 2 * TRICKY_IDS.length
          ? makers[1]!
          : random() < 0.5
            ? makers[0]!
            : pick(random, makers.slice(1));
    const key = random() < 0.2 ? null : random() < 0.5 ? bytes(8) : Buffer.from(String(i));
    const headers: OutgoingMessage['headers'] =
      random() < 0.3
        ? [
            ['trace-ü', Buffer.from('✓')],
            ['raw', bytes(4)],
          ]
        : undefined;
    records.push({ kind, message: { partition: i % partitions, key, value: make(), ...(headers && { headers }) } });
  }
  return records;
}
