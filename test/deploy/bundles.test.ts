// Each packaged zip must run with only what it carries: unzipped into an empty folder (no
// node_modules anywhere above it), it imports nothing but Node's own modules, and its handler
// imports and initialises with MSK IAM configured. test/integration/bundle-run.test.ts invokes them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, parse } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, IAM_ENV, packageAndUnzip, runIn, type UnzippedService } from '../support/bundle-folder.js';

const MiB = 1024 * 1024;

let unzipped: UnzippedService;

beforeAll(async () => {
  unzipped = await packageAndUnzip();
}, 240_000);

afterAll(() => unzipped?.remove());

/**
 * Every module a bundle still asks for by name (import, import(), require()), as esbuild's own parser
 * finds them: re-bundling the file from its empty folder leaves exactly those external.
 */
async function unresolvedImports(bundlePath: string): Promise<string[]> {
  const result = await build({
    entryPoints: [bundlePath],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    metafile: true,
    logLevel: 'silent',
  });
  const found = new Set<string>();
  for (const input of Object.values(result.metafile.inputs))
    for (const i of input.imports) if (i.external) found.add(i.path);
  return [...found].sort();
}

const isBuiltin = (name: string) => name.startsWith('node:') || builtinModules.includes(name);

describe.each(FUNCTIONS)('the %s zip', (name) => {
  it('is at most 1 MiB and holds one ES module and nothing to resolve outside it', async () => {
    const folder = unzipped.folders[name];
    const zipBytes = statSync(join(unzipped.service.artifactsDir, `${name}.zip`)).size;
    const bundlePath = join(folder, 'functions', `${name}.mjs`);
    const code = readFileSync(bundlePath, 'utf8');
    console.info(
      `${name}: ${(zipBytes / 1024).toFixed(0)} KiB zipped, ${(code.length / 1024).toFixed(0)} KiB unzipped; run below on Node ${process.version}`,
    );
    expect(zipBytes).toBeLessThanOrEqual(MiB);
    expect(
      readdirSync(folder, { recursive: true })
        .map(String)
        .filter((f) => !statSync(join(folder, f)).isDirectory()),
    ).toEqual([join('functions', `${name}.mjs`)]);
    // The AWS SDK, the MSK IAM signer and what it needs are all inside: only Node's own modules are imported.
    expect((await unresolvedImports(bundlePath)).filter((m) => !isBuiltin(m))).toEqual([]);
    expect(code).toContain('kafka-cluster:Connect');
  });

  it('imports and initialises with MSK IAM configured, from an empty folder with no node_modules above it', async () => {
    const folder = unzipped.folders[name];
    for (let dir = folder; ; dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
      if (dir === parse(dir).root) break;
    }
    const url = pathToFileURL(join(folder, 'functions', `${name}.mjs`)).href;
    const { stdout } = await runIn(
      folder,
      `const m = await import(${JSON.stringify(url)}); console.log(typeof m.handler);`,
      {
        ...IAM_ENV,
        SCORES_TABLE: 'scores',
      },
    );
    expect(stdout.trim()).toBe('function');
  });

  it('refuses a missing setting with an error that still carries its class name, minified', async () => {
    const url = pathToFileURL(join(unzipped.folders[name], 'functions', `${name}.mjs`)).href;
    const script = `try { await import(${JSON.stringify(url)}); } catch (err) { console.log(err.name); }`;
    const { stdout } = await runIn(unzipped.folders[name], script, IAM_ENV);
    expect(stdout.trim()).toBe('ConfigError');
  });
});
