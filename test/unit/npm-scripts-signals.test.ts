import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

/**
 * Runs a script's command line with its TypeScript file swapped for the fixture, in a process group of its own, and
 * sends Ctrl-C to the group.
 */
function interruptWhileBusy(commandLine: string): Promise<{ exit: string; out: string }> {
  return new Promise((resolve) => {
    const [command, ...args] = commandLine.split(/\s+/);
    const child = spawn(command!, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `node_modules/.bin:${process.env.PATH}` },
    });
    let out = '';
    let sent = false;
    const take = (d: Buffer) => {
      out += d.toString();
      if (!sent && out.includes('ready')) {
        sent = true;
        setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 100);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code, signal) => resolve({ exit: signal ?? `code ${code}`, out }));
  });
}

describe('npm scripts that run TypeScript commands', () => {
  it.each(['start', 'stack', 'esm', 'generate', 'bench'])(
    '%s: a Ctrl-C that finds the command busy still reaches its own handler',
    async (name) => {
      const commandLine = scripts[name]!.replace(/\S+\.ts\b/, 'test/support/processes/busy-on-signal.ts');
      expect(commandLine).toContain('busy-on-signal.ts');
      const { exit, out } = await interruptWhileBusy(commandLine);
      // tsx's own launcher SIGKILLs a child that has not answered a relayed signal within about 60 ms.
      expect(out, `${commandLine} ended ${exit}`).toContain('handled SIGINT');
      expect(exit).toBe('code 0');
    },
  );
});
