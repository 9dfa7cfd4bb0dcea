import { errorMessage } from './errors.js';
import type { EncodedRecord } from './kafka-message.js';

/** Largest record value accepted, in bytes once decoded. */
export const MAX_VALUE_BYTES = 64 * 1024;
const MAX_USER_ID_CHARS = 128;

/**
 * Every reason a record is refused for: the one list the dead letters' reason and the metrics' `reason` dimension take.
 */
export const REJECTION_REASONS = [
  'tombstone',
  'too_large',
  'bad_base64',
  'bad_utf8',
  'bad_json',
  'not_an_object',
  'missing_user_id',
  'bad_user_id',
  'missing_activity',
  'unknown_activity',
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

const KNOWN_REASONS: ReadonlySet<string> = new Set(REJECTION_REASONS);

export function isRejectionReason(value: string): value is RejectionReason {
  return KNOWN_REASONS.has(value);
}

/** Where a record sits in Kafka: enough to find it again and to order it within its partition. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: number;
}

export interface Activity extends RecordPosition {
  /** Integer ids become their decimal string, so 1234 and "1234" are one user. */
  userId: string;
  activity: string;
  score: number;
  /**
   * The record's timestamp in ms, or -1 when it has none (or a negative one): tells a restarted log from a redelivery.
   */
  timestamp: number;
  /** The broker set the timestamp (the topic's LogAppendTime): on a copied log it says when the copy was made. */
  brokerTimestamp: boolean;
}

export interface Rejection {
  reason: RejectionReason;
  detail: string;
  record: EncodedRecord;
}

export type Decoded = { ok: true; activity: Activity } | { ok: false; rejection: Rejection };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}
const utf8 = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Turns one Kafka record from an MSK event into a scored activity, or says why it cannot. */
export function decodeActivity(record: EncodedRecord, weights: Readonly<Record<string, number>>): Decoded {
  const reject = (reason: RejectionReason, detail: string): Decoded => ({
    ok: false,
    rejection: { reason, detail, record },
  });
  const encoded: unknown = record.value;
  if (encoded === undefined || encoded === null) return reject('tombstone', 'record has no value');
  if (typeof encoded !== 'string') return reject('bad_base64', `value is a ${typeof encoded}, not a base64 string`);
  // Checked before decoding so a huge value costs nothing but this comparison.
  if (encoded.length > Math.ceil(MAX_VALUE_BYTES / 3) * 4)
    return reject('too_large', `value is over ${MAX_VALUE_BYTES} bytes`);
  if (!isBase64(encoded)) return reject('bad_base64', 'value is not valid base64');
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length > MAX_VALUE_BYTES)
    return reject('too_large', `value is ${bytes.length} bytes, over ${MAX_VALUE_BYTES}`);
  if (bytes.length === 0) return reject('tombstone', 'record value is empty');

  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject('bad_utf8', 'value is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return reject('bad_json', `value is not JSON: ${errorMessage(err)}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return reject(
      'not_an_object',
      `value is ${body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`}, not an object`,
    );
  }
  const fields = body as Record<string, unknown>;

  if (!Object.hasOwn(fields, 'user_id')) return reject('missing_user_id', 'no user_id field');
  const userId = normaliseUserId(fields.user_id);
  if (userId === undefined) {
    return reject(
      'bad_user_id',
      `user_id must be an integer or a string of 1-${MAX_USER_ID_CHARS} characters, got ${describe(fields.user_id)}`,
    );
  }

  if (!Object.hasOwn(fields, 'activity')) return reject('missing_activity', 'no activity field');
  const activity = fields.activity;
  if (typeof activity !== 'string' || !Object.hasOwn(weights, activity)) {
    return reject(
      'unknown_activity',
      `activity ${describe(activity)} is not one of ${Object.keys(weights).join(', ')}`,
    );
  }

  return {
    ok: true,
    activity: {
      userId,
      activity,
      score: weights[activity]!,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: Number.isSafeInteger(record.timestamp) && record.timestamp >= 0 ? record.timestamp : -1,
      brokerTimestamp: record.timestampType === 'LOG_APPEND_TIME',
    },
  };
}

function normaliseUserId(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value === 'string') {
    // A lone surrogate (from a JSON escape such as "\ud800") has no UTF-8 form: DynamoDB would refuse the key and block
    // the batch.
    if (LONE_SURROGATE.test(value)) return undefined;
    // oxlint-disable-next-line typescript/no-misused-spread -- code points are what the 128-character limit counts
    const chars = [...value].length;
    return chars >= 1 && chars <= MAX_USER_ID_CHARS ? value : undefined;
  }
  return undefined;
}

/** A short description of an offending value; never walks into nested structures, which may be deep. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return typeof value;
  const text =
    typeof value === 'string' ? JSON.stringify(value.length > 60 ? value.slice(0, 60) : value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
