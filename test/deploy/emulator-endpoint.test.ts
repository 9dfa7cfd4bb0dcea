// A deploy to an AWS emulator that cannot serve it stops before anything else, in one line saying
// what to do (deploy/emulator-endpoint.cjs). No emulator is needed: these are the cases without one.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorStage, ServerlessCommandError, type EmulatorStage } from '../../local/deploy/emulator-stage.js';
import { freePort } from '../../local/services/service-process.js';

let stage: EmulatorStage | undefined;
let server: Server | undefined;

afterEach(() => {
  stage?.dispose();
  server?.close();
});

/** What osls printed under "Error:", the lines up to its environment footer. */
function errorLines(err: unknown): string[] {
  expect(err).toBeInstanceOf(ServerlessCommandError);
  const output = (err as ServerlessCommandError).output;
  const after = output.slice(output.indexOf('Error:\n') + 'Error:\n'.length);
  return after
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => !/^(Environment|Docs|Deploying|Removing)/.test(l));
}

describe('serverless deploy with AWS_ENDPOINT_URL', () => {
  it('says in one line that no emulator is running there', async () => {
    const port = await freePort();
    stage = emulatorStage(`http://127.0.0.1:${port}`);
    const failure = await stage.deploy({ kafkaBrokers: '127.0.0.1:9092' }).catch((err: unknown) => err);
    expect(errorLines(failure)).toEqual([
      `No AWS emulator answers at http://127.0.0.1:${port} (AWS_ENDPOINT_URL: ECONNREFUSED): start one (npm run emulator), or unset AWS_ENDPOINT_URL to deploy to AWS.`,
    ]);
  }, 60_000);

  it('says in one line to use the IP address when the deployment bucket would be addressed as <bucket>.localhost', async () => {
    server = createServer((socket) => socket.destroy());
    const port = await new Promise<number>((resolve) =>
      server!.listen(0, '127.0.0.1', () => resolve((server!.address() as { port: number }).port)),
    );
    stage = emulatorStage(`http://localhost:${port}`);
    const failure = await stage.deploy({ kafkaBrokers: '127.0.0.1:9092' }).catch((err: unknown) => err);
    expect(errorLines(failure)).toEqual([
      `AWS_ENDPOINT_URL=http://localhost:${port}: the S3 client would address the deployment bucket as <bucket>.localhost, which does not resolve here; ` +
        `use the IP address instead (e.g. http://127.0.0.1:${port}), with which it addresses buckets by path.`,
    ]);
  }, 60_000);
});
