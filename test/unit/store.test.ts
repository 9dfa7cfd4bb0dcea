import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { combineByUser, partitionKey } from '../../lib/core/user-deltas.js';
import type { StoredPosition } from '../../lib/core/positions.js';
import { MAX_PARTITIONS_PER_WRITE, updateExpressions } from '../../lib/adapters/store.js';
import { windowAttribute, positionAttribute } from '../../lib/adapters/score-item.js';
import { windowPlan } from '../../lib/core/window-sums.js';
import { dayOf } from '../../lib/core/utc-days.js';

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

  // With the longest window, events on every day, and an item whose every window sum a re-cut must remove.
  const NOW = Date.UTC(2026, 10, 25, 23, 30);
  const plan = windowPlan(90, NOW)!;
  const everyDay = combineByUser(
    Array.from({ length: MAX_PARTITIONS_PER_WRITE * 3 }, (_, i) => ({
      userId: 'u',
      activity: 'x',
      score: 1_000_000,
      topic: 'activity',
      partition: 100_000 + (i % MAX_PARTITIONS_PER_WRITE),
      offset: Number.MAX_SAFE_INTEGER - i,
      timestamp: NOW + 3_000_000 - i * 86_400_000,
      brokerTimestamp: true,
    })),
  ).get('u')!;
  const stale: Record<string, AttributeValue> = { ...item, wlo: { S: '2025-01-01' } };
  for (let d = 0; d < 92; d++)
    stale[windowAttribute(90, dayOf(NOW) - 400 - d)] = { N: String(Number.MAX_SAFE_INTEGER) };

  it.each([
    ['first attempt', undefined],
    ['re-cut', { item: stale, positions }],
  ])(
    'stays within 4 KB per expression at %s with TRENDING_DAYS=90 and 92 window sums to add and remove',
    (_name, recut) => {
      const { update, condition } = updateExpressions(everyDay, recut, plan);
      expect(update.match(/#\d+ :\d+/g)!.length).toBe(93); // the score and every kept run day: yesterday to 90 days on
      if (recut !== undefined) expect(update).toMatch(/REMOVE (#\d+, ){91}#\d+$/);
      expect(Buffer.byteLength(update)).toBeLessThan(EXPRESSION_LIMIT);
      expect(Buffer.byteLength(condition)).toBeLessThan(EXPRESSION_LIMIT);
    },
  );

  // Every value is serialised, signed and parsed per request: one that appears twice in the expressions is sent once.
  it('sends each distinct value once, however often the expressions use it', () => {
    const one = combineByUser([
      {
        userId: 'u',
        activity: 'x',
        score: 2,
        topic: 'activity',
        partition: 3,
        offset: 1000,
        timestamp: 1_764_480_000_000,
        brokerTimestamp: false,
      },
      {
        userId: 'u',
        activity: 'x',
        score: 1,
        topic: 'activity',
        partition: 3,
        offset: 1004,
        timestamp: 1_764_480_000_500,
        brokerTimestamp: false,
      },
    ]).get('u')!;
    const { update, condition, values } = updateExpressions(one, undefined, windowPlan(7, 1_764_480_000_500));
    const sent = Object.values(values).map((v) => JSON.stringify(v));
    expect(new Set(sent).size).toBe(sent.length);
    // The newest timestamp is both compared and stored, under one placeholder.
    const newest = Object.entries(values).find(([, v]) => v.N === '1764480000500')![0];
    expect(condition).toContain(`> ${newest}`);
    expect(update).toContain(`= ${newest}`);
    // And no placeholder is left unused, which DynamoDB refuses.
    for (const placeholder of Object.keys(values))
      expect(`${update} ${condition}`).toMatch(new RegExp(`${placeholder}\\b`));
  });
});
