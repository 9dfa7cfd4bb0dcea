import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/core/config.js';
import { loadMappingConfig } from '../../local/commands/settings.js';

describe('loadMappingConfig', () => {
  it("defaults to AWS's MSK mapping defaults: batch size 100, window 0.5 s, from the oldest record", () => {
    expect(loadMappingConfig({ KAFKA_BROKERS: 'localhost:9092' })).toEqual({
      activityTopic: 'activity',
      groupId: 'activity-scorer-mapping',
      batchSize: 100,
      batchingWindowMs: 500,
      startingPosition: 'trim_horizon',
      // Retry until success, no age limit, no on-failure topic: what serverless.yml gives AWS's mapping.
      maximumRetryAttempts: -1,
      maximumRecordAgeSeconds: -1,
      kafka: { brokers: ['localhost:9092'], clientId: 'activity-mapping', ssl: false, sasl: 'none' },
    });
  });

  it('reads the error-handling settings, refusing a record age AWS refuses', () => {
    expect(
      loadMappingConfig({
        KAFKA_BROKERS: 'b:9092',
        ESM_MAXIMUM_RETRY_ATTEMPTS: '3',
        ESM_MAXIMUM_RECORD_AGE_SECONDS: '3600',
        ESM_ON_FAILURE_TOPIC: 'activity-failed',
      }),
    ).toMatchObject({
      maximumRetryAttempts: 3,
      maximumRecordAgeSeconds: 3600,
      onFailureTopic: 'activity-failed',
    });
    expect(() => loadMappingConfig({ KAFKA_BROKERS: 'b:9092', ESM_MAXIMUM_RECORD_AGE_SECONDS: '30' })).toThrow(
      "ESM_MAXIMUM_RECORD_AGE_SECONDS=30 is below AWS's minimum of 60; set -1 (no limit) or 60 to 604800",
    );
    expect(() => loadMappingConfig({ KAFKA_BROKERS: 'b:9092', ESM_MAXIMUM_RETRY_ATTEMPTS: '-5' })).toThrow(
      'ESM_MAXIMUM_RETRY_ATTEMPTS=-5 is not an integer from -1 to 10000',
    );
  });

  it('reads the settings AWS names, in seconds for the window', () => {
    const config = loadMappingConfig({
      KAFKA_BROKERS: 'b:9092',
      ESM_BATCH_SIZE: '10000',
      ESM_BATCHING_WINDOW_SECONDS: '2.5',
      ESM_STARTING_POSITION: 'LATEST',
      ESM_EVENT_SOURCE_ARN: 'arn:aws:kafka:eu-west-1:1:cluster/x/y',
    });
    expect(config).toMatchObject({
      batchSize: 10_000,
      batchingWindowMs: 2500,
      startingPosition: 'latest',
      eventSourceArn: 'arn:aws:kafka:eu-west-1:1:cluster/x/y',
    });
  });

  it('names every bad setting with its allowed range', () => {
    const load = () => loadMappingConfig({ ESM_BATCH_SIZE: '10001', ESM_BATCHING_WINDOW_SECONDS: '301' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('ESM_BATCH_SIZE=10001 is not an integer from 1 to 10000');
    expect(load).toThrow('ESM_BATCHING_WINDOW_SECONDS=301 is not a number from 0 to 300 seconds');
    expect(load).toThrow('KAFKA_BROKERS is not set');
  });
});
