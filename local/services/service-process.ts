// A background server process of the local stack (DynamoDB Local, the Kafka broker): started in a
// process group of its own, ready when a probe answers, stopped only by the command that owns it.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { errorMessage } from '../../lib/core/errors.js';

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** The last lines the process printed, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Signals the service's whole process group (it leads one: spawned detached), so what it started
 * itself goes with it: ministack's function workers, for one. A group already gone is no error.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group has no process left
  }
}

/**
 * A process that outlives nothing: if this Node process exits, however it exits short of SIGKILL, its services go too.
 */
function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) signalGroup(c, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, dieWithServices);
}

/**
 * A signal's default action ends Node without its 'exit' event, which would orphan the services.
 * Commands that handle the signal themselves stop their services after the work in flight; for
 * the rest, the services go first, then the signal takes its default course.
 */
function dieWithServices(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  for (const c of running) signalGroup(c, 'SIGKILL');
  process.removeListener(signal, dieWithServices);
  process.kill(process.pid, signal);
}

export function startServiceProcess(command: string, args: string[], options: SpawnOptions = {}): ServiceProcess {
  // detached: a terminal's Ctrl-C signals its whole foreground process group; the services must
  // not die with it before the command using them has finished the work in flight.
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  let swept = false;
  /** Once the leader is gone: whatever it started and left behind on its way out. */
  const sweep = () => {
    if (swept) return;
    swept = true;
    signalGroup(child, 'SIGKILL');
  };
  return {
    child,
    output: () => tail,
    async stop(graceMs = 10_000) {
      if (alive()) {
        const force = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
        signalGroup(child, 'SIGTERM');
        await gone;
        clearTimeout(force);
      }
      sweep();
    },
    async kill() {
      if (alive()) {
        signalGroup(child, 'SIGKILL');
        await gone;
      }
      sweep();
    },
  };
}

/** Polls `probe` until it succeeds; fails early with the process's output if it exits, or after `timeoutMs`. */
export async function waitUntilReady(
  name: string,
  service: ServiceProcess,
  probe: () => Promise<void>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { exitCode, signalCode } = service.child;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`${name} exited (${exitCode ?? signalCode}) before it was ready:\n${service.output()}`);
    }
    try {
      await probe();
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        await service.kill();
        throw new Error(
          `${name} did not answer within ${timeoutMs / 1000} s: ${errorMessage(err)}\n${service.output()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
