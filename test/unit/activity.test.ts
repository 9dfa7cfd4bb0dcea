import { describe, expect, it } from 'vitest';
import { decodeActivity, MAX_VALUE_BYTES } from '../../lib/core/activity.js';
import { DEFAULT_SCORE_WEIGHTS } from '../../lib/core/config.js';
import { toMskRecord } from '../../local/event-source-mapping/msk-event.js';
import type { MSKRecord } from 'aws-lambda';

const at = { topic: 'activity', partition: 2, offset: 41, timestamp: 1_700_000_000_000 };
const recordOf = (value: string | Buffer | null): MSKRecord => toMskRecord({ ...at, value });
const decode = (value: string | Buffer | null) => decodeActivity(recordOf(value), DEFAULT_SCORE_WEIGHTS);
const reasonOf = (value: string | Buffer | null) => {
  const d = decode(value);
  return d.ok ? 'accepted' : d.rejection.reason;
};

describe('decodeActivity', () => {
  it('scores a valid event and keeps its position', () => {
    const d = decode('{"user_id": 1234, "activity": "message.private"}');
    expect(d).toEqual({
      ok: true,
      activity: { userId: '1234', activity: 'message.private', score: 3, ...at, brokerTimestamp: false },
    });
  });

  it('marks a timestamp the broker set (LogAppendTime), and keeps a negative one as unknown', () => {
    const body = '{"user_id": 1, "activity": "profile.view"}';
    const appended = decodeActivity(
      toMskRecord({ ...at, value: body, timestampType: 'LOG_APPEND_TIME' }),
      DEFAULT_SCORE_WEIGHTS,
    );
    expect(appended.ok && appended.activity).toMatchObject({ timestamp: at.timestamp, brokerTimestamp: true });
    const negative = decodeActivity(toMskRecord({ ...at, value: body, timestamp: -5 }), DEFAULT_SCORE_WEIGHTS);
    expect(negative.ok && negative.activity.timestamp).toBe(-1);
  });

  it('keeps a timestamp that is not a safe integer as unknown (-1) rather than failing the write', () => {
    const d = decodeActivity(
      { ...recordOf('{"user_id": 1, "activity": "profile.view"}'), timestamp: Number.NaN },
      DEFAULT_SCORE_WEIGHTS,
    );
    expect(d.ok && d.activity.timestamp).toBe(-1);
  });

  it('treats an integer id and its decimal string as the same user', () => {
    const a = decode('{"user_id": 77, "activity": "profile.view"}');
    const b = decode('{"user_id": "77", "activity": "profile.view"}');
    expect(a.ok && b.ok && a.activity.userId === b.activity.userId).toBe(true);
  });

  it('accepts string ids up to 128 characters, counting unicode characters', () => {
    expect(reasonOf(JSON.stringify({ user_id: 'é'.repeat(128), activity: 'profile.view' }))).toBe('accepted');
    expect(reasonOf(JSON.stringify({ user_id: '😀'.repeat(128), activity: 'profile.view' }))).toBe('accepted');
    expect(reasonOf(JSON.stringify({ user_id: 'x'.repeat(129), activity: 'profile.view' }))).toBe('bad_user_id');
  });

  it.each([
    ['tombstone (no value)', null, 'tombstone'],
    ['empty value', '', 'tombstone'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'bad_utf8'],
    ['not JSON', '{user_id: 1', 'bad_json'],
    ['a JSON array', '[1, 2]', 'not_an_object'],
    ['a JSON string', '"hello"', 'not_an_object'],
    ['JSON null', 'null', 'not_an_object'],
    ['no user_id', '{"activity": "profile.view"}', 'missing_user_id'],
    ['a fractional user_id', '{"user_id": 1.5, "activity": "profile.view"}', 'bad_user_id'],
    ['an unsafe integer user_id', '{"user_id": 12345678901234567890, "activity": "profile.view"}', 'bad_user_id'],
    ['an empty string user_id', '{"user_id": "", "activity": "profile.view"}', 'bad_user_id'],
    ['a boolean user_id', '{"user_id": true, "activity": "profile.view"}', 'bad_user_id'],
    ['an object user_id', '{"user_id": {"id": 1}, "activity": "profile.view"}', 'bad_user_id'],
    ['a null user_id', '{"user_id": null, "activity": "profile.view"}', 'bad_user_id'],
    ['a user_id with a lone surrogate', '{"user_id": "ab\\ud800", "activity": "profile.view"}', 'bad_user_id'],
    ['no activity', '{"user_id": 1}', 'missing_activity'],
    ['an unknown activity', '{"user_id": 1, "activity": "profile.poke"}', 'unknown_activity'],
    ['an inherited property name as activity', '{"user_id": 1, "activity": "constructor"}', 'unknown_activity'],
    ['a numeric activity', '{"user_id": 1, "activity": 3}', 'unknown_activity'],
  ])('rejects %s', (_name, value, reason) => {
    expect(reasonOf(value)).toBe(reason);
  });

  it('rejects a value that is not base64, and one over the size limit, without decoding it', () => {
    expect(decodeActivity({ ...recordOf('x'), value: 'not base64!' }, DEFAULT_SCORE_WEIGHTS)).toMatchObject({
      ok: false,
      rejection: { reason: 'bad_base64' },
    });
    expect(decodeActivity({ ...recordOf('x'), value: 'abc' }, DEFAULT_SCORE_WEIGHTS)).toMatchObject({
      ok: false,
      rejection: { reason: 'bad_base64' },
    });
    const huge = JSON.stringify({ user_id: 1, activity: 'profile.view', pad: 'x'.repeat(MAX_VALUE_BYTES) });
    expect(reasonOf(huge)).toBe('too_large');
    const justUnder = JSON.stringify({ user_id: 1, activity: 'profile.view', pad: '' });
    const pad = 'x'.repeat(MAX_VALUE_BYTES - justUnder.length);
    expect(reasonOf(JSON.stringify({ user_id: 1, activity: 'profile.view', pad }))).toBe('accepted');
  });

  it('survives deeply nested JSON within the size limit', () => {
    const deep = `{"user_id": 1, "activity": "profile.view", "x": ${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    expect(['accepted', 'bad_json']).toContain(reasonOf(deep));
  });

  it('takes the last of duplicate keys, as JSON.parse does', () => {
    const d = decode('{"user_id": 1, "activity": "bogus", "activity": "profile.view"}');
    expect(d.ok && d.activity.score).toBe(1);
  });

  it('uses configured weights', () => {
    const d = decodeActivity(recordOf('{"user_id": 5, "activity": "share"}'), { share: 10 });
    expect(d.ok && d.activity.score).toBe(10);
  });

  it('gives a readable detail with each rejection', () => {
    const d = decode('{"user_id": 1, "activity": "profile.poke"}');
    expect(d.ok ? '' : d.rejection.detail).toContain('"profile.poke" is not one of profile.picture.like');
  });
});

describe('decodeActivity on hostile values', () => {
  it('rejects a deeply nested user_id or activity without overflowing the stack', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    expect(reasonOf(`{"user_id": ${deep}, "activity": "profile.view"}`)).toBe('bad_user_id');
    expect(reasonOf(`{"user_id": 1, "activity": {"a": ${deep}}}`)).toBe('unknown_activity');
  });
});
