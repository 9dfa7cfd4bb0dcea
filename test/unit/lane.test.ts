import { describe, expect, it } from 'vitest';
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { Lane } from '../../local/event-source-mapping/lane.js';

const record = (offset: number): ConsumedMessage => ({
  topic: 'activity',
  partition: 0,
  offset,
  timestamp: 1_700_000_000_000 + offset,
  key: null,
  value: Buffer.from(String(offset)),
  headers: [],
  leaderEpoch: 0,
});
const offsets = (records: ConsumedMessage[]) => records.map((r) => r.offset);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("a partition's lane in the stand-in", () => {
  it('holds each record once when a stream opened again after a failed fetch sends from the last commit', () => {
    const lane = new Lane(0);
    for (const offset of range(0, 100)) lane.add(record(offset));
    // The broker went away; the new stream starts again at the last commit, offset 0.
    for (const offset of range(0, 130)) lane.add(record(offset));
    expect(offsets(lane.batch(1000))).toEqual(range(0, 130));
  });

  it('refuses records it handed over, and lets them go, even when they come again after being taken', () => {
    const lane = new Lane(0);
    for (const offset of range(0, 50)) lane.add(record(offset));
    expect(offsets(lane.batch(20))).toEqual(range(0, 20));
    lane.delivered(19);
    for (const offset of range(10, 60)) lane.add(record(offset));
    expect(offsets(lane.batch(1000))).toEqual(range(20, 60));
  });

  it('after a rebalance, takes what the new assignment sends, and still drops the batch in flight once it is taken', () => {
    const lane = new Lane(0);
    for (const offset of range(0, 50)) lane.add(record(offset));
    const inFlight = lane.batch(20);
    lane.clear();
    // The new generation's stream starts at the commit, before the batch in flight: 0 again.
    for (const offset of range(0, 30)) lane.add(record(offset));
    lane.delivered(inFlight.at(-1)!.offset);
    for (const offset of range(30, 40)) lane.add(record(offset));
    expect(offsets(lane.batch(1000))).toEqual(range(20, 40));
  });
});
