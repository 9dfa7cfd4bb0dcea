// Reads a Scan response's items straight from its bytes into a ScorePage: no object per item or
// attribute. Only what the job's projection brings is understood (string and number values); anything
// else makes the reader give up, and the caller parses the body with JSON.parse instead.
import type { ScorePage } from '../core/score-source.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const ITEMS_KEY = Buffer.from('"Items":');

class Unreadable extends Error {}

export interface ReadPage {
  page: ScorePage;
  /** Items in the response, the unscored ones included. */
  items: number;
  /** The body without its items (`"Items":[]`): what is left for the SDK to read. */
  rest: Buffer;
}

/**
 * The users, scores and (with `windows`, the window sums' attribute names) window sums of a Scan response
 * body, exactly as JSON.parse and the attribute reads would give them; undefined when the body holds
 * anything this reader does not understand.
 */
export function readScorePage(
  body: Buffer,
  userKey: string,
  scoreKey: string,
  windows: readonly string[] | undefined,
): ReadPage | undefined {
  const at = body.indexOf(ITEMS_KEY);
  if (at < 0) return undefined;
  try {
    return new PageReader(body, userKey, scoreKey, windows).read(at + ITEMS_KEY.length);
  } catch (err) {
    if (err instanceof Unreadable) return undefined;
    throw err;
  }
}

class PageReader {
  private pos = 0;
  /** The last string read: its bytes between the quotes, and whether it holds an escape (no tuple per string). */
  private start = 0;
  private end = 0;
  private escaped = false;
  private readonly user: Buffer;
  private readonly score: Buffer;
  private readonly windows: Buffer[];

  constructor(
    private readonly buf: Buffer,
    userKey: string,
    scoreKey: string,
    private readonly windowNames: readonly string[] | undefined,
  ) {
    this.user = Buffer.from(userKey);
    this.score = Buffer.from(scoreKey);
    this.windows = (windowNames ?? []).map((name) => Buffer.from(name));
  }

  read(from: number): ReadPage {
    const { buf } = this;
    this.pos = from;
    this.expect(OPEN_ARRAY);
    const arrayStart = this.pos - 1;
    const userIds: string[] = [];
    const scores: number[] = [];
    const windowScores: number[] = [];
    let items = 0;
    if (this.peek() === CLOSE_ARRAY) this.pos++;
    else {
      for (;;) {
        items++;
        this.item(userIds, scores, windowScores);
        const next = this.next();
        if (next === CLOSE_ARRAY) break;
        if (next !== COMMA) throw new Unreadable();
      }
    }
    const rest = Buffer.concat([buf.subarray(0, arrayStart), Buffer.from('[]'), buf.subarray(this.pos)]);
    const page: ScorePage = this.windowNames === undefined ? { userIds, scores } : { userIds, scores, windowScores };
    return { page, items, rest };
  }

  private item(userIds: string[], scores: number[], windowScores: number[]): void {
    this.expect(OPEN_OBJECT);
    let userId: string | undefined;
    let score: number | undefined;
    let window = 0;
    if (this.peek() === CLOSE_OBJECT) this.pos++;
    else {
      for (;;) {
        this.name();
        const nameStart = this.start;
        const nameEnd = this.end;
        this.expect(COLON);
        this.expect(OPEN_OBJECT);
        this.name();
        this.expect(COLON);
        const type = this.end - this.start === 1 ? this.buf[this.start] : undefined;
        // S and N only: any other type (a map, a list, binary) is left to JSON.parse.
        if (type !== 0x53 && type !== 0x4e) throw new Unreadable();
        this.string();
        const valueStart = this.start;
        const valueEnd = this.end;
        const escaped = this.escaped;
        if (escaped && type === 0x4e) throw new Unreadable();
        this.expect(CLOSE_OBJECT);
        if (this.same(nameStart, nameEnd, this.user)) {
          userId = type === 0x53 ? this.text(valueStart, valueEnd, escaped) : undefined;
        } else if (this.same(nameStart, nameEnd, this.score)) {
          score = type === 0x4e ? this.number(valueStart, valueEnd) : undefined;
        } else if (type === 0x4e) {
          for (const name of this.windows) {
            if (!this.same(nameStart, nameEnd, name)) continue;
            const n = this.number(valueStart, valueEnd);
            if (Number.isFinite(n)) window += n;
            break;
          }
        }
        const next = this.next();
        if (next === CLOSE_OBJECT) break;
        if (next !== COMMA) throw new Unreadable();
      }
    }
    if (userId === undefined || score === undefined || !Number.isFinite(score)) return;
    userIds.push(userId);
    scores.push(score);
    if (this.windowNames !== undefined) windowScores.push(window);
  }

  private peek(): number | undefined {
    this.skipSpace();
    return this.buf[this.pos];
  }

  private next(): number | undefined {
    this.skipSpace();
    return this.buf[this.pos++];
  }

  private expect(byte: number): void {
    if (this.next() !== byte) throw new Unreadable();
  }

  private skipSpace(): void {
    const { buf } = this;
    let c = buf[this.pos];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buf[++this.pos];
  }

  /** An attribute name or type: names with escapes are left to JSON.parse. */
  private name(): void {
    this.string();
    if (this.escaped) throw new Unreadable();
  }

  /** Reads a string: its bytes between the quotes, and whether it holds an escape. */
  private string(): void {
    this.expect(QUOTE);
    const { buf } = this;
    let pos = this.pos;
    const start = pos;
    let escaped = false;
    for (;;) {
      const c = buf[pos];
      if (c === undefined) throw new Unreadable();
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        pos += 2;
      } else pos++;
    }
    this.start = start;
    this.end = pos;
    this.escaped = escaped;
    this.pos = pos + 1;
  }

  private same(start: number, end: number, name: Buffer): boolean {
    if (end - start !== name.length) return false;
    const { buf } = this;
    for (let i = name.length - 1; i >= 0; i--) if (buf[start + i] !== name[i]) return false;
    return true;
  }

  private text(start: number, end: number, escaped: boolean): string {
    // JSON's own escapes decoded by JSON itself.
    return escaped
      ? (JSON.parse(this.buf.toString('utf8', start - 1, end + 1)) as string)
      : this.buf.toString('utf8', start, end);
  }

  /** Plain integers of up to 15 digits are summed digit by digit (exact); anything else goes through Number. */
  private number(start: number, end: number): number {
    const { buf } = this;
    const negative = buf[start] === MINUS;
    const from = negative ? start + 1 : start;
    if (end - from >= 1 && end - from <= 15) {
      let n = 0;
      let i = from;
      for (; i < end; i++) {
        const d = buf[i]! - ZERO;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
      if (i === end) return negative ? -n : n;
    }
    return Number(buf.toString('latin1', start, end));
  }
}
