// The packaged zips run alone, as Lambda runs them: each unzipped into an empty folder and invoked
// against the run's DynamoDB Local and Kafka broker, writing its logs and EMF metrics to stdout.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IAM_ENV, packageAndUnzip, runIn, type UnzippedService } from '../support/bundle-folder.js';
import { freshScoresTable, freshTopic, stackEndpoints, testDynamo } from '../support/stack.js';

let unzipped: UnzippedService;
let folders: UnzippedService['folders'];

beforeAll(async () => {
  unzipped = await packageAndUnzip();
  folders = unzipped.folders;
}, 240_000);

afterAll(() => unzipped?.remove());

/** A Lambda context's fields; the script adds getRemainingTimeInMillis. */
const contextFields = {
  awsRequestId: 'req-7f3e',
  functionName: 'popular-users-test-score',
  functionVersion: '$LATEST',
  memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:popular-users-test-score',
};

describe('the score zip, run alone', () => {
  it('scores a batch against DynamoDB, logs with the request id and writes EMF metrics in the stage namespace', async () => {
    const table = await freshScoresTable(testDynamo(), 'bundle');
    const value = (userId: number, activity: string) =>
      Buffer.from(JSON.stringify({ user_id: userId, activity })).toString('base64');
    const record = (offset: number, v: string) => ({
      topic: 'activity',
      partition: 0,
      offset,
      timestamp: Date.now(),
      timestampType: 'CREATE_TIME',
      value: v,
      headers: [],
    });
    const event = {
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/activity-cluster/x',
      bootstrapServers: IAM_ENV.KAFKA_BROKERS,
      records: { 'activity-0': [record(0, value(1, 'profile.view')), record(1, value(2, 'message.private'))] },
    };
    const url = pathToFileURL(join(folders.score, 'functions', 'score.mjs')).href;
    const script = `const m = await import(${JSON.stringify(url)});
const context = { ...${JSON.stringify(contextFields)}, getRemainingTimeInMillis: () => 60000 };
const summary = await m.handler(${JSON.stringify(event)}, context);
console.log('SUMMARY ' + JSON.stringify(summary));`;
    const { stdout } = await runIn(folders.score, script, {
      ...IAM_ENV,
      SCORES_TABLE: table,
      AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines.find((l) => l.startsWith('SUMMARY '))!.slice('SUMMARY '.length));
    expect(summary).toMatchObject({ records: 2, accepted: 2, rejected: 0, writes: 2 });

    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
    const logLine = json.find((j) => j.message === 'batch scored');
    expect(logLine).toMatchObject({ function_request_id: 'req-7f3e', service: 'activity-scorer' });
    const emf = json.filter((j) => j._aws?.CloudWatchMetrics !== undefined);
    expect(emf.length).toBeGreaterThan(0);
    for (const blob of emf) expect(blob._aws.CloudWatchMetrics[0].Namespace).toBe('popular-users/test');
    const main = emf.find((j) => j.Records !== undefined)!;
    expect(main).toMatchObject({
      service: 'activity-scorer',
      Records: 2,
      Accepted: 2,
      Rejected: 0,
      Writes: 2,
      RedeliveredUsers: 0,
    });
    expect(main._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
  });
});

describe('the popular zip, run alone', () => {
  it('runs the job on an empty table, publishing nothing, and records a successful run in the stage namespace', async () => {
    const table = await freshScoresTable(testDynamo(), 'bundle');
    const topic = await freshTopic('bundle-popular');
    const url = pathToFileURL(join(folders.popular, 'functions', 'popular.mjs')).href;
    const event = {
      id: 'sched-1',
      time: '2026-11-25T20:00:00Z',
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      detail: {},
      account: '123456789012',
      region: 'eu-west-1',
      resources: [],
      version: '0',
    };
    const script = `const m = await import(${JSON.stringify(url)});
const context = { ...${JSON.stringify({ ...contextFields, awsRequestId: 'req-job-1' })}, getRemainingTimeInMillis: () => 60000 };
const summary = await m.handler(${JSON.stringify(event)}, context);
console.log('SUMMARY ' + JSON.stringify(summary));
process.exit(0);`;
    // The local broker speaks plaintext without SASL; MSK IAM itself is covered by the import test above.
    const { stdout } = await runIn(folders.popular, script, {
      ...IAM_ENV,
      KAFKA_BROKERS: stackEndpoints().kafkaBrokers,
      KAFKA_SASL_MECHANISM: 'none',
      SCORES_TABLE: table,
      POPULAR_TOPIC: topic,
      AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
    });
    const lines = stdout.trim().split('\n');
    expect(JSON.parse(lines.find((l) => l.startsWith('SUMMARY '))!.slice('SUMMARY '.length))).toMatchObject({
      usersScanned: 0,
      cutoff: null,
      published: 0,
    });
    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
    expect(json.find((j) => j.message?.startsWith('popular users'))).toMatchObject({
      function_request_id: 'req-job-1',
      service: 'popular-users-job',
    });
    const emf = json.find((j) => j.RunSucceeded !== undefined)!;
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe('popular-users/test');
    expect(emf).toMatchObject({
      service: 'popular-users-job',
      RunSucceeded: 1,
      UsersScanned: 0,
      PopularCount: 0,
      ScanPasses: 1,
    });
    expect(emf.Cutoff).toBeUndefined();
  });
});
