// ministack, the AWS emulator `npm run e2e` deploys to: a Python server (PyPI, installed by
// local/setup.sh into .cache/ministack) that runs CloudFormation, S3, Lambda, DynamoDB, EventBridge,
// IAM and CloudWatch in one process, and runs Node functions with the `node` on its PATH.
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MissingPrerequisiteError } from './prerequisites.js';
import { freePort, startServiceProcess, waitUntilReady } from './service-process.js';

/** The release local/setup.sh installs (it reads this line); the emulator path is tested on it alone. */
export const MINISTACK_VERSION = '1.5.33';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VENV = join(ROOT, '.cache/ministack');

export interface Ministack {
  /**
   * http://127.0.0.1:<port>: an IP address, so S3 clients address buckets by path (docs/local-stack.md, "The emulator
   * path").
   */
  endpoint: string;
  pid: number;
  /** The Node binary each running function worker was started from, by function name (Linux: /proc). */
  functionNodes(): Map<string, string>;
  /** The last lines it printed, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

function python(): string {
  const bin = join(VENV, 'bin/python3');
  const lib = join(VENV, 'lib');
  const installed =
    existsSync(bin) &&
    existsSync(lib) &&
    readdirSync(lib).some((py) => existsSync(join(lib, py, `site-packages/ministack-${MINISTACK_VERSION}.dist-info`)));
  if (!installed) {
    throw new MissingPrerequisiteError(
      `ministack ${MINISTACK_VERSION} (the AWS emulator of npm run e2e) is not in ${VENV}. Run the set-up, which installs it from PyPI: bash local/setup.sh`,
    );
  }
  return bin;
}

/**
 * Starts ministack on 127.0.0.1 (a free port unless given one), in a temporary folder that goes with it. Its
 * functions inherit its environment, so it gets a clean one: this shell's AWS_ENDPOINT_URL_* or
 * KAFKA_* must not leak into the deployed functions, and node_modules/.bin comes first on its PATH
 * so they run on the project's Node (the Lambda runtime's major), not the machine's.
 */
export async function startMinistack(options: { port?: number } = {}): Promise<Ministack> {
  const bin = python();
  const port = options.port ?? (await freePort());
  const home = mkdtempSync(join(tmpdir(), 'ministack-'));
  const env: NodeJS.ProcessEnv = {
    PATH: [join(ROOT, 'node_modules/.bin'), process.env.PATH ?? ''].join(delimiter),
    HOME: process.env.HOME,
    LANG: process.env.LANG,
    // Its pid file and the functions' unpacked code go here.
    TMPDIR: home,
    GATEWAY_PORT: String(port),
    BIND_HOST: '127.0.0.1',
    MINISTACK_REGION: 'us-east-1',
    LOG_LEVEL: 'WARNING',
  };
  const service = startServiceProcess(bin, ['-m', 'ministack'], { cwd: home, env });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await service.stop(5000);
    rmSync(home, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(
      `ministack on ${endpoint}`,
      service,
      async () => {
        const res = await fetch(`${endpoint}/_ministack/health`, { signal: AbortSignal.timeout(1000) });
        if (!res.ok) throw new Error(`health check answered ${res.status}`);
      },
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint,
    pid: service.child.pid!,
    functionNodes: () => functionNodes(service.child.pid!),
    output: () => service.output(),
    stop,
  };
}

/** ministack runs each function in a `node .../ministack-lambda-<name>-<random>/_worker.js` child of its own. */
function functionNodes(parent: number): Map<string, string> {
  const nodes = new Map<string, string>();
  if (!existsSync('/proc/self/exe')) return nodes;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const name = /ministack-lambda-(.+)-[^-/]+\/_worker\.js$/.exec(args[1] ?? '')?.[1];
      if (name !== undefined) nodes.set(name, readlinkSync(`/proc/${entry}/exe`));
    } catch {
      // the process ended while being read
    }
  }
  return nodes;
}
