// Each packaged function unzipped alone into an empty folder, and a way to run code there with only
// the environment given: how Lambda sees a zip. Shared by the bundle tests in test/deploy and test/integration.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageService, type PackagedService } from '../../local/deploy/package-service.js';

const run = promisify(execFile);
export const FUNCTIONS = ['score', 'popular'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

export interface UnzippedService {
  service: PackagedService;
  folders: Record<FunctionName, string>;
  remove(): void;
}

export async function packageAndUnzip(): Promise<UnzippedService> {
  const service = await packageService('test');
  const folders = {} as Record<FunctionName, string>;
  for (const name of FUNCTIONS) {
    const folder = mkdtempSync(join(tmpdir(), `bundle-${name}-`));
    await run('unzip', ['-q', join(service.artifactsDir, `${name}.zip`), '-d', folder]);
    folders[name] = folder;
  }
  return {
    service,
    folders,
    remove() {
      service.remove();
      for (const folder of Object.values(folders)) rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Runs `script` as an ES module in `folder`, with only the environment given. */
export async function runIn(folder: string, script: string, env: Record<string, string>) {
  return run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: folder,
    env: { PATH: process.env.PATH!, NODE_NO_WARNINGS: '1', ...env },
  });
}

/**
 * What serverless.yml gives the functions on MSK, with placeholder values (DynamoDB Local accepts only letters and
 * digits as keys).
 */
export const IAM_ENV = {
  KAFKA_BROKERS: 'b-1.activity.example.kafka.eu-west-1.amazonaws.com:9098',
  KAFKA_SASL_MECHANISM: 'aws-iam',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bundletest',
  AWS_SECRET_ACCESS_KEY: 'bundletest',
  POWERTOOLS_METRICS_NAMESPACE: 'popular-users/test',
};
