// The real `serverless deploy` and `serverless remove` of a stage, against an AWS emulator: osls
// reaches it through the AWS SDK's standard AWS_ENDPOINT_URL, from a private copy of the service.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { AppError } from '../../lib/core/errors.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../services/clients.js';
import { copyService, SERVERLESS_BIN, type CfnTemplate } from './package-service.js';
import { createdResources, evaluateConditions } from './cfn.js';

const run = promisify(execFile);
export const SERVICE = 'popular-users';

/** A serverless command failed; its output says why. */
export class ServerlessCommandError extends AppError {
  constructor(
    readonly command: string,
    readonly output: string,
  ) {
    super(`serverless ${command} failed:\n${output}`);
  }
}

export interface EmulatorStage {
  stage: string;
  stackName: string;
  /** `<service>-<stage>-<function>`, as osls names a function. */
  functionName(fn: 'score' | 'popular'): string;
  /** Deploys (creates or updates) with these parameters; resolves with the time it took. Later commands reuse them. */
  deploy(params?: Record<string, string>, signal?: AbortSignal): Promise<{ durationMs: number; output: string }>;
  /** The template the last deploy sent, as osls wrote it. */
  template(): CfnTemplate;
  /** Every resource of the stack, or undefined when there is no such stack. */
  resources(): Promise<StackResourceSummary[] | undefined>;
  /** What keeps the stack from being its template: resources missing, extra, or not complete; empty when none. */
  differencesFromTemplate(): Promise<string[]>;
  remove(signal?: AbortSignal): Promise<{ durationMs: number; output: string }>;
  /** Removes the private copy of the service (not the stack). */
  dispose(): void;
  /** The environment osls runs with: the emulator's endpoint and credentials, nothing from this shell. */
  env: NodeJS.ProcessEnv;
}

export function emulatorStage(endpoint: string, stage = 'local'): EmulatorStage {
  const serviceDir = copyService(`sls-${stage}-`);
  const stackName = `${SERVICE}-${stage}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  const cloudFormation = new CloudFormationClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

  // osls resolves the whole serverless.yml for every command, remove included: the stage's parameters go with each.
  let params: Record<string, string> = {};
  // An abort ends the osls process (execFile's signal), as Ctrl-C would in a terminal.
  const serverless = async (command: string, signal?: AbortSignal) => {
    const args = [
      SERVERLESS_BIN,
      command,
      '--stage',
      stage,
      ...Object.entries(params).map(([k, v]) => `--param=${k}=${v}`),
    ];
    const started = performance.now();
    try {
      const { stdout, stderr } = await run(process.execPath, args, {
        cwd: serviceDir,
        env,
        maxBuffer: 16 * 1024 * 1024,
        signal,
      });
      return { durationMs: performance.now() - started, output: stdout + stderr };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new ServerlessCommandError(command, `${stdout}${stderr}`.trim());
    }
  };

  return {
    stage,
    stackName,
    env,
    functionName: (fn) => `${stackName}-${fn}`,
    deploy: (given = {}, signal) => {
      params = given;
      return serverless('deploy', signal);
    },
    template: () =>
      JSON.parse(
        readFileSync(join(serviceDir, '.serverless/cloudformation-template-update-stack.json'), 'utf8'),
      ) as CfnTemplate,
    async resources() {
      try {
        await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
      } catch (err) {
        if (err instanceof Error && /does not exist/.test(err.message)) return undefined;
        throw err;
      }
      const summaries: StackResourceSummary[] = [];
      let token: string | undefined;
      do {
        const page = await cloudFormation.send(
          new ListStackResourcesCommand({ StackName: stackName, NextToken: token }),
        );
        summaries.push(...(page.StackResourceSummaries ?? []));
        token = page.NextToken;
      } while (token !== undefined);
      return summaries;
    },
    async differencesFromTemplate() {
      const template = this.template();
      evaluateConditions(template.Conditions);
      const expected = new Set(Object.keys(createdResources(template.Resources)));
      const deployed = (await this.resources()) ?? [];
      const problems: string[] = [];
      for (const r of deployed) {
        const id = r.LogicalResourceId ?? '';
        // osls creates the stack with its bucket alone, then updates it to the whole template.
        if (!/^(CREATE|UPDATE)_COMPLETE$/.test(r.ResourceStatus ?? '')) problems.push(`${id} is ${r.ResourceStatus}`);
        if (!expected.delete(id)) problems.push(`${id} is not in the template`);
      }
      for (const id of expected) problems.push(`${id} was not created`);
      return problems;
    },
    remove: (signal) => serverless('remove', signal),
    dispose() {
      cloudFormation.destroy();
      rmSync(serviceDir, { recursive: true, force: true });
    },
  };
}
