// Waiting, in a test, for something a background loop or another process makes true, and asking
// whether anything still listens on a port.
import { connect } from 'node:net';

export interface UntilOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** What the failure should show besides the name, e.g. a child process's output. */
  detail?: () => string;
}

/** Polls `check` until it holds; fails after the timeout, naming what it waited for. */
export async function until(check: () => boolean, what: string, options: UntilOptions = {}): Promise<void> {
  const { timeoutMs = 30_000, pollMs = 20, detail } = options;
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(
        `gave up waiting ${timeoutMs / 1000} s for ${what}${detail === undefined ? '' : `:\n${detail()}`}`,
      );
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** True when something accepts a connection on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
