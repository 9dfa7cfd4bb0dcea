// The CloudFormation template `serverless package --stage test` writes, read as AWS would read it.
// The stage's parameters (serverless.yml, params.test) are placeholders: nothing here calls AWS.
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedActions, resolveIntrinsics, roleStatements, type PolicyStatement } from './cfn.js';
import { packageService, PackagingError, type CfnResource, type PackagedService } from './package-service.js';

const run = promisify(execFile);

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/activity-cluster/5f2c1a9e-7d3b-4c1e-9a8f-0b6d2e4f1a3c-2';
const kafkaArn = (kind: 'topic' | 'group', name: string) =>
  `arn:aws:kafka:eu-west-1:123456789012:${kind}/activity-cluster/5f2c1a9e-7d3b-4c1e-9a8f-0b6d2e4f1a3c-2/${name}`;
const TABLE = 'GetAtt:ScoresTable.Arn';
const MiB = 1024 * 1024;

// Lambda creates and removes the interfaces by itself; EC2 offers no narrower resource for that.
const NETWORK_INTERFACE_ACTIONS = new Set([
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
]);

let service: PackagedService;
let resources: Record<string, CfnResource>;
let statements: PolicyStatement[];

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const props = (logicalId: string) => {
  const resource = resources[logicalId];
  if (resource === undefined) throw new Error(`${logicalId} is not in the template`);
  return resolveIntrinsics(resource.Properties) as Record<string, any>;
};

beforeAll(async () => {
  service = await packageService('test');
  resources = service.resources;
  statements = roleStatements(resources);
  console.info(`serverless package --stage test took ${(service.durationMs / 1000).toFixed(1)} s`);
}, 240_000);

afterAll(() => service?.remove());

describe('the scorer', () => {
  it('is fed by an MSK event source mapping on the activity topic', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const [id] = mappings[0]!;
    expect(props(id)).toEqual({
      EventSourceArn: CLUSTER,
      FunctionName: 'GetAtt:ScoreLambdaFunction.Arn',
      Topics: ['activity'],
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      StartingPosition: 'TRIM_HORIZON',
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'activity-scorer' },
    });
  });

  it('runs on Node.js 22 on arm64 in the VPC, signing in to MSK with IAM', () => {
    const fn = props('ScoreLambdaFunction');
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'functions/score.handler', Role: 'GetAtt:ScoreFunctionRole.Arn' });
    expect(fn.VpcConfig).toEqual({ SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'], SecurityGroupIds: ['sg-0a1b2c3d4e5f60003'] });
    expect(fn.Environment.Variables).toMatchObject({ SCORES_TABLE: 'Ref:ScoresTable', KAFKA_SASL_MECHANISM: 'aws-iam', DLQ_TOPIC: 'activity-dlq' });
    expect(fn.Environment.Variables.KAFKA_BROKERS).toMatch(/^[^,:]+:9098,[^,:]+:9098$/);
  });
});

describe('the popular-users job', () => {
  it('runs on the schedule, with room for a scan of a large table', () => {
    const rules = ofType('AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const rule = props(rules[0]![0]);
    expect(rule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(rule.State).toBe('ENABLED');
    expect(rule.Targets.map((t: { Arn: string }) => t.Arn)).toEqual(['GetAtt:PopularLambdaFunction.Arn']);
    expect(props('PopularLambdaFunction')).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'functions/popular.handler',
      Timeout: 900,
      MemorySize: 1024,
      ReservedConcurrentExecutions: 1,
      Role: 'GetAtt:PopularFunctionRole.Arn',
    });
    expect(props('PopularLambdaFunction').Environment.Variables).toMatchObject({ SCORES_TABLE: 'Ref:ScoresTable', POPULAR_TOPIC: 'popular_users', PERCENTILE: '95', SCAN_SEGMENTS: '8' });
  });
});

describe('the scores table', () => {
  it('is keyed by user_id, billed on demand, with point-in-time recovery', () => {
    expect(resources.ScoresTable?.DeletionPolicy).toBe('Retain');
    expect(props('ScoresTable')).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'user_id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'user_id', AttributeType: 'S' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('IAM', () => {
  it('grants no wildcard action, and a wildcard resource only for VPC network interfaces', () => {
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.effect, s.sid).toBe('Allow');
      for (const action of s.actions) expect(action, `${s.role}/${s.sid}`).not.toContain('*');
      if (s.resources.some((r) => r.includes('*'))) {
        expect(s.resources, `${s.role}/${s.sid}`).toEqual(['*']);
        expect(s.actions.filter((a) => !NETWORK_INTERFACE_ACTIONS.has(a)), `${s.role}/${s.sid}`).toEqual([]);
      }
    }
  });

  it('attaches no managed policy and makes no role other than the two functions\'', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.map(([id]) => id).sort()).toEqual(['PopularFunctionRole', 'ScoreFunctionRole']);
    for (const [id] of roles) expect(props(id).ManagedPolicyArns, id).toBeUndefined();
    expect(ofType('AWS::IAM::Policy')).toEqual([]);
    expect(ofType('AWS::IAM::ManagedPolicy')).toEqual([]);
  });

  it('lets the scorer and its mapping do exactly their work on the table, cluster, topics and group', () => {
    const role = 'ScoreFunctionRole';
    expect(allowedActions(statements, role, TABLE)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(allowedActions(statements, role, CLUSTER)).toEqual([
      'kafka-cluster:Connect',
      'kafka-cluster:DescribeClusterDynamicConfiguration',
      'kafka:DescribeClusterV2',
      'kafka:GetBootstrapBrokers',
    ]);
    expect(allowedActions(statements, role, kafkaArn('topic', 'activity'))).toEqual(['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData']);
    expect(allowedActions(statements, role, kafkaArn('group', 'activity-scorer'))).toEqual(['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup']);
    expect(allowedActions(statements, role, kafkaArn('topic', 'activity-dlq'))).toEqual(['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData']);
    expect(allowedActions(statements, role, 'GetAtt:ScoreLogGroup.Arn')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('lets the job scan the table and publish to popular_users, nothing more', () => {
    const role = 'PopularFunctionRole';
    expect(allowedActions(statements, role, TABLE)).toEqual(['dynamodb:Scan']);
    expect(allowedActions(statements, role, CLUSTER)).toEqual(['kafka-cluster:Connect']);
    expect(allowedActions(statements, role, kafkaArn('topic', 'popular_users'))).toEqual(['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData']);
    expect(allowedActions(statements, role, 'GetAtt:PopularLogGroup.Arn')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    const everyResource = new Set(statements.filter((s) => s.role === role).flatMap((s) => s.resources));
    expect([...everyResource].sort()).toEqual(['*', CLUSTER, 'GetAtt:PopularLogGroup.Arn', TABLE, kafkaArn('topic', 'popular_users')].sort());
  });
});

describe('the bundles', () => {
  const FUNCTIONS = ['score', 'popular'] as const;

  it.each(FUNCTIONS)('%s is one zipped ES module of at most 1 MiB', (name) => {
    const zipBytes = statSync(join(service.artifactsDir, `${name}.zip`)).size;
    const bundle = readFileSync(join(service.serviceDir, '.esbuild/.build/functions', `${name}.mjs`), 'utf8');
    console.info(`${name}: ${(zipBytes / 1024).toFixed(0)} KiB zipped, ${(bundle.length / 1024).toFixed(0)} KiB unzipped`);
    expect(zipBytes).toBeLessThanOrEqual(MiB);
    // The runtime's AWS SDK is imported, not bundled a second time.
    expect(bundle).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
    expect(bundle).not.toContain('class DynamoDBClient');
  });

  it.each(FUNCTIONS)('%s loads as Lambda would load it and exports its handler', async (name) => {
    const url = pathToFileURL(join(service.serviceDir, '.esbuild/.build/functions', `${name}.mjs`)).href;
    // A child process: the cold start runs against placeholder settings and must not touch this worker.
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); console.log(typeof m.handler);`],
      {
        env: {
          PATH: process.env.PATH,
          SCORES_TABLE: 'scores',
          KAFKA_BROKERS: 'broker.invalid:9098',
          KAFKA_SASL_MECHANISM: 'aws-iam',
          AWS_REGION: 'eu-west-1',
          NODE_NO_WARNINGS: '1',
        },
      },
    );
    expect(stdout.trim()).toBe('function');
  });
});

describe('a stage without its deployment parameters', () => {
  it('fails at packaging, naming each missing parameter', async () => {
    const failure = await packageService('prod').then(
      (s) => {
        s.remove();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(PackagingError);
    const output = (failure as PackagingError).output;
    for (const param of ['mskClusterArn', 'kafkaBrokers', 'subnetIds', 'securityGroupIds']) expect(output).toContain(`"${param}" cannot be resolved`);
  }, 120_000);
});
