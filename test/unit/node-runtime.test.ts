import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

// The functions run on serverless.yml's runtime; the tests prove only what they run on, so the two must agree.
const template = readFileSync('serverless.yml', 'utf8');
const runtimeMajor = (name: string) => Number(/^\s*runtime:\s*nodejs(\d+)\.x\s*$/m.exec(name)?.[1]);
const esbuildTarget = Number(/^\s*target:\s*node(\d+)\s*$/m.exec(template)?.[1]);

describe('the Node.js the tests run on', () => {
  it("is the major version of serverless.yml's Lambda runtime and esbuild target", () => {
    const major = Number(process.versions.node.split('.')[0]);
    console.info(
      `tests ran on Node ${process.version} (${process.execPath}); Lambda runtime nodejs${runtimeMajor(template)}.x`,
    );
    expect(runtimeMajor(template)).toBeGreaterThanOrEqual(24);
    expect(esbuildTarget).toBe(runtimeMajor(template));
    expect(
      major,
      `npm scripts should run node_modules/.bin/node (installed by npm ci from the node-<os>-<cpu> package); ` +
        `on a platform without one, install Node ${runtimeMajor(template)} yourself (see README, "Which Node runs what")`,
    ).toBe(runtimeMajor(template));
  });

  it('is the one package.json promises', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${runtimeMajor(template)}`);
  });
});
