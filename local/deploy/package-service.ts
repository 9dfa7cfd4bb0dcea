// Runs `serverless package` offline on a private copy of the service, so parallel runs never share
// .serverless/ or .esbuild/, and hands back the CloudFormation template and the artifacts.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createdResources, evaluateConditions, resolveIntrinsics } from './cfn.js';
import { AppError } from '../../lib/core/errors.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
export const SERVERLESS_BIN = join(REPO, 'node_modules/osls/bin/serverless.js');
const SERVICE_FILES = ['serverless.yml', 'package.json', 'tsconfig.json', 'functions', 'lib', 'deploy'];

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  Condition?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Conditions?: Record<string, unknown>;
}

export interface PackagedService {
  /** The private copy; built handlers are under .esbuild/.build/functions/. */
  serviceDir: string;
  artifactsDir: string;
  /** The template as written; `resources` are those CloudFormation would create under its conditions. */
  template: CfnTemplate;
  templatePath: string;
  resources: Record<string, CfnResource>;
  /** Each created resource's properties with every intrinsic function resolved under this template's conditions. */
  properties: Record<string, Record<string, any>>;
  durationMs: number;
  remove(): void;
}

export class PackagingError extends AppError {
  constructor(readonly output: string) {
    super(`serverless package failed:\n${output}`);
  }
}

/** A private copy of what osls reads, in a new temporary folder, with the repository's node_modules linked in. */
export function copyService(prefix: string): string {
  const serviceDir = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of SERVICE_FILES) cpSync(join(REPO, entry), join(serviceDir, entry), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(serviceDir, 'node_modules'), 'dir');
  return serviceDir;
}

export async function packageService(stage: string, params: Record<string, string> = {}): Promise<PackagedService> {
  const serviceDir = copyService('sls-package-');
  const artifactsDir = join(serviceDir, 'artifacts');
  const remove = () => rmSync(serviceDir, { recursive: true, force: true });

  const args = [SERVERLESS_BIN, 'package', '--stage', stage, '--package', artifactsDir];
  for (const [name, value] of Object.entries(params)) args.push(`--param=${name}=${value}`);
  const started = performance.now();
  try {
    await run(process.execPath, args, {
      cwd: serviceDir,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        // Packaging calls no AWS API; dummy keys only keep credential lookups from wandering.
        AWS_ACCESS_KEY_ID: 'packaging-only',
        AWS_SECRET_ACCESS_KEY: 'packaging-only',
      },
    });
  } catch (err) {
    remove();
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new PackagingError(`${stdout}\n${stderr}`);
  }
  const durationMs = performance.now() - started;
  const templatePath = join(artifactsDir, 'cloudformation-template-update-stack.json');
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
  evaluateConditions(template.Conditions);
  const resources = createdResources(template.Resources);
  const properties = Object.fromEntries(
    Object.entries(resources).map(([id, r]) => [id, resolveIntrinsics(r.Properties ?? {}) as Record<string, any>]),
  );
  return { serviceDir, artifactsDir, template, templatePath, resources, properties, durationMs, remove };
}
