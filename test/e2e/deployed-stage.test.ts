// The `local` stage deployed for real (`serverless deploy`) to ministack, with the real Kafka broker:
// a deploy that lacks a parameter creates nothing, a redelivered batch through the DEPLOYED scorer
// leaves exact sums, a malformed record reaches the stage's dead-letter topic through the Kafka client
// bundled in the scorer's zip, and a deployed job with an impossible setting fails naming it and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConditionalCheckFailedException, ListTablesCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import type { BatchSummary } from '../../lib/score-batch.js';
import { plainKafka } from '../../lib/adapters/kafka-client.js';
import { DLQ_HEADER } from '../../lib/core/dead-letter.js';
import { startEmulatorStack, stageTopics, type EmulatorStack } from '../../local/e2e/emulator-stack.js';
import { emulatorStage, ServerlessCommandError, type EmulatorStage } from '../../local/deploy/emulator-stage.js';
import { lambdaInvoker } from '../../local/event-source-mapping/lambda-invoker.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN, type KafkaRecord } from '../../local/event-source-mapping/msk-event.js';
import {
  activityRecords,
  asText,
  expectedSums,
  readFromBeginning,
  readSums,
  sorted,
  topicEnds,
} from '../../local/fixtures/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/clients.js';

let stack: EmulatorStack;
let stage: EmulatorStage;
// A day between runs: the schedule never fires during these tests, so only their own invocations write.
const params = () => ({ kafkaBrokers: stack.broker.bootstrapServers, scheduleMinutes: '1440' });
const TABLE = 'popular-users-local-scores';

beforeAll(async () => {
  stack = await startEmulatorStack('local');
  stage = emulatorStage(stack.emulator.endpoint);
}, 120_000);

afterAll(async () => {
  stage?.dispose();
  await stack?.stop();
});

const event = (records: KafkaRecord[]) =>
  buildMskEvent(records, { eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: stack.broker.bootstrapServers });

describe('the local stage on ministack', () => {
  it('stops a deploy without its broker address before anything is created, naming the parameter', async () => {
    const failure = await stage.deploy({}).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ServerlessCommandError);
    expect((failure as ServerlessCommandError).output).toContain(
      'The parameter "kafkaBrokers" is required for stage "local"',
    );
    // No stack was ever made (ListStacks lists deleted and rolled-back ones too), nor anything else.
    const cloudFormation = new CloudFormationClient({
      endpoint: stack.emulator.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    expect((await cloudFormation.send(new ListStacksCommand({}))).StackSummaries ?? []).toEqual([]);
    cloudFormation.destroy();
    expect((await stack.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    expect((await stack.dynamo.send(new ListTablesCommand({}))).TableNames ?? []).toEqual([]);
  }, 120_000);

  it('deploys every resource of its template', async () => {
    await stage.deploy(params());
    expect(await stage.differencesFromTemplate()).toEqual([]);
    expect((await stage.resources())!.map((r) => r.LogicalResourceId)).toEqual(
      expect.arrayContaining([
        'ScoreLambdaFunction',
        'PopularLambdaFunction',
        'ScoresTable',
        'DeadLetterCountAlarm',
        'PopularRunMissingAlarm',
      ]),
    );
  }, 180_000);

  it("answers a failed conditional UpdateItem with the stored item (ALL_OLD), as the scorer's re-cut expects", async () => {
    const key = { user_id: { S: 'all-old-probe' } };
    const names = { '#s': 'score', '#o': 'o:probe:0' };
    await stack.dynamo.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: 'ADD #s :d SET #o = :o',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':d': { N: '7' }, ':o': { N: '10' } },
      }),
    );
    const failure = await stack.dynamo
      .send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key,
          UpdateExpression: 'ADD #s :d SET #o = :o',
          ConditionExpression: 'attribute_not_exists(#o) OR #o < :min',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':d': { N: '7' }, ':o': { N: '12' }, ':min': { N: '5' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ConditionalCheckFailedException);
    expect((failure as ConditionalCheckFailedException).Item).toEqual({
      ...key,
      score: { N: '7' },
      'o:probe:0': { N: '10' },
    });
  });

  it('leaves exact sums when the deployed scorer gets a batch again, and a batch that overlaps one it applied', async () => {
    const invoke = lambdaInvoker(stack.lambda, stage.functionName('score'));
    const records = activityRecords(900, 150, { topic: 'activity', partitions: 4 });
    const first = records.slice(0, 600);
    const overlapping = records.slice(300);
    const scores = async () => {
      const all = await readSums(stack.dynamo, TABLE, { consistent: true });
      all.delete('all-old-probe');
      return sorted(all);
    };

    const applied = (await invoke(event(first))) as BatchSummary;
    expect(applied).toMatchObject({ records: 600, accepted: 600, alreadyAppliedUsers: 0 });
    expect(await scores()).toEqual(sorted(expectedSums(first)));

    const again = (await invoke(event(first))) as BatchSummary;
    expect(again.alreadyAppliedUsers).toBe(again.distinctUsers);
    expect(await scores()).toEqual(sorted(expectedSums(first)));

    const straddling = (await invoke(event(overlapping))) as BatchSummary;
    expect(straddling.redeliveredUsers).toBeGreaterThan(0);
    expect(await scores()).toEqual(sorted(expectedSums(records)));
  }, 120_000);

  it("sends a malformed record to the stage's dead-letter topic, with its reason, from the deployed scorer", async () => {
    // The scorer's one use of Kafka: the client in its zip producing inside ministack, with the CRC32C helper
    // serverless.yml's esbuild alias inlines (without it: ENOENT on native.wasm beside the bundle).
    const kafka = plainKafka(stack.broker.bootstrapServers, 'e2e-test');
    const dlq = stageTopics('local').dlq;
    const bad: KafkaRecord = {
      topic: 'activity',
      partition: 3,
      offset: 1_000_000,
      timestamp: 1,
      key: 'bad',
      value: 'not json',
    };
    const good: KafkaRecord = {
      topic: 'activity',
      partition: 3,
      offset: 1_000_001,
      timestamp: 1,
      key: '77',
      value: '{"user_id": 77, "activity": "profile.view"}',
    };
    const summary = (await lambdaInvoker(
      stack.lambda,
      stage.functionName('score'),
    )(event([bad, good]))) as BatchSummary;
    expect(summary).toMatchObject({ records: 2, accepted: 1, rejected: 1, rejectedByReason: { bad_json: 1 } });
    const [letter] = (await readFromBeginning(kafka, dlq, 1)).map(asText);
    expect(letter).toMatchObject({ key: 'bad', value: Buffer.from('not json') });
    expect(letter!.headers).toMatchObject({
      [DLQ_HEADER.reason]: 'bad_json',
      [DLQ_HEADER.topic]: 'activity',
      [DLQ_HEADER.offset]: '1000000',
    });
    expect(await topicEnds(kafka, dlq)).toEqual([{ partition: 0, end: 1 }]);
  }, 120_000);

  it('fails an invocation of the deployed job given percentile=abc with the configuration error, and publishes nothing', async () => {
    await stage.deploy({ ...params(), percentile: 'abc' });
    const before = await readSums(stack.dynamo, TABLE, { consistent: true });
    const out = await stack.lambda.send(
      new InvokeCommand({ FunctionName: stage.functionName('popular'), Payload: Buffer.from('{}') }),
    );
    expect(out.FunctionError).toBeDefined();
    const body = JSON.parse(Buffer.from(out.Payload!).toString('utf8')) as { errorMessage: string };
    expect(body.errorMessage).toContain(
      'Invalid configuration:\n  - PERCENTILE=abc is not a number strictly between 0 and 100 written as a decimal (e.g. 95 or 99.9); set it in that range or unset it',
    );
    const kafka = plainKafka(stack.broker.bootstrapServers, 'e2e-test');
    expect(await topicEnds(kafka, stageTopics('local').popular)).toEqual([{ partition: 0, end: 0 }]);
    expect(sorted(await readSums(stack.dynamo, TABLE, { consistent: true }))).toEqual(sorted(before));
  }, 180_000);

  it('is gone after serverless remove: stack, functions and table', async () => {
    await stage.remove();
    expect(await stage.resources()).toBeUndefined();
    expect((await stack.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    expect((await stack.dynamo.send(new ListTablesCommand({}))).TableNames ?? []).toEqual([]);
  }, 120_000);
});
