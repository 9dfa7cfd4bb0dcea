// DynamoDB's billing arithmetic, as its developer guide states it ("DynamoDB item sizes and formats",
// "DynamoDB read and write operations"): what an item weighs and what a write or a scan page costs.
// The capacity bench sets these against what DynamoDB Local reports; the cost model extrapolates with them.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export const WRITE_UNIT_BYTES = 1024;
export const READ_UNIT_BYTES = 4096;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * A number's stored size. DynamoDB documents "one byte per two significant digits, plus one"; the
 * digits pair up from the decimal point (120 is 01|20, two pairs, where 1200 is 12|00, one), and a
 * negative number takes one byte more, zero one byte in all: what DynamoDB Local reports when
 * items are written across a kilobyte boundary (test/unit/dynamo-units.test.ts).
 */
export function numberBytes(text: string): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (m === null) throw new Error(`numberBytes: ${JSON.stringify(text)} is not a number`);
  const digits = (m[2] ?? '') + (m[3] ?? '');
  const point = (m[2] ?? '').length + Number(m[4] ?? 0);
  // Whole and fractional digits, each padded to pairs aligned on the decimal point.
  const whole = point <= 0 ? '' : digits.slice(0, point).padEnd(point, '0');
  const fraction = point >= 0 ? digits.slice(point) : '0'.repeat(-point) + digits;
  const pairs = (whole.length % 2 === 1 ? '0' : '') + whole + fraction + (fraction.length % 2 === 1 ? '0' : '');
  const significant = pairs.replace(/^(00)+/, '').replace(/(00)+$/, '');
  if (significant === '') return 1;
  return significant.length / 2 + 1 + (m[1] === '-' ? 1 : 0);
}

export function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + numberBytes(s), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.length, 0);
  // A list or map: 3 bytes of its own, and 1 more per element.
  if (value.L !== undefined) return 3 + value.L.reduce((n, v) => n + 1 + valueBytes(v), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((n, [k, v]) => n + 1 + utf8(k) + valueBytes(v), 0);
  throw new Error(`valueBytes: an attribute value of no known type (${JSON.stringify(value)})`);
}

/** An item's size: every attribute's name and value. */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += utf8(name) + valueBytes(value);
  return bytes;
}

/**
 * Write units of a PutItem or UpdateItem: the larger of the item before and after, in whole kilobytes, at least one.
 */
export function writeUnits(beforeBytes: number, afterBytes: number): number {
  return Math.max(1, Math.ceil(Math.max(beforeBytes, afterBytes) / WRITE_UNIT_BYTES));
}

/**
 * Read units of one Scan or Query page: its items' sizes summed, rounded up to 4 KB, halved for an eventually
 * consistent read.
 */
export function pageReadUnits(pageBytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(pageBytes / READ_UNIT_BYTES));
  return consistent ? units : units / 2;
}
