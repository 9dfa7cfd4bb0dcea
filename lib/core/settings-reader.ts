// Reads settings from an environment, remembering every problem instead of stopping at the first,
// so one run names them all, each with the setting and the fix.
import { decimalOf, parseDecimal, sameDecimal } from './decimal.js';
import { AppError } from './errors.js';

export type Env = Record<string, string | undefined>;

/** Settings a function or command cannot start with; the message lists every problem. */
export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export class SettingsReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** The setting's text, trimmed; undefined when unset or blank. */
  value(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  required(name: string, fix: string): string {
    const value = this.value(name);
    if (value === undefined) this.problems.push(`${name} is not set; ${fix}`);
    return value ?? '';
  }

  text(name: string, fallback: string): string {
    return this.value(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.value(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max) {
      this.problems.push(
        `${name}=${value} is not an integer from ${min} to ${max}; set it in that range or unset it for the default ${fallback}`,
      );
      return fallback;
    }
    return n;
  }

  number(name: string, fallback: number, isValid: (n: number) => boolean, range: string): number {
    const value = this.value(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || !isValid(n)) {
      this.problems.push(
        `${name}=${value} is not a number ${range}; set it in that range or unset it for the default ${fallback}`,
      );
      return fallback;
    }
    return n;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.value(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.problems.push(`${name}=${value} is not a boolean; set it to true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.value(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}=${value} is not one of ${allowed.join(', ')}; pick one of them`);
    return fallback;
  }

  brokers(name: string): string[] {
    const list = this.required(
      name,
      'set it to a comma-separated list of host:port Kafka bootstrap brokers (npm run stack writes one to .local/stack.env)',
    )
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b !== '');
    const bad = list.filter((b) => !/^[^:\s]+:\d{1,5}$/.test(b));
    if (bad.length > 0) this.problems.push(`${name} has entries that are not host:port: ${bad.join(', ')}`);
    const badPorts = list.filter((b) => !bad.includes(b) && !isPort(Number(b.slice(b.lastIndexOf(':') + 1))));
    if (badPorts.length > 0)
      this.problems.push(
        `${name} has ports outside 1-65535: ${badPorts.join(', ')}; use the brokers' listener ports (9092 plaintext, 9098 MSK IAM)`,
      );
    return list;
  }

  /** A topic name Kafka accepts: 1-249 of [a-zA-Z0-9._-], and not "." or "..". */
  topic(name: string, fallback: string): string {
    const value = this.text(name, fallback);
    const problem = topicNameProblem(value);
    if (problem !== undefined)
      this.problems.push(
        `${name}=${value} is not a topic name Kafka accepts (${problem}); use 1-249 characters of a-z, A-Z, 0-9, ".", "_" and "-"`,
      );
    return value;
  }

  /**
   * A decimal number strictly between 0 and 100, kept exactly: no hex, exponents, or more digits than a double holds.
   */
  percentile(name: string, fallback: number): number {
    const value = this.value(name);
    if (value === undefined) return fallback;
    const decimal = /^\d+(\.\d+)?$/.test(value) ? parseDecimal(value) : undefined;
    const inRange =
      decimal !== undefined && decimal.digits > 0n && decimal.digits < 100n * 10n ** BigInt(decimal.scale);
    if (!inRange) {
      this.problems.push(
        `${name}=${value} is not a number strictly between 0 and 100 written as a decimal (e.g. 95 or 99.9); set it in that range or unset it for the default ${fallback}`,
      );
      return fallback;
    }
    const n = Number(value);
    if (!sameDecimal(decimalOf(n), decimal)) {
      this.problems.push(
        `${name}=${value} has more significant digits than the job can hold exactly; use at most 15, e.g. ${String(n)}`,
      );
      return fallback;
    }
    return n;
  }

  /** AWS_REGION may be unset (the SDK's own chain then applies) but never blank. */
  region(required?: string): string | undefined {
    const present = this.env.AWS_REGION;
    if (present !== undefined && present.trim() === '') {
      this.problems.push(
        'AWS_REGION is set but empty; set it to the region of the table and the cluster (e.g. eu-west-1), or unset it',
      );
      return undefined;
    }
    if (present === undefined && required !== undefined) this.problems.push(`AWS_REGION is not set; ${required}`);
    return present?.trim();
  }

  done<T>(value: T): T {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return value;
  }
}

const isPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65_535;

/** Why Kafka would refuse a topic name, or undefined when it accepts it. */
function topicNameProblem(topic: string): string | undefined {
  if (topic === '.' || topic === '..') return `"${topic}" is reserved`;
  if (topic.length > 249) return `${topic.length} characters, over 249`;
  if (!/^[a-zA-Z0-9._-]+$/.test(topic)) return 'characters outside [a-zA-Z0-9._-]';
  return undefined;
}
