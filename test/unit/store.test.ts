import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { combineByUser, partitionKey } from '../../lib/core/user-deltas.js';
import type { StoredPosition } from '../../lib/core/positions.js';
import { MAX_PARTITIONS_PER_WRITE, updateExpressions } from '../../lib/adapters/store.js';
import { positionAttribute } from '../../lib/adapters/score-item.js';

// DynamoDB refuses any expression string over 4 KB.
const EXPRESSION_LIMIT = 4096;
const LATEST = 8_640_000_000_000_000;

describe('updateExpressions', () => {
  // The longest: the most partitions one write takes, with the largest numbers in every name and value,
  // timestamps the broker set (so the first attempt also guards where copies land), a log that started again.
  const user = combineByUser(
    Array.from({ length: MAX_PARTITIONS_PER_WRITE }, (_, i) => ({
      userId: 'u',
      activity: 'x',
      score: 1_000_000,
      topic: 'activity',
      partition: 100_000 + i,
      offset: Number.MAX_SAFE_INTEGER - i,
      timestamp: LATEST,
      brokerTimestamp: true,
    })),
  ).get('u')!;
  const item: Record<string, AttributeValue> = {};
  const positions = new Map<string, StoredPosition>();
  for (const span of user.spans.values()) {
    for (const field of ['offset', 'newest', 'previousOffset', 'previousNewest'] as const)
      item[positionAttribute(field, span.topic, span.partition)] = { N: String(Number.MAX_SAFE_INTEGER) };
    positions.set(partitionKey(span.topic, span.partition), {
      offset: Number.MAX_SAFE_INTEGER,
      newest: LATEST,
      previous: { offset: Number.MAX_SAFE_INTEGER, newest: LATEST },
    });
  }

  it.each([
    ['first attempt', undefined],
    ['re-cut', { item, positions }],
  ])('stays within 4 KB per expression at %s', (_name, recut) => {
    const { update, condition } = updateExpressions(user, recut);
    expect(Buffer.byteLength(update)).toBeLessThan(EXPRESSION_LIMIT);
    expect(Buffer.byteLength(condition)).toBeLessThan(EXPRESSION_LIMIT);
  });
});
