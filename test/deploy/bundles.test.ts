// Each packaged zip must run with only what it carries: unzipped into an empty folder (no
// node_modules anywhere above it), its handler is imported, initialised with MSK IAM configured,
// and invoked against the run's DynamoDB Local, the way Lambda would run it.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageService, type PackagedService } from './package-service.js';
import { freshScoresTable, freshTopic, stackEndpoints, testDynamo } from '../support/stack.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const FUNCTIONS = ['score', 'popular'] as const;

let service: PackagedService;
const folders: Record<string, string> = {};

beforeAll(async () => {
  service = await packageService('test');
  for (const name of FUNCTIONS) {
    const folder = mkdtempSync(join(tmpdir(), `bundle-${name}-`));
    await run('unzip', ['-q', join(service.artifactsDir, `${name}.zip`), '-d', folder]);
    folders[name] = folder;
  }
}, 240_000);

afterAll(() => {
  service?.remove();
  for (const folder of Object.values(folders)) rmSync(folder, { recursive: true, force: true });
});

/**
 * Every module a bundle still asks for by name (import, import(), require()), as esbuild's own parser
 * finds them: re-bundling the file from its empty folder leaves exactly those external.
 */
async function unresolvedImports(bundlePath: string): Promise<string[]> {
  const result = await build({ entryPoints: [bundlePath], bundle: true, write: false, platform: 'node', format: 'esm', metafile: true, logLevel: 'silent' });
  const found = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) for (const i of input.imports) if (i.external) found.add(i.path);
  return [...found].sort();
}

const isBuiltin = (name: string) => name.startsWith('node:') || builtinModules.includes(name);

/** Runs `script` as an ES module in `folder`, with only the environment given. */
async function runIn(folder: string, script: string, env: Record<string, string>) {
  return run(process.execPath, ['--input-type=module', '-e', script], { cwd: folder, env: { PATH: process.env.PATH!, NODE_NO_WARNINGS: '1', ...env } });
}

const IAM_ENV = {
  KAFKA_BROKERS: 'b-1.activity.example.kafka.eu-west-1.amazonaws.com:9098',
  KAFKA_SASL_MECHANISM: 'aws-iam',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bundletest',
  AWS_SECRET_ACCESS_KEY: 'bundletest',
  POWERTOOLS_METRICS_NAMESPACE: 'popular-users/test',
  DEPLOYMENT_NAME: 'popular-users-test',
};

describe.each(FUNCTIONS)('the %s zip', (name) => {
  it('is at most 1 MiB and holds one ES module and nothing to resolve outside it', async () => {
    const folder = folders[name]!;
    const zipBytes = statSync(join(service.artifactsDir, `${name}.zip`)).size;
    const bundlePath = join(folder, 'functions', `${name}.mjs`);
    const code = readFileSync(bundlePath, 'utf8');
    console.info(`${name}: ${(zipBytes / 1024).toFixed(0)} KiB zipped, ${(code.length / 1024).toFixed(0)} KiB unzipped`);
    expect(zipBytes).toBeLessThanOrEqual(MiB);
    expect(readdirSync(folder, { recursive: true }).map(String).filter((f) => !statSync(join(folder, f)).isDirectory())).toEqual([join('functions', `${name}.mjs`)]);
    // The AWS SDK, the MSK IAM signer and what it needs are all inside: only Node's own modules are imported.
    expect((await unresolvedImports(bundlePath)).filter((m) => !isBuiltin(m))).toEqual([]);
    expect(code).toContain('kafka-cluster:Connect');
  });

  it('imports and initialises with MSK IAM configured, from an empty folder with no node_modules above it', async () => {
    const folder = folders[name]!;
    for (let dir = folder; ; dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
      if (dir === parse(dir).root) break;
    }
    const url = pathToFileURL(join(folder, 'functions', `${name}.mjs`)).href;
    const { stdout } = await runIn(folder, `const m = await import(${JSON.stringify(url)}); console.log(typeof m.handler);`, { ...IAM_ENV, SCORES_TABLE: 'scores' });
    expect(stdout.trim()).toBe('function');
  });
});

/** A Lambda context's fields; the script adds getRemainingTimeInMillis. */
const contextFields = { awsRequestId: 'req-7f3e', functionName: 'popular-users-test-score', functionVersion: '$LATEST', memoryLimitInMB: '512', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:popular-users-test-score' };

describe('the score zip, run alone', () => {
  it('scores a batch against DynamoDB, logs with the request id and writes EMF metrics in the stage namespace', async () => {
    const table = await freshScoresTable(testDynamo(), 'bundle');
    const value = (userId: number, activity: string) => Buffer.from(JSON.stringify({ user_id: userId, activity })).toString('base64');
    const record = (offset: number, v: string) => ({ topic: 'activity', partition: 0, offset, timestamp: Date.now(), timestampType: 'CREATE_TIME', value: v, headers: [] });
    const event = {
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/activity-cluster/x',
      bootstrapServers: IAM_ENV.KAFKA_BROKERS,
      records: { 'activity-0': [record(0, value(1, 'profile.view')), record(1, value(2, 'message.private'))] },
    };
    const url = pathToFileURL(join(folders.score!, 'functions', 'score.mjs')).href;
    const script = `const m = await import(${JSON.stringify(url)});
const context = { ...${JSON.stringify(contextFields)}, getRemainingTimeInMillis: () => 60000 };
const summary = await m.handler(${JSON.stringify(event)}, context);
console.log('SUMMARY ' + JSON.stringify(summary));`;
    const { stdout } = await runIn(folders.score!, script, {
      ...IAM_ENV,
      SCORES_TABLE: table,
      AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines.find((l) => l.startsWith('SUMMARY '))!.slice('SUMMARY '.length));
    expect(summary).toMatchObject({ records: 2, accepted: 2, rejected: 0, writes: 2 });

    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
    const logLine = json.find((j) => j.message === 'batch scored');
    expect(logLine).toMatchObject({ function_request_id: 'req-7f3e', service: 'activity-scorer' });
    const emf = json.filter((j) => j._aws?.CloudWatchMetrics !== undefined);
    expect(emf.length).toBeGreaterThan(0);
    for (const blob of emf) expect(blob._aws.CloudWatchMetrics[0].Namespace).toBe('popular-users/test');
    const main = emf.find((j) => j.Records !== undefined)!;
    expect(main).toMatchObject({ service: 'activity-scorer', Records: 2, Accepted: 2, Rejected: 0, Writes: 2, RedeliveredUsers: 0 });
    expect(main._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
  });
});

describe('the popular zip, run alone', () => {
  it('runs the job on an empty table, publishing nothing, and records a successful run in the stage namespace', async () => {
    const table = await freshScoresTable(testDynamo(), 'bundle');
    const topic = await freshTopic('bundle-popular');
    const url = pathToFileURL(join(folders.popular!, 'functions', 'popular.mjs')).href;
    const event = { id: 'sched-1', time: '2026-11-25T20:00:00Z', source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {}, account: '123456789012', region: 'eu-west-1', resources: [], version: '0' };
    const script = `const m = await import(${JSON.stringify(url)});
const context = { ...${JSON.stringify({ ...contextFields, awsRequestId: 'req-job-1' })}, getRemainingTimeInMillis: () => 60000 };
const summary = await m.handler(${JSON.stringify(event)}, context);
console.log('SUMMARY ' + JSON.stringify(summary));
process.exit(0);`;
    // The local broker speaks plaintext without SASL; MSK IAM itself is covered by the import test above.
    const { stdout } = await runIn(folders.popular!, script, {
      ...IAM_ENV,
      KAFKA_BROKERS: stackEndpoints().kafkaBrokers,
      KAFKA_SASL_MECHANISM: 'none',
      SCORES_TABLE: table,
      POPULAR_TOPIC: topic,
      AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
    });
    const lines = stdout.trim().split('\n');
    expect(JSON.parse(lines.find((l) => l.startsWith('SUMMARY '))!.slice('SUMMARY '.length))).toMatchObject({ usersScanned: 0, cutoff: null, published: 0 });
    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
    expect(json.find((j) => j.message?.startsWith('popular users'))).toMatchObject({ function_request_id: 'req-job-1', service: 'popular-users-job' });
    const emf = json.find((j) => j.RunSucceeded !== undefined)!;
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe('popular-users/test');
    expect(emf).toMatchObject({ service: 'popular-users-job', RunSucceeded: 1, UsersScanned: 0, PopularCount: 0, ScanPasses: 1 });
    expect(emf.Cutoff).toBeUndefined();
  });
});
