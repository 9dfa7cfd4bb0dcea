import { describe, expect, it } from 'vitest';
import { itemBytes, numberBytes, pageReadUnits, valueBytes, writeUnits } from '../../bench/dynamo-units.js';
import { positionAttribute } from '../../lib/adapters/score-item.js';

describe('item sizes as DynamoDB documents them', () => {
  // Each size below was checked against DynamoDB Local: an item that weighs 1,024 bytes by this
  // arithmetic costs one write unit, one byte more costs two.
  it.each([
    ['7', 2],
    ['12', 2],
    ['120', 3], // 01|20: digits pair up from the decimal point
    ['1200', 2], // 12|00, the zero pair trimmed
    ['12000', 3],
    ['1000042', 5],
    ['1767225600000', 6], // 01|76|72|25|60, a millisecond timestamp ending in zeros
    ['1767225600123', 8],
    ['0', 1],
    ['0.05', 2],
    ['0.0012', 2],
    ['5.5', 3],
    ['-5', 3], // a negative number takes a byte more
    ['-120', 4],
    ['1.2e2', 3],
  ])('the number %s weighs %i bytes', (n, bytes) => {
    expect(numberBytes(n)).toBe(bytes);
  });

  it('adds each name to its value, and 3 bytes plus 1 per element for a map or a list', () => {
    expect(valueBytes({ S: 'héllo' })).toBe(6);
    expect(valueBytes({ BOOL: true })).toBe(1);
    expect(valueBytes({ L: [{ N: '1' }, { S: 'ab' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(valueBytes({ M: { a: { N: '12' } } })).toBe(3 + 1 + 1 + 2);
    expect(itemBytes({ user_id: { S: '1042' }, score: { N: '237' } })).toBe(7 + 4 + 5 + 3);
  });

  it('weighs a scorer item with one topic-partition at about 50 bytes', () => {
    const item = {
      user_id: { S: '1042' },
      score: { N: '237' },
      [positionAttribute('offset', 'activity', 3)]: { N: '1000042' },
      [positionAttribute('newest', 'activity', 3)]: { N: String(Date.UTC(2026, 0, 1)) },
    };
    // 2026-01-01T00:00Z in milliseconds, 1767225600000, is five pairs: 6 bytes.
    expect(itemBytes(item)).toBe(19 + (12 + 5) + (12 + 6));
  });
});

describe('capacity units', () => {
  // The boundaries DynamoDB Local reported when tried: a 1,024-byte item costs 1 write unit, 1,025 bytes 2.
  it('charges writes by the larger of the item before and after, per started kilobyte', () => {
    expect(writeUnits(0, 40)).toBe(1);
    expect(writeUnits(0, 1024)).toBe(1);
    expect(writeUnits(0, 1025)).toBe(2);
    expect(writeUnits(1030, 11)).toBe(2); // shrinking an item still pays for what it was
    expect(writeUnits(2433, 2433)).toBe(3);
  });

  it('charges a scan page by its bytes per started 4 KB, halved when eventually consistent', () => {
    expect(pageReadUnits(5_350, false)).toBe(1);
    expect(pageReadUnits(4_096, true)).toBe(1);
    expect(pageReadUnits(4_097, true)).toBe(2);
    expect(pageReadUnits(0, false)).toBe(0.5);
  });
});
