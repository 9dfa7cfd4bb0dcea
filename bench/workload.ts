// Activity events for the scorer benchmark: users drawn uniformly (the seed's shape) or skewed
// (Zipf, s = 1: a few users produce most events, so a batch holds fewer distinct users).
import type { Message } from 'kafkajs';
import { DEFAULT_SCORE_WEIGHTS } from '../lib/config.js';
import type { KafkaRecord } from '../local/msk-event.js';
import { seededRandom } from '../local/generate.js';

export type UserShape = 'uniform' | 'skewed';

export interface ActivityEvent {
  userId: number;
  activity: string;
}

const FIRST_USER = 1000;
const ACTIVITIES = Object.keys(DEFAULT_SCORE_WEIGHTS);

export function activityEvents(count: number, users: number, shape: UserShape, seed: number): ActivityEvent[] {
  const random = seededRandom(seed);
  const pickUser = shape === 'uniform' ? () => Math.floor(random() * users) : zipfPicker(users, random);
  const events: ActivityEvent[] = [];
  for (let i = 0; i < count; i++) {
    events.push({ userId: FIRST_USER + pickUser(), activity: ACTIVITIES[Math.floor(random() * ACTIVITIES.length)]! });
  }
  return events;
}

/** Rank k (0-based) drawn with probability proportional to 1/(k+1), by binary search over the CDF. */
function zipfPicker(users: number, random: () => number): () => number {
  const cdf = new Float64Array(users);
  let total = 0;
  for (let k = 0; k < users; k++) cdf[k] = total += 1 / (k + 1);
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = users - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export function activityMessage(event: ActivityEvent): Message {
  return { key: String(event.userId), value: JSON.stringify({ user_id: event.userId, activity: event.activity }) };
}

/** Records as a topic with `partitions` partitions would hold them: keyed by user, consecutive offsets. */
export function asKafkaRecords(events: readonly ActivityEvent[], topic: string, partitions: number): KafkaRecord[] {
  const next = new Array<number>(partitions).fill(0);
  return events.map((event) => {
    const partition = event.userId % partitions;
    return {
      topic,
      partition,
      offset: next[partition]!++,
      key: String(event.userId),
      value: JSON.stringify({ user_id: event.userId, activity: event.activity }),
    };
  });
}

/** Distinct users among the events: the fewest writes any batching could reach. */
export function distinctUsers(events: readonly ActivityEvent[]): number {
  return new Set(events.map((e) => e.userId)).size;
}
