// Two stages deployed on one MSK cluster must not touch each other: everything a stage owns or
// writes on the cluster (group, topics, client ids), in DynamoDB and in CloudWatch carries its name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedActions, roleStatements, type PolicyStatement } from '../../local/deploy/cfn.js';
import { packageService, type PackagedService } from '../../local/deploy/package-service.js';
import { mskResourceArn } from '../support/msk-arn.js';

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/shared/5f2c1a9e-7d3b-4c1e-9a8f-0b6d2e4f1a3c-2';
const kafkaArn = (kind: 'topic' | 'group', name: string) => mskResourceArn(CLUSTER, kind, name);
const SHARED_CLUSTER_PARAMS = {
  region: 'eu-west-1',
  mskClusterArn: CLUSTER,
  kafkaBrokers: 'b-1.shared.example.kafka.eu-west-1.amazonaws.com:9098',
  subnetIds: 'subnet-0a1b2c3d4e5f60001',
  securityGroupIds: 'sg-0a1b2c3d4e5f60003',
};
const STAGES = ['dev', 'prod'] as const;

const packaged: Partial<Record<(typeof STAGES)[number], { service: PackagedService; statements: PolicyStatement[] }>> =
  {};

beforeAll(async () => {
  for (const stage of STAGES) {
    const service = await packageService(stage, SHARED_CLUSTER_PARAMS);
    // Read each template as soon as it is packaged: conditions are evaluated per template.
    packaged[stage] = { service, statements: roleStatements(service.resources) };
  }
}, 240_000);

afterAll(() => {
  for (const p of Object.values(packaged)) p?.service.remove();
});

function view(stage: (typeof STAGES)[number]) {
  const { service, statements } = packaged[stage]!;
  const p = service.properties;
  const score = p.ScoreLambdaFunction!.Environment.Variables;
  const popular = p.PopularLambdaFunction!.Environment.Variables;
  return {
    statements,
    consumerGroup: p.ScoreActivityMapping!.AmazonManagedKafkaEventSourceConfig.ConsumerGroupId as string,
    activityTopic: (p.ScoreActivityMapping!.Topics as string[])[0]!,
    dlqTopic: score.DLQ_TOPIC as string,
    popularTopic: popular.POPULAR_TOPIC as string,
    trendingTopic: popular.TRENDING_TOPIC as string,
    table: p.ScoresTable!.TableName as string,
    namespace: score.POWERTOOLS_METRICS_NAMESPACE as string,
    clientIds: [score.KAFKA_CLIENT_ID, popular.KAFKA_CLIENT_ID] as string[],
    alarmNames: Object.entries(p)
      .filter(([id]) => service.resources[id]!.Type === 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.AlarmName as string),
  };
}

describe('two stages on one cluster', () => {
  it('name their group, the topics they write, client ids, table, metrics and alarms after the stage', () => {
    for (const stage of STAGES) {
      const v = view(stage);
      expect(v).toMatchObject({
        consumerGroup: `popular-users-${stage}-scorer`,
        dlqTopic: `popular-users-${stage}-activity-dlq`,
        popularTopic: `popular-users-${stage}-popular_users`,
        trendingTopic: `popular-users-${stage}-trending_users`,
        table: `popular-users-${stage}-scores`,
        namespace: `popular-users/${stage}`,
        clientIds: [`popular-users-${stage}-score`, `popular-users-${stage}-popular`],
      });
      expect(v.alarmNames.length).toBe(7);
      for (const name of v.alarmNames) expect(name.startsWith(`popular-users-${stage}-`), name).toBe(true);
    }
  });

  it('share nothing but the activity topic they both only read', () => {
    const [dev, prod] = STAGES.map(view) as [ReturnType<typeof view>, ReturnType<typeof view>];
    expect(dev.activityTopic).toBe('activity');
    expect(prod.activityTopic).toBe('activity');
    for (const key of ['consumerGroup', 'dlqTopic', 'popularTopic', 'trendingTopic', 'table', 'namespace'] as const)
      expect(dev[key], key).not.toBe(prod[key]);
    expect(dev.alarmNames.filter((n) => prod.alarmNames.includes(n))).toEqual([]);
  });

  it("grant each stage's roles nothing on the other stage's group or topics", () => {
    for (const [self, other] of [STAGES, [...STAGES].reverse()] as const) {
      const mine = view(self);
      const theirs = view(other);
      for (const role of ['ScoreFunctionRole', 'PopularFunctionRole']) {
        expect(
          allowedActions(mine.statements, role, kafkaArn('group', theirs.consumerGroup)),
          `${self} ${role}`,
        ).toEqual([]);
        expect(allowedActions(mine.statements, role, kafkaArn('topic', theirs.dlqTopic)), `${self} ${role}`).toEqual(
          [],
        );
        expect(
          allowedActions(mine.statements, role, kafkaArn('topic', theirs.popularTopic)),
          `${self} ${role}`,
        ).toEqual([]);
        expect(
          allowedActions(mine.statements, role, kafkaArn('topic', theirs.trendingTopic)),
          `${self} ${role}`,
        ).toEqual([]);
      }
      expect(allowedActions(mine.statements, 'ScoreFunctionRole', kafkaArn('group', mine.consumerGroup))).toEqual([
        'kafka-cluster:AlterGroup',
        'kafka-cluster:DescribeGroup',
      ]);
      // Reading the shared input is the one thing both may do.
      expect(allowedActions(mine.statements, 'ScoreFunctionRole', kafkaArn('topic', 'activity'))).toEqual([
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:ReadData',
      ]);
    }
  });
});
