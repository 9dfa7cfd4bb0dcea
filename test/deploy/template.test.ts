// The CloudFormation template `serverless package --stage test` writes, read as AWS would read it.
// The stage's parameters (serverless.yml, params.test) are placeholders: nothing here calls AWS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedActions, roleStatements, type PolicyStatement } from '../../local/deploy/cfn.js';
import {
  packageService,
  PackagingError,
  type CfnResource,
  type PackagedService,
} from '../../local/deploy/package-service.js';
import { mskResourceArn } from '../support/msk-arn.js';

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/activity-cluster/5f2c1a9e-7d3b-4c1e-9a8f-0b6d2e4f1a3c-2';
const kafkaArn = (kind: 'topic' | 'group', name: string) => mskResourceArn(CLUSTER, kind, name);
const TABLE = 'GetAtt:ScoresTable.Arn';

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
  const resolved = service.properties[logicalId];
  if (resolved === undefined) throw new Error(`${logicalId} is not in the template`);
  return resolved;
};

beforeAll(async () => {
  service = await packageService('test');
  resources = service.resources;
  statements = roleStatements(resources);
  console.info(`serverless package --stage test took ${(service.durationMs / 1000).toFixed(1)} s`);
}, 240_000);

afterAll(() => service?.remove());

describe('the scorer', () => {
  it('is fed by an MSK event source mapping on the activity topic, every setting explicit', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings.map(([id]) => id)).toEqual(['ScoreActivityMapping']);
    expect(props('ScoreActivityMapping')).toEqual({
      EventSourceArn: CLUSTER,
      FunctionName: 'GetAtt:ScoreLambdaFunction.Arn',
      Topics: ['activity'],
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      StartingPosition: 'TRIM_HORIZON',
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'popular-users-test-scorer' },
      // Provisioned mode: the error-handling settings below apply only there.
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 2 },
      // The scorer is idempotent: retry a failing batch until it succeeds, never skip it.
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: false,
      MetricsConfig: { Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] },
    });
  });

  it('takes an on-failure topic, a finite retry limit and a record age as parameters, and may then write to that topic', async () => {
    const other = await packageService('test', {
      onFailureTopic: 'popular-users-test-activity-failed',
      maximumRetryAttempts: '5',
      maximumRecordAgeSeconds: '86400',
      minimumPollers: '2',
      maximumPollers: '8',
    });
    try {
      // Values from --param arrive as text; CloudFormation reads "5" for an integer property as 5.
      const mapping = JSON.parse(JSON.stringify(other.properties.ScoreActivityMapping), (_, v) =>
        typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v,
      );
      expect(mapping).toMatchObject({
        ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 8 },
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 86400,
        DestinationConfig: { OnFailure: { Destination: 'kafka://popular-users-test-activity-failed' } },
      });
      const otherStatements = roleStatements(other.resources);
      expect(
        allowedActions(otherStatements, 'ScoreFunctionRole', kafkaArn('topic', 'popular-users-test-activity-failed')),
      ).toEqual(['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData']);
    } finally {
      other.remove();
    }
    // Without one, no destination and no grant.
    expect(props('ScoreActivityMapping').DestinationConfig).toBeUndefined();
    expect(statements.filter((s) => s.sid === 'MappingSendsFailedBatches')).toEqual([]);
  }, 120_000);

  it('runs on Node.js 22 on arm64 in the VPC, signing in to MSK with IAM', () => {
    const fn = props('ScoreLambdaFunction');
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'functions/score.handler',
      Role: 'GetAtt:ScoreFunctionRole.Arn',
    });
    expect(fn.VpcConfig).toEqual({
      SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
      SecurityGroupIds: ['sg-0a1b2c3d4e5f60003'],
    });
    expect(fn.Environment.Variables).toMatchObject({
      SCORES_TABLE: 'Ref:ScoresTable',
      KAFKA_SASL_MECHANISM: 'aws-iam',
      DLQ_TOPIC: 'popular-users-test-activity-dlq',
      ACTIVITY_TOPIC: 'activity',
      TRENDING_DAYS: '7',
    });
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
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'functions/popular.handler',
      Timeout: 900,
      MemorySize: 1024,
      ReservedConcurrentExecutions: 1,
      Role: 'GetAtt:PopularFunctionRole.Arn',
    });
    expect(props('PopularLambdaFunction').Environment.Variables).toMatchObject({
      SCORES_TABLE: 'Ref:ScoresTable',
      POPULAR_TOPIC: 'popular-users-test-popular_users',
      PERCENTILE: '95',
      SCAN_SEGMENTS: '8',
      TRENDING_DAYS: '7',
      // Blank: the job's default, PERCENTILE.
      TRENDING_PERCENTILE: '',
      TRENDING_TOPIC: 'popular-users-test-trending_users',
    });
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
        expect(
          s.actions.filter((a) => !NETWORK_INTERFACE_ACTIONS.has(a)),
          `${s.role}/${s.sid}`,
        ).toEqual([]);
      }
    }
  });

  it("attaches no managed policy and makes no role other than the two functions'", () => {
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
    expect(allowedActions(statements, role, kafkaArn('topic', 'activity'))).toEqual([
      'kafka-cluster:DescribeTopic',
      'kafka-cluster:ReadData',
    ]);
    expect(allowedActions(statements, role, kafkaArn('group', 'popular-users-test-scorer'))).toEqual([
      'kafka-cluster:AlterGroup',
      'kafka-cluster:DescribeGroup',
    ]);
    expect(allowedActions(statements, role, kafkaArn('topic', 'popular-users-test-activity-dlq'))).toEqual([
      'kafka-cluster:DescribeTopic',
      'kafka-cluster:DescribeTopicDynamicConfiguration',
      'kafka-cluster:WriteData',
    ]);
    expect(allowedActions(statements, role, 'GetAtt:ScoreLogGroup.Arn')).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });

  it("lets the job scan the table, read its popular- and trending-users topics' size limits and publish to them, nothing more", () => {
    const role = 'PopularFunctionRole';
    expect(allowedActions(statements, role, TABLE)).toEqual(['dynamodb:Scan']);
    expect(allowedActions(statements, role, CLUSTER)).toEqual(['kafka-cluster:Connect']);
    for (const topic of ['popular-users-test-popular_users', 'popular-users-test-trending_users']) {
      expect(allowedActions(statements, role, kafkaArn('topic', topic)), topic).toEqual([
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:DescribeTopicDynamicConfiguration',
        'kafka-cluster:WriteData',
      ]);
    }
    expect(allowedActions(statements, role, 'GetAtt:PopularLogGroup.Arn')).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const everyResource = new Set(statements.filter((s) => s.role === role).flatMap((s) => s.resources));
    expect([...everyResource].sort()).toEqual(
      [
        '*',
        CLUSTER,
        'GetAtt:PopularLogGroup.Arn',
        TABLE,
        kafkaArn('topic', 'popular-users-test-popular_users'),
        kafkaArn('topic', 'popular-users-test-trending_users'),
      ].sort(),
    );
  });
});

describe('metrics and alarms', () => {
  const NAMESPACE = 'popular-users/test';

  it("give both functions the stage's metrics namespace", () => {
    for (const fn of ['ScoreLambdaFunction', 'PopularLambdaFunction']) {
      expect(props(fn).Environment.Variables, fn).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: NAMESPACE });
    }
  });

  it('alarm on a growing offset lag, on either function erroring, on the dead-letter rate, on possible copies, on future events and on a missing job run', () => {
    const alarms = Object.fromEntries(ofType('AWS::CloudWatch::Alarm').map(([id]) => [id, props(id)]));
    expect(Object.keys(alarms).sort()).toEqual([
      'DeadLetterRateAlarm',
      'FutureEventsAlarm',
      'MappingOffsetLagAlarm',
      'PopularErrorsAlarm',
      'PopularRunMissingAlarm',
      'PossibleCopiesAlarm',
      'ScoreErrorsAlarm',
    ]);
    for (const [id, alarm] of Object.entries(alarms)) {
      expect(alarm.AlarmName, id).toMatch(/^popular-users-test-/);
      // No SNS topic given: the alarms change state and notify nobody.
      expect(alarm.AlarmActions, id).toBeUndefined();
    }

    const lag = alarms.MappingOffsetLagAlarm!;
    expect(lag.Metrics[0].MetricStat.Metric).toEqual({
      Namespace: 'AWS/Lambda',
      MetricName: 'OffsetLag',
      Dimensions: [{ Name: 'FunctionName', Value: 'Ref:ScoreLambdaFunction' }],
    });
    expect(lag.Metrics[1].Expression).toBe('IF(lag > 100000 AND DIFF(lag) > 0, 1, 0)');
    expect(lag).toMatchObject({ EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 1 });

    for (const [id, fn] of [
      ['ScoreErrorsAlarm', 'ScoreLambdaFunction'],
      ['PopularErrorsAlarm', 'PopularLambdaFunction'],
    ] as const) {
      expect(alarms[id], id).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: `Ref:${fn}` }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }

    // Any event counted although it may be a copy is worth a look: the scorer could not tell.
    expect(alarms.PossibleCopiesAlarm).toMatchObject({
      Namespace: NAMESPACE,
      MetricName: 'PossibleCopies',
      Dimensions: [{ Name: 'service', Value: 'activity-scorer' }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });

    // A producer clock over an hour ahead skews the trending window (and the restart detection): worth a look every
    // time.
    expect(alarms.FutureEventsAlarm).toMatchObject({
      Namespace: NAMESPACE,
      MetricName: 'FutureEvents',
      Dimensions: [{ Name: 'service', Value: 'activity-scorer' }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });

    const dlq = alarms.DeadLetterRateAlarm!;
    const metric = (mid: string) => dlq.Metrics.find((m: { Id: string }) => m.Id === mid).MetricStat.Metric;
    expect(metric('rejected')).toEqual({
      Namespace: NAMESPACE,
      MetricName: 'Rejected',
      Dimensions: [{ Name: 'service', Value: 'activity-scorer' }],
    });
    expect(metric('records')).toEqual({
      Namespace: NAMESPACE,
      MetricName: 'Records',
      Dimensions: [{ Name: 'service', Value: 'activity-scorer' }],
    });
    expect(dlq).toMatchObject({ Threshold: 0.01, ComparisonOperator: 'GreaterThanThreshold' });

    // Two schedule periods without a RunSucceeded, silence included, is an alarm.
    expect(alarms.PopularRunMissingAlarm).toMatchObject({
      Namespace: NAMESPACE,
      MetricName: 'RunSucceeded',
      Dimensions: [{ Name: 'service', Value: 'popular-users-job' }],
      Period: 300,
      EvaluationPeriods: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it("notify an SNS topic when one is given, and follow the schedule's period", async () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:popular-users-alarms';
    const other = await packageService('test', { alarmTopicArn: topic, scheduleMinutes: '15' });
    try {
      const alarms = Object.entries(other.properties).filter(
        ([id]) => other.resources[id]!.Type === 'AWS::CloudWatch::Alarm',
      );
      expect(alarms).toHaveLength(7);
      for (const [id, alarm] of alarms) {
        expect(alarm.AlarmActions, id).toEqual([topic]);
        expect(alarm.OKActions, id).toEqual([topic]);
      }
      expect(other.properties.PopularRunMissingAlarm!.Period).toBe(900);
      expect(other.properties.PopularEventsRuleSchedule1!.ScheduleExpression).toBe('rate(15 minutes)');
    } finally {
      other.remove();
    }
  }, 120_000);
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
    for (const param of ['mskClusterArn', 'kafkaBrokers', 'subnetIds', 'securityGroupIds'])
      expect(output).toContain(`The parameter "${param}" is required for stage "prod": pass --param="${param}=..."`);
  }, 120_000);
});
