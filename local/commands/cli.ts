// What every local command shares: validated flags, one way to wait for Ctrl-C, and exit codes.
import { ConfigError } from '../../lib/core/config.js';
import { AppError } from '../../lib/core/errors.js';
import { MissingPrerequisiteError } from '../services/prerequisites.js';

/** A flag the user got wrong; the command prints it with its usage. */
export class UsageError extends AppError {}

/** The command's work failed for a reason its message says in full: printed alone, without a stack. */
export class CommandFailed extends AppError {}

/** The command was stopped by a signal before it finished its work. */
export class Interrupted extends AppError {
  constructor() {
    super('stopped by a signal before the work was done');
  }
}

const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
}

/** A numeric flag, refused with its name when it is not a number in range (never NaN). */
export function numberFlag(name: string, text: string | undefined, fallback: number, rule: NumberRule = {}): number {
  if (text === undefined) return fallback;
  const { integer = false, min = -Infinity, max = Infinity } = rule;
  const n = text.trim() === '' ? NaN : Number(text);
  const ok = integer ? Number.isSafeInteger(n) : Number.isFinite(n);
  if (!ok || n < min || n > max) {
    const kind = integer ? 'a whole number' : 'a number';
    const range =
      min > -Infinity && max < Infinity
        ? ` from ${min} to ${max}`
        : min > -Infinity
          ? ` of at least ${min}`
          : max < Infinity
            ? ` of at most ${max}`
            : '';
    throw new UsageError(`--${name} ${text} is not ${kind}${range}`);
  }
  return n;
}

/**
 * Resolves on the first SIGINT or SIGTERM. Later ones are ignored rather than fatal: a terminal's
 * Ctrl-C reaches npm and this process alike, and npm passes it on again.
 */
export function onStopSignal(announce?: (signal: NodeJS.Signals) => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first = true;
    const handler = (signal: NodeJS.Signals) => {
      if (!first) return;
      first = false;
      announce?.(signal);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Runs a command's main, turning what it throws into one message and an exit code. */
export function runCommand(main: () => Promise<void>, usage?: string): void {
  main().then(
    () => process.exit(EXIT.ok),
    (err: unknown) => {
      if (err instanceof Interrupted) return process.exit(EXIT.interrupted);
      if (err instanceof UsageError) {
        console.error(usage ? `${err.message}\n${usage}` : err.message);
        return process.exit(EXIT.usage);
      }
      if (err instanceof CommandFailed) {
        console.error(err.message);
        return process.exit(EXIT.failed);
      }
      if (err instanceof ConfigError) {
        console.error(err.message);
        return process.exit(EXIT.usage);
      }
      if (err instanceof MissingPrerequisiteError)
        console.error(`Missing prerequisite: ${err.message}\nRun the set-up first: bash local/setup.sh`);
      else console.error(err);
      process.exit(EXIT.failed);
    },
  );
}
