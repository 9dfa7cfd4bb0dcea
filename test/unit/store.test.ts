import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { combineByUser } from '../../lib/core/user-deltas.js';
import { MAX_PARTITIONS_PER_WRITE, newestAttribute, offsetAttribute, updateExpressions } from '../../lib/adapters/store.js';

// DynamoDB refuses any expression string over 4 KB.
const EXPRESSION_LIMIT = 4096;

describe('updateExpressions', () => {
  // The longest: the most partitions one write takes, with the largest numbers in every name and value.
  const user = combineByUser(
    Array.from({ length: MAX_PARTITIONS_PER_WRITE }, (_, i) => ({
      userId: 'u',
      activity: 'x',
      score: 1_000_000,
      topic: 'activity',
      partition: 100_000 + i,
      offset: Number.MAX_SAFE_INTEGER - i,
      timestamp: 8_640_000_000_000_000,
    })),
  ).get('u')!;
  const stored: Record<string, AttributeValue> = {};
  for (const span of user.spans.values()) {
    stored[offsetAttribute(span.topic, span.partition)] = { N: String(Number.MAX_SAFE_INTEGER) };
    stored[newestAttribute(span.topic, span.partition)] = { N: '8640000000000000' };
  }

  it.each([
    ['first attempt', undefined],
    ['re-cut', stored],
  ])('stays within 4 KB per expression at %s', (_name, expected) => {
    const { update, condition } = updateExpressions(user, expected);
    expect(Buffer.byteLength(update)).toBeLessThan(EXPRESSION_LIMIT);
    expect(Buffer.byteLength(condition)).toBeLessThan(EXPRESSION_LIMIT);
  });
});
