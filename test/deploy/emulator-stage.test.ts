// The `local` stage, which `npm run e2e` deploys to ministack: what it creates and what it leaves to
// the stand-in, read from the template `serverless package` writes (no emulator needed here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageService, PackagingError, type PackagedService } from '../../local/deploy/package-service.js';

const BROKER = '127.0.0.1:39092';
let service: PackagedService;
const ofType = (type: string) => Object.keys(service.resources).filter((id) => service.resources[id]!.Type === type);

beforeAll(async () => {
  service = await packageService('local', { kafkaBrokers: BROKER });
}, 240_000);

afterAll(() => service?.remove());

describe('the emulator stage', () => {
  it('has no MSK mapping and no VPC, and points both functions at the broker it is given, in plaintext', () => {
    expect(ofType('AWS::Lambda::EventSourceMapping')).toEqual([]);
    for (const fn of ['ScoreLambdaFunction', 'PopularLambdaFunction']) {
      const props = service.properties[fn]!;
      expect(props.VpcConfig, fn).toBeUndefined();
      expect(props.Runtime, fn).toBe('nodejs24.x');
      expect(props.Environment.Variables, fn).toMatchObject({
        KAFKA_BROKERS: BROKER,
        KAFKA_SASL_MECHANISM: 'none',
        SCORES_TABLE: 'Ref:ScoresTable',
      });
    }
    expect(service.resources.ScoresTable!.DeletionPolicy).toBe('Delete');
  });

  it('runs the job every minute, so its deployed schedule fires within a test run', () => {
    const [rule] = ofType('AWS::Events::Rule');
    expect(service.properties[rule!]!.ScheduleExpression).toBe('rate(1 minute)');
    expect(service.properties.PopularRunMissingAlarm!.Period).toBe(60);
  });

  it('keeps every alarm that does not watch the mapping, none of them with metric math (which ministack refuses)', () => {
    expect(ofType('AWS::CloudWatch::Alarm').sort()).toEqual([
      'DeadLetterCountAlarm',
      'FutureEventsAlarm',
      'PopularErrorsAlarm',
      'PopularRunMissingAlarm',
      'PossibleCopiesAlarm',
      'ScoreErrorsAlarm',
    ]);
    for (const id of ofType('AWS::CloudWatch::Alarm')) {
      expect(service.properties[id]!.Metrics, id).toBeUndefined();
      expect(service.properties[id]!.MetricName, id).toEqual(expect.any(String));
      expect(service.properties[id]!.AlarmName, id).toMatch(/^popular-users-local-/);
    }
    // The dead-letter alarm without a rate: any rejected record in three 5-minute periods running.
    expect(service.properties.DeadLetterCountAlarm).toMatchObject({
      Namespace: 'popular-users/local',
      MetricName: 'Rejected',
      Dimensions: [{ Name: 'service', Value: 'activity-scorer' }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('takes the metric-math rate back with metricMathAlarms=true', async () => {
    const other = await packageService('local', { kafkaBrokers: BROKER, metricMathAlarms: 'true' });
    try {
      const alarms = Object.keys(other.resources).filter(
        (id) => other.resources[id]!.Type === 'AWS::CloudWatch::Alarm',
      );
      expect(alarms).toContain('DeadLetterRateAlarm');
      expect(alarms).not.toContain('DeadLetterCountAlarm');
      expect(
        other.properties.DeadLetterRateAlarm!.Metrics.find((m: { Id: string }) => m.Id === 'rate').Expression,
      ).toBe('rejected / records');
    } finally {
      other.remove();
    }
  }, 120_000);

  it('refuses a metricMathAlarms that is neither true nor false, naming it', async () => {
    const failure = await packageService('local', { kafkaBrokers: BROKER, metricMathAlarms: 'yes' }).then(
      (s) => {
        s.remove();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(PackagingError);
    expect((failure as PackagingError).output).toContain('param metricMathAlarms=yes must be true (AWS');
  }, 120_000);

  it('without the broker address, stops at packaging naming the parameter and where the address comes from', async () => {
    const failure = await packageService('local').then(
      (s) => {
        s.remove();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(PackagingError);
    expect((failure as PackagingError).output).toContain(
      'The parameter "kafkaBrokers" is required for stage "local": pass --param="kafkaBrokers=..." or set params.<stage>.kafkaBrokers in serverless.yml; ' +
        'it is the address of the Kafka broker the deployed functions reach',
    );
  }, 120_000);
});
