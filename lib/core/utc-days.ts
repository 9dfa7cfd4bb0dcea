// Event time in whole UTC days, the unit the trending window and the scorer's window sums count in.
// A day is a number (days since 1970-01-01) for arithmetic, and its YYYY-MM-DD name where it is stored
// or published.

export const DAY_MS = 86_400_000;
/** The last millisecond a JavaScript Date can hold; a later timestamp has no calendar day. */
const LAST_DATE_MS = 8.64e15;

/** The UTC day a timestamp (ms since the epoch, not negative) falls on. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** YYYY-MM-DD of a day; the day must be one a Date can hold (from year 1970 to 275760). */
export function dayName(day: number): string {
  const ms = day * DAY_MS;
  if (!Number.isSafeInteger(day) || ms < 0 || ms > LAST_DATE_MS)
    throw new RangeError(`day ${day} has no calendar date`);
  return new Date(ms).toISOString().slice(0, 10);
}

const DAY_NAME = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day a YYYY-MM-DD name stands for; undefined for anything else, including dates that do not exist. */
export function dayFromName(name: string): number | undefined {
  const match = DAY_NAME.exec(name);
  if (match === null) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  const day = ms / DAY_MS;
  return dayName(day) === name ? day : undefined;
}
