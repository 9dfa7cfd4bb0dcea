// Scores with a history: the seed's shape (uniform users, weights 1 to 3, heavy ties) spread over days,
// with a share of users joining along the way, so the last days' leaders are not all the old ones.
// For tests and benchmarks of the trending set, and tables loaded with the window sums a scorer keeps.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { windowAttribute } from '../../lib/adapters/score-item.js';
import { seededRandom } from './activity.js';

export interface DailyScores {
  /** Every user's all-time score. */
  allTime: Float64Array;
  /** Per day, oldest first, every user's score of that day. */
  perDay: Uint16Array[];
}

/** Of the users, this share joins on a day drawn uniformly from the history; the rest are there from the first day. */
const JOINING_LATER = 0.3;

/** users * eventsPerUser events over `days` days, each for a user drawn uniformly and on a day since they joined. */
export function seedShapedDays(users: number, days: number, seed = 1, eventsPerUser = 100): DailyScores {
  const rng = seededRandom(seed);
  const joined = new Uint16Array(users);
  for (let u = 0; u < users; u++) joined[u] = rng() < JOINING_LATER ? Math.floor(rng() * days) : 0;
  const allTime = new Float64Array(users);
  const perDay = Array.from({ length: days }, () => new Uint16Array(users));
  const events = users * eventsPerUser;
  for (let e = 0; e < events; e++) {
    const u = Math.floor(rng() * users);
    const day = joined[u]! + Math.floor(rng() * (days - joined[u]!));
    const weight = 1 + Math.floor(rng() * 3);
    allTime[u]! += weight;
    perDay[day]![u]! += weight;
  }
  return { allTime, perDay };
}

/** Every user's score over the last `days` days of the history (0 for users without events then). */
export function lastDaysSums(scores: DailyScores, days: number): Float64Array {
  const sums = new Float64Array(scores.allTime.length);
  for (const day of scores.perDay.slice(-days)) for (let u = 0; u < day.length; u++) sums[u]! += day[u]!;
  return sums;
}

/**
 * User i's window sums as a scorer with the clock on `today` (a UTC day number) keeps them for a
 * TRENDING_DAYS of `days`: the history's last day is today, and each kept run day, yesterday to
 * `days` days ahead, sums the history's days its window holds.
 */
export function windowAttributes(
  scores: DailyScores,
  today: number,
  days: number,
): (index: number) => Record<string, AttributeValue> {
  const last = scores.perDay.length - 1;
  const runs = Array.from({ length: days + 2 }, (_, k) => today - 1 + k);
  const names = runs.map((run) => windowAttribute(days, run));
  return (i) => {
    const item: Record<string, AttributeValue> = {};
    runs.forEach((run, k) => {
      let sum = 0;
      // History day h is the UTC day today - last + h.
      for (let day = run - days + 1; day <= run; day++) sum += scores.perDay[day - today + last]?.[i] ?? 0;
      if (sum > 0) item[names[k]!] = { N: String(sum) };
    });
    return item;
  };
}
