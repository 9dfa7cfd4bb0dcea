// The base of the errors this project throws on purpose: each names itself after its class, so a
// log line or a catch can tell them apart, and says whether the same call may succeed later.

export interface AppErrorOptions {
  cause?: unknown;
  /** Whether trying the same thing again may succeed (a busy partition, a topic not yet created). */
  retriable?: boolean;
}

export abstract class AppError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    // new.target is the class actually constructed; the bundles keep class names (serverless.yml keepNames).
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** What to print for anything thrown: an Error's message, or the value itself. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How a handler logs a failure: the error, and whether a retry can help when the error knows. */
export function failureDetails(err: unknown): { error: Error; retriable?: boolean } {
  const error = err instanceof Error ? err : new Error(String(err));
  return err instanceof AppError ? { error, retriable: err.retriable } : { error };
}
