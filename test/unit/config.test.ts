import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SCORE_WEIGHTS, loadPopularConfig, loadScorerConfig } from '../../lib/config.js';

const base = { SCORES_TABLE: 'scores', KAFKA_BROKERS: 'localhost:9092' };
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('loadScorerConfig', () => {
  it('fills defaults', () => {
    const c = loadScorerConfig(base);
    expect(c.weights).toEqual(DEFAULT_SCORE_WEIGHTS);
    expect(c.dlqTopic).toBe('activity-dlq');
    expect(c.kafka).toMatchObject({ brokers: ['localhost:9092'], ssl: false, sasl: 'none' });
  });

  it('reads custom weights', () => {
    expect(loadScorerConfig({ ...base, SCORE_WEIGHTS: '{"share": 5}' }).weights).toEqual({ share: 5 });
  });

  it.each([
    ['{not json', /SCORE_WEIGHTS is not valid JSON/],
    ['[1,2]', /SCORE_WEIGHTS must be a non-empty JSON object/],
    ['{}', /SCORE_WEIGHTS must be a non-empty JSON object/],
    ['{"a": 1.5}', /SCORE_WEIGHTS has non-integer scores for "a"/],
    ['{"a": "2"}', /SCORE_WEIGHTS has non-integer scores for "a"/],
    ['{"a": 0}', /SCORE_WEIGHTS has scores outside 1-1000000 \("a": 0\); every score must be a positive integer/],
    ['{"a": 2, "b": -3}', /SCORE_WEIGHTS has scores outside 1-1000000 \("b": -3\)/],
    ['{"a": 1000001}', /SCORE_WEIGHTS has scores outside 1-1000000 \("a": 1000001\)/],
  ])('rejects SCORE_WEIGHTS=%s, naming the setting and the fix', (weights, message) => {
    const problems = problemsOf(() => loadScorerConfig({ ...base, SCORE_WEIGHTS: weights }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(problems[0]).toContain("e.g. SCORE_WEIGHTS='");
  });

  it('reports every missing setting at once', () => {
    const problems = problemsOf(() => loadScorerConfig({}));
    expect(problems.some((p) => p.startsWith('SCORES_TABLE is not set'))).toBe(true);
    expect(problems.some((p) => p.startsWith('KAFKA_BROKERS is not set'))).toBe(true);
  });

  it('checks broker addresses and SASL settings', () => {
    expect(problemsOf(() => loadScorerConfig({ ...base, KAFKA_BROKERS: 'localhost' }))[0]).toMatch(/KAFKA_BROKERS has entries that are not host:port: localhost/);
    expect(problemsOf(() => loadScorerConfig({ ...base, KAFKA_SASL_MECHANISM: 'scram-sha-512' })).join()).toMatch(/KAFKA_SASL_USERNAME is not set/);
    expect(problemsOf(() => loadScorerConfig({ ...base, KAFKA_SASL_MECHANISM: 'kerberos' }))[0]).toMatch(/KAFKA_SASL_MECHANISM=kerberos is not one of/);
    const iam = loadScorerConfig({ ...base, KAFKA_SASL_MECHANISM: 'aws-iam', AWS_REGION: 'eu-west-1' });
    expect(iam.kafka).toMatchObject({ sasl: 'aws-iam', ssl: true, region: 'eu-west-1' });
  });

  it('bounds WRITE_CONCURRENCY', () => {
    expect(problemsOf(() => loadScorerConfig({ ...base, WRITE_CONCURRENCY: '0' }))[0]).toMatch(/WRITE_CONCURRENCY=0 is not an integer from 1 to 1024/);
  });
});

describe('loadPopularConfig', () => {
  it('fills defaults', () => {
    expect(loadPopularConfig(base)).toMatchObject({ percentile: 95, scanSegments: 8, popularTopic: 'popular_users' });
  });

  it.each([['0'], ['100'], ['abc'], ['-5']])('rejects PERCENTILE=%s', (p) => {
    expect(problemsOf(() => loadPopularConfig({ ...base, PERCENTILE: p }))[0]).toMatch(new RegExp(`^PERCENTILE=${p} is not a number strictly between 0 and 100`));
  });

  it.each([['0'], ['2.5'], ['5000']])('rejects SCAN_SEGMENTS=%s', (s) => {
    expect(problemsOf(() => loadPopularConfig({ ...base, SCAN_SEGMENTS: s }))[0]).toMatch(new RegExp(`^SCAN_SEGMENTS=${s} is not an integer from 1 to 1024`));
  });
});
