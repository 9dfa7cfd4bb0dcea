// Cold start: each function's deployment bundle as `serverless package` builds it, and the time a
// fresh Node process takes to import it (the module initialisation Lambda runs before the first event),
// next to the same function built the old way, with the AWS SDK left to the runtime.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { packageService } from '../local/deploy/package-service.js';
import { barChartSvg } from './svg-plot.js';
import { count, median, ms, type Log, type Section } from './report.js';

const run = promisify(execFile);
const FUNCTIONS = ['score', 'popular'] as const;

export interface ColdStartOptions {
  runs: number;
}

// What serverless.yml hands the functions, with placeholder values: nothing is contacted at import.
const PLACEHOLDER_ENV = {
  SCORES_TABLE: 'scores',
  KAFKA_BROKERS: 'b-1.example.invalid:9098,b-2.example.invalid:9098',
  KAFKA_SASL_MECHANISM: 'aws-iam',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'placeholder',
  AWS_SECRET_ACCESS_KEY: 'placeholder',
  DLQ_TOPIC: 'activity-dlq',
  POPULAR_TOPIC: 'popular_users',
  PERCENTILE: '95',
  SCAN_SEGMENTS: '8',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_NAMESPACE: 'popular-users/test',
};

const REPO = resolve(import.meta.dirname, '..');

/**
 * The function built as before this project bundled the SDK: serverless.yml's esbuild settings with
 * `@aws-sdk/*` external. It is written inside the repository so those imports resolve from node_modules.
 */
async function buildWithRuntimeSdk(name: string, outDir: string): Promise<string> {
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [join(REPO, 'functions', `${name}.ts`)],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    // As serverless.yml's custom.esbuild.alias: the Kafka client's WASM helper inline, not read from disk.
    alias: { '@platformatic/wasm-utils': '@platformatic/wasm-utils/bundled' },
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * The Kafka client as the functions load it on first use (lib/adapters/kafka-library.ts), bundled alone the same way.
 */
async function buildKafkaClient(outDir: string): Promise<string> {
  const outfile = join(outDir, 'kafka-library.mjs');
  await build({
    entryPoints: [join(REPO, 'lib/adapters/kafka-library.ts')],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    mainFields: ['module', 'main'],
    alias: { '@platformatic/wasm-utils': '@platformatic/wasm-utils/bundled' },
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  return outfile;
}

/** Sum of the uncompressed sizes in a zip's central directory. */
export function unzippedBytes(zip: Buffer): number {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file: no end-of-central-directory record');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip central directory entry ${i} is malformed`);
    total += zip.readUInt32LE(at + 24);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return total;
}

/** Milliseconds a fresh process spends importing the module (a function's, with its handler, unless told otherwise). */
async function importTime(url: string, env: Record<string, string>, isFunction = true): Promise<number> {
  const check = isFunction ? "if (typeof m.handler !== 'function') throw new Error('no handler');" : '';
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(url)}); ${check} process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...env },
  });
  return Number(stdout);
}

interface FunctionCost {
  name: string;
  zip: number;
  unzipped: number;
  bundle: number;
  initMs: number[];
  /** The same function with the SDK left to the runtime (the old build). */
  oldBundle: number;
  oldInitMs: number[];
}

export async function benchColdStart(options: ColdStartOptions, log: Log): Promise<Section> {
  log('cold start: serverless package (esbuild bundles, as deployed)');
  const service = await packageService('test');
  const costs: FunctionCost[] = [];
  const emptyMs: number[] = [];
  const kafkaClientMs: number[] = [];
  const oldDir = join(REPO, '.esbuild', 'bench-runtime-sdk');
  mkdirSync(oldDir, { recursive: true });
  const folders: string[] = [];
  try {
    const zips = readdirSync(service.artifactsDir).filter((f) => f.endsWith('.zip'));
    for (const name of FUNCTIONS) {
      const zipFile = zips.find((f) => f === `${name}.zip`);
      if (zipFile === undefined) throw new Error(`serverless package wrote no ${name}.zip (found: ${zips.join(', ')})`);
      const zip = readFileSync(join(service.artifactsDir, zipFile));
      // As Lambda has it: the zip alone, in a folder with nothing around it.
      const folder = mkdtempSync(join(tmpdir(), `cold-start-${name}-`));
      folders.push(folder);
      await run('unzip', ['-q', join(service.artifactsDir, zipFile), '-d', folder]);
      const bundlePath = join(folder, 'functions', `${name}.mjs`);
      const oldPath = await buildWithRuntimeSdk(name, oldDir);
      const initMs: number[] = [];
      const oldInitMs: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        initMs.push(await importTime(pathToFileURL(bundlePath).href, PLACEHOLDER_ENV));
        oldInitMs.push(await importTime(pathToFileURL(oldPath).href, PLACEHOLDER_ENV));
      }
      costs.push({
        name,
        zip: zip.length,
        unzipped: unzippedBytes(zip),
        bundle: statSync(bundlePath).size,
        initMs,
        oldBundle: statSync(oldPath).size,
        oldInitMs,
      });
      log(
        `cold start: ${name}: ${count(zip.length / 1024)} KiB zipped, init ${median(initMs).toFixed(0)} ms; runtime-SDK build ${median(oldInitMs).toFixed(0)} ms (medians of ${options.runs})`,
      );
    }
    // The floor: the same fresh process importing a module that does nothing.
    for (let i = 0; i < options.runs; i++)
      emptyMs.push(await importTime('data:text/javascript,export const handler = () => {}', {}));
    // What the functions defer: the Kafka client, loaded with the first dead letter or as the job's run starts.
    const clientUrl = pathToFileURL(await buildKafkaClient(oldDir)).href;
    for (let i = 0; i < options.runs; i++) kafkaClientMs.push(await importTime(clientUrl, {}, false));
    log(
      `cold start: the Kafka client, loaded on first use: ${median(kafkaClientMs).toFixed(0)} ms (median of ${options.runs})`,
    );
  } finally {
    service.remove();
    rmSync(oldDir, { recursive: true, force: true });
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  }

  const kib = (bytes: number) => `${count(bytes / 1024)} KiB`;
  return {
    title: 'Cold start',
    method: [
      '`serverless package --stage test` (esbuild, minified ESM, everything bundled, the AWS SDK included). ' +
        `Init: a fresh \`node\` process imports the bundle unzipped alone into an empty folder, with placeholder environment (the handler module creates its clients and reads its config, contacting nothing); median of ${options.runs} processes, min-max in brackets. ` +
        "Beside it, the old build: the same esbuild settings with `@aws-sdk/*` left to the runtime, its SDK resolved from node_modules here (the runtime's copy on Lambda). The raw floor is the same process importing an empty module.",
    ],
    header: [
      'function',
      'zip',
      'unzipped',
      'init (median)',
      'above the floor',
      'old build: bundle',
      'old build: init',
      'cost of bundling the SDK',
    ],
    rows: costs.map((c) => [
      c.name,
      kib(c.zip),
      kib(c.unzipped),
      `${ms(median(c.initMs))} (${Math.round(Math.min(...c.initMs))}-${Math.round(Math.max(...c.initMs))})`,
      ms(median(c.initMs) - median(emptyMs)),
      kib(c.oldBundle),
      `${ms(median(c.oldInitMs))} (${Math.round(Math.min(...c.oldInitMs))}-${Math.round(Math.max(...c.oldInitMs))})`,
      ms(median(c.initMs) - median(c.oldInitMs)),
    ]),
    notes: [
      `Empty-module floor: ${ms(median(emptyMs))} (median). Lambda bills the init phase and adds its own sandbox start, not measured here.`,
      `The Kafka client (@platformatic/kafka): the job loads it in its init (every run publishes; loaded at the run's start it took CPU from the scan), so the job's init above includes it; the scorer loads it with its first dead letter. Loading it, bundled alone the same way, takes ${ms(median(kafkaClientMs))} in a fresh process (median of ${options.runs}, ${Math.round(Math.min(...kafkaClientMs))}-${Math.round(Math.max(...kafkaClientMs))}), once per container; most of it is the client compiling its option validators.`,
    ],
    plots: [
      {
        file: 'cold-start.svg',
        title: 'Module initialisation time per function',
        svg: barChartSvg({
          title: 'Module initialisation in a fresh process (ms, median)',
          categories: costs.map((c) => c.name),
          series: [
            { name: 'self-contained zip (SDK bundled)', values: costs.map((c) => median(c.initMs)) },
            { name: 'old build (SDK from the runtime)', values: costs.map((c) => median(c.oldInitMs)) },
          ],
          yLabel: 'ms',
          references: [{ label: 'empty module', value: median(emptyMs) }],
          labelBars: true,
        }),
      },
    ],
  };
}
