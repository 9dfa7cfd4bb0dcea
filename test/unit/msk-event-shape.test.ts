// Our MSK event builder against JSON events in the shape AWS documents for Lambda's MSK trigger and in
// the shape of Powertools for AWS Lambda's Kafka event fixture (both written here with our own values).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MSKEvent } from 'aws-lambda';
import { decodeActivity } from '../../lib/core/activity.js';
import { DEFAULT_SCORE_WEIGHTS } from '../../lib/core/config.js';
import type { MessageHeaders } from '../../lib/core/kafka-message.js';
import { buildMskEvent, type KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import { activityRecords } from '../../local/fixtures/index.js';

const FIXTURES = ['msk-documented.json', 'msk-powertools.json'] as const;
const load = (name: string): MSKEvent =>
  JSON.parse(readFileSync(new URL(`../support/events/${name}`, import.meta.url), 'utf8')) as MSKEvent;

const EVENT_KEYS = ['bootstrapServers', 'eventSource', 'eventSourceArn', 'records'];
/** A record without a key carries no `key` (as in Powertools' fixture); a tombstone carries no `value`. */
const RECORD_KEYS = ['headers', 'offset', 'partition', 'timestamp', 'timestampType', 'topic'];
const OPTIONAL_RECORD_KEYS = ['key', 'value'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Every way `event` departs from the documented MSK event shape, written out from the documentation, not from our
 * builder.
 */
function shapeProblems(event: unknown): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!isObject(event)) return ['the event is not an object'];
  const keys = Object.keys(event).sort();
  if (keys.join() !== EVENT_KEYS.join()) problems.push(`event keys ${keys.join()}`);
  if (event.eventSource !== 'aws:kafka') problems.push(`eventSource ${String(event.eventSource)}`);
  if (typeof event.eventSourceArn !== 'string' || !event.eventSourceArn.startsWith('arn:aws:kafka:'))
    problems.push('eventSourceArn');
  if (
    typeof event.bootstrapServers !== 'string' ||
    !event.bootstrapServers.split(',').every((s) => /^[^,:\s]+:\d+$/.test(s))
  ) {
    problems.push('bootstrapServers is not a comma-separated list of host:port');
  }
  if (!isObject(event.records)) return [...problems, 'records is not an object'];
  for (const [group, records] of Object.entries(event.records)) {
    if (!Array.isArray(records) || records.length === 0) {
      problems.push(`${group}: not a non-empty array`);
      continue;
    }
    for (const [i, record] of (records as unknown[]).entries()) {
      const at = `${group}[${i}]`;
      if (!isObject(record)) {
        problems.push(`${at}: not an object`);
        continue;
      }
      const required = Object.keys(record).filter((k) => !OPTIONAL_RECORD_KEYS.includes(k));
      if (required.sort().join() !== RECORD_KEYS.join())
        problems.push(`${at}: keys ${Object.keys(record).sort().join()}`);
      if (typeof record.topic !== 'string' || `${record.topic}-${String(record.partition)}` !== group)
        problems.push(`${at}: not under "<topic>-<partition>"`);
      for (const field of ['partition', 'offset', 'timestamp'])
        if (!isCount(record[field])) problems.push(`${at}: ${field} is not a whole number`);
      if (record.timestampType !== 'CREATE_TIME' && record.timestampType !== 'LOG_APPEND_TIME')
        problems.push(`${at}: timestampType`);
      for (const field of OPTIONAL_RECORD_KEYS) {
        if (field in record && (typeof record[field] !== 'string' || !BASE64.test(record[field])))
          problems.push(`${at}: ${field} is not base64 text`);
      }
      if (!Array.isArray(record.headers)) problems.push(`${at}: headers is not an array`);
      else
        for (const header of record.headers as unknown[]) {
          const entries = isObject(header) ? Object.entries(header) : [];
          const bytes = entries[0]?.[1];
          const isBytes =
            Array.isArray(bytes) &&
            bytes.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255);
          if (entries.length !== 1 || !isBytes) problems.push(`${at}: a header is not one {name: [bytes]} object`);
        }
    }
  }
  return problems;
}

/** The Kafka records a fixture describes, read back from it by hand: bytes from base64, headers in order. */
function recordsIn(event: MSKEvent): KafkaRecord[] {
  return Object.values(event.records).flatMap((records) =>
    records.map((r) => {
      const headers: MessageHeaders = r.headers.flatMap((h) =>
        Object.entries(h).map(([name, bytes]): [string, Buffer] => [name, Buffer.from(bytes)]),
      );
      const record: KafkaRecord = {
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: r.timestamp,
        timestampType: r.timestampType,
        value: Buffer.from(r.value, 'base64'),
        headers,
      };
      if (r.key !== undefined) record.key = Buffer.from(r.key, 'base64');
      return record;
    }),
  );
}

describe('MSK events in the documented shape', () => {
  it.each(FIXTURES)('%s has that shape, as the check reads it', (name) => {
    expect(shapeProblems(load(name))).toEqual([]);
  });

  it.each([
    [
      'a partition given as text',
      (r: Record<string, unknown>) => (r.partition = '0'),
      'partition is not a whole number',
    ],
    [
      'a header value as base64 text, not bytes',
      (r: Record<string, unknown>) => (r.headers = [{ source: 'd2Vi' }]),
      'a header is not one',
    ],
    ['a value that is not base64', (r: Record<string, unknown>) => (r.value = '{"user_id":1}'), 'value is not base64'],
    ['a key sent as null', (r: Record<string, unknown>) => (r.key = null), 'key is not base64'],
    ['a field AWS does not send', (r: Record<string, unknown>) => (r.leaderEpoch = 0), 'leaderEpoch'],
  ])('the check finds %s', (_, change, problem) => {
    const event = load('msk-documented.json');
    change(event.records['activity-0']![0] as unknown as Record<string, unknown>);
    expect(shapeProblems(event).join('; ')).toContain(problem);
  });

  it.each(FIXTURES)('our builder, given the records %s describes, builds exactly that event', (name) => {
    const fixture = load(name);
    const built = buildMskEvent(recordsIn(fixture), {
      eventSourceArn: fixture.eventSourceArn,
      bootstrapServers: fixture.bootstrapServers,
    });
    // Strict: no field the fixture lacks, not even one left undefined.
    expect(built).toStrictEqual(fixture);
    expect(shapeProblems(JSON.parse(JSON.stringify(built)))).toEqual([]);
  });

  it('our builder keeps that shape for what the fixtures lack: null keys, tombstones, several partitions', () => {
    const records: KafkaRecord[] = [
      ...activityRecords(40, 10, { partitions: 3 }),
      { topic: 'activity', partition: 1, offset: 900, value: null, key: '1001' },
      {
        topic: 'activity',
        partition: 2,
        offset: 901,
        value: '{}',
        key: null,
        headers: { trace: ['x', Buffer.from([0, 255])] },
      },
    ];
    const event = buildMskEvent(records, {
      eventSourceArn: load('msk-documented.json').eventSourceArn,
      bootstrapServers: 'localhost:9092',
    });
    expect(Object.keys(event.records).sort()).toEqual(['activity-0', 'activity-1', 'activity-2']);
    expect(shapeProblems(JSON.parse(JSON.stringify(event)))).toEqual([]);
  });

  it('the scorer reads the documented event as the activities it holds', () => {
    const decoded = Object.values(load('msk-powertools.json').records)
      .flat()
      .map((r) => decodeActivity(r, DEFAULT_SCORE_WEIGHTS));
    expect(
      decoded.map((d) =>
        d.ok ? [d.activity.userId, d.activity.activity, d.activity.brokerTimestamp] : d.rejection.reason,
      ),
    ).toEqual([
      ['77', 'message.private', false],
      ['u-78', 'profile.picture.like', false],
      ['79', 'profile.view', true],
    ]);
  });
});
