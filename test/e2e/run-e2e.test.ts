// `npm run e2e` as a user runs it: its last line, and nothing it started left running afterwards,
// whether it finishes, fails, or is stopped with Ctrl-C in the middle of scoring. Processes are read
// from /proc: these tests run on Linux, as CI does.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { listening, until } from '../support/wait.js';

interface Run {
  pid: number;
  output: () => string;
  /** 'code N' or the signal's name, once the process has exited and its output is all read. */
  exited: Promise<string>;
}

const running = new Set<number>();

// A test that times out must not leave its run going: Ctrl-C it, which stops its services too.
afterEach(() => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
  running.clear();
});

/** In a process group of its own, as a terminal runs a foreground job: Ctrl-C then reaches npm, tsx and node alike. */
function e2e(args: string[]): Run {
  const env = { ...process.env };
  for (const name of ['KAFKA_BROKERS', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB']) delete env[name];
  const child = spawn('npm', ['run', 'e2e', '--', ...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  running.add(child.pid!);
  const exited = new Promise<string>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child.pid!);
      resolve(signal ?? `code ${code}`);
    }),
  );
  return { pid: child.pid!, output: () => out, exited };
}

/** The broker's and ministack's process ids and ports, from the line the command prints once they are up. */
function services(output: string): { pids: number[]; ports: number[] } {
  const up = /Kafka 127\.0\.0\.1:(\d+) \(pid (\d+)\), ministack http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/.exec(output);
  if (up === null) throw new Error(`no "up" line in:\n${output}`);
  return { ports: [Number(up[1]), Number(up[3])], pids: [Number(up[2]), Number(up[4])] };
}

/** A process's state letter, parent and process group (Linux /proc/<pid>/stat). */
function stat(pid: string): { state: string; ppid: number; pgid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so read after its closing parenthesis.
    const [state, ppid, pgid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid), pgid: Number(pgid) };
  } catch {
    return undefined; // gone while being read
  }
}

const processIds = () => readdirSync('/proc').filter((e) => /^\d+$/.test(e));

/**
 * Live processes of the group this pid led (each service leads one; ministack's function workers are
 * in its). Zombies do not count: they have ended, and wait only for this machine's init to reap them.
 */
function groupMembers(pgid: number): string[] {
  return processIds().filter((pid) => {
    const s = stat(pid);
    return s !== undefined && s.pgid === pgid && s.state !== 'Z';
  });
}

/** Command lines of the live processes whose parent is `pid`. */
function childrenOf(pid: number): string[] {
  return processIds()
    .filter((p) => {
      const s = stat(p);
      return s !== undefined && s.ppid === pid && s.state !== 'Z';
    })
    .map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' '));
}

async function expectNothingLeft(run: Run): Promise<void> {
  const { pids, ports } = services(run.output());
  expect(groupMembers(run.pid), 'the command’s own process group').toEqual([]);
  for (const pid of pids) expect(groupMembers(pid), `the process group of service pid ${pid}`).toEqual([]);
  for (const port of ports) expect(await listening(port), `port ${port}`).toBe(false);
}

describe('npm run e2e', () => {
  it('deploys, scores through the deployed scorer, checks the scheduled run against the oracle, removes, and ends on one line saying exact', async () => {
    const run = e2e([]);
    const result = await run.exited;
    const output = run.output();
    expect(result, output).toBe('code 0');
    const lines = output.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(
      /^e2e: stack popular-users-local, 20000 events, \d+ invocations, cutoff \d+, \d+ users published, exact$/,
    );
    expect(output).toMatch(/all \d+ resources of its template created, alarms included/);
    expect(output).toMatch(/popular-users-local-score ran on Node v24\./);
    expect(output).toMatch(/popular-users-local-popular ran on Node v24\./);
    expect(output).toContain('by the schedule');
    expect(output).toContain('serverless remove: stack popular-users-local gone');
    await expectNothingLeft(run);
  }, 600_000);

  it('leaves nothing running when Ctrl-C comes while the deployed scorer is being invoked', async () => {
    const run = e2e([]);
    await until(() => /^produced \d+ events/m.test(run.output()), 'the data set to be produced', {
      timeoutMs: 240_000,
      pollMs: 200,
      detail: run.output,
    });
    const ministack = services(run.output()).pids[1]!;
    // A function worker of ministack's is running: the signal must take those down too.
    await until(() => childrenOf(ministack).some((args) => args.includes('_worker.js')), 'a function worker', {
      timeoutMs: 60_000,
      pollMs: 200,
      detail: run.output,
    });
    process.kill(-run.pid, 'SIGINT');
    expect(['code 130', 'SIGINT']).toContain(await run.exited);
    expect(run.output()).toContain('SIGINT: stopping ministack and the Kafka broker');
    await expectNothingLeft(run);
  }, 600_000);

  it('leaves nothing running when a check fails, and says which', async () => {
    // A second is too short for the first schedule firing, which comes a minute after the rule is made.
    const run = e2e(['--events', '300', '--users', '60', '--wait', '1']);
    expect(await run.exited).toBe('code 1');
    expect(run.output()).toMatch(/the schedule ran no job after .* within 1 s/);
    await expectNothingLeft(run);
  }, 600_000);
});
