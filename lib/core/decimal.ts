// Percentiles as the decimals operators write, not as binary fractions: 99.99 is 9999/10^2 exactly.

/** A non-negative decimal number as integer digits over a power of ten: value = digits / 10^scale. */
export interface Decimal {
  digits: bigint;
  scale: number;
}

const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/** Parses "95", "99.99", "0.05" or "1e-7"; undefined for anything else (signs, hex, blanks). */
export function parseDecimal(text: string): Decimal | undefined {
  const match = DECIMAL_TEXT.exec(text);
  if (match === null) return undefined;
  const [, whole, fraction = '', exponent = '0'] = match;
  let digits = BigInt(whole! + fraction);
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  // Canonical form: no trailing zeros in the fraction, so equal values compare equal.
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale--;
  }
  return { digits, scale };
}

/**
 * The exact decimal a double stands for when written shortest (JavaScript's own String(n)): for a
 * number parsed from at most 15 significant digits that is the text it was parsed from.
 */
export function decimalOf(n: number): Decimal {
  const parsed = Number.isFinite(n) && n >= 0 ? parseDecimal(String(n)) : undefined;
  if (parsed === undefined) throw new RangeError(`${n} is not a finite non-negative number`);
  return parsed;
}

export function sameDecimal(a: Decimal, b: Decimal): boolean {
  return a.digits === b.digits && a.scale === b.scale;
}

/** ceil(a / b) for positive b. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return a >= 0n ? (a + b - 1n) / b : a / b;
}
