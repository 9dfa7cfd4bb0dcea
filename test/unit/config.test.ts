import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SCORE_WEIGHTS, loadPopularConfig, loadScorerConfig } from '../../lib/core/config.js';
import { loadMappingConfig, loadStackConfig } from '../../local/commands/settings.js';
import {
  largestUserMessage,
  maxPublishBatch,
  maxUserRecordBytes,
  TRENDING_KEY_PREFIX,
} from '../../lib/core/popular-run.js';
import { batchBytes } from '../../lib/core/record-size.js';

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
    // JSON.parse alone keeps the last: a million-fold weight would slip in under a harmless first one.
    [
      '{"profile.view":1,"profile.view":1000000}',
      /SCORE_WEIGHTS names "profile.view" more than once; give every activity one score/,
    ],
    ['{"a": 1, "b": 2, "\\u0061": 3, "b": 2}', /SCORE_WEIGHTS names "a", "b" more than once/],
  ])('rejects SCORE_WEIGHTS=%s, naming the setting and the fix', (weights, message) => {
    const problems = problemsOf(() => loadScorerConfig({ ...base, SCORE_WEIGHTS: weights }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(problems[0]).toContain("e.g. SCORE_WEIGHTS='");
  });

  it('accepts the same name inside a value or a string, and keys that only look alike', () => {
    expect(loadScorerConfig({ ...base, SCORE_WEIGHTS: '{"a": 1, "A": 2, "a\\"": 3, "a ": 4}' }).weights).toEqual({
      a: 1,
      A: 2,
      'a"': 3,
      'a ': 4,
    });
  });

  it('reports every missing setting at once', () => {
    const problems = problemsOf(() => loadScorerConfig({}));
    expect(problems.some((p) => p.startsWith('SCORES_TABLE is not set'))).toBe(true);
    expect(problems.some((p) => p.startsWith('KAFKA_BROKERS is not set'))).toBe(true);
  });

  it('checks broker addresses and SASL settings', () => {
    expect(problemsOf(() => loadScorerConfig({ ...base, KAFKA_BROKERS: 'localhost' }))[0]).toMatch(
      /KAFKA_BROKERS has entries that are not host:port: localhost/,
    );
    expect(problemsOf(() => loadScorerConfig({ ...base, KAFKA_SASL_MECHANISM: 'scram-sha-512' })).join()).toMatch(
      /KAFKA_SASL_USERNAME is not set/,
    );
    expect(problemsOf(() => loadScorerConfig({ ...base, KAFKA_SASL_MECHANISM: 'kerberos' }))[0]).toMatch(
      /KAFKA_SASL_MECHANISM=kerberos is not one of/,
    );
    const iam = loadScorerConfig({ ...base, KAFKA_SASL_MECHANISM: 'aws-iam', AWS_REGION: 'eu-west-1' });
    expect(iam.kafka).toMatchObject({ sasl: 'aws-iam', ssl: true, region: 'eu-west-1' });
  });

  it('bounds WRITE_CONCURRENCY', () => {
    expect(problemsOf(() => loadScorerConfig({ ...base, WRITE_CONCURRENCY: '0' }))[0]).toMatch(
      /WRITE_CONCURRENCY=0 is not an integer from 1 to 1024/,
    );
  });
});

describe('loadPopularConfig', () => {
  it('fills defaults', () => {
    expect(loadPopularConfig(base)).toMatchObject({ percentile: 95, scanSegments: 8, popularTopic: 'popular_users' });
  });

  it.each([['0'], ['100'], ['abc'], ['-5'], ['0x10'], ['9.5e1'], ['100.0'], ['0.000'], [' 95 x']])(
    'rejects PERCENTILE=%s',
    (p) => {
      expect(problemsOf(() => loadPopularConfig({ ...base, PERCENTILE: p }))[0]).toMatch(
        new RegExp(`^PERCENTILE=${p.trim()} is not a number strictly between 0 and 100`),
      );
    },
  );

  it.each([
    ['95', 95],
    ['99.99', 99.99],
    ['095.50', 95.5],
    ['0.0000001', 1e-7],
    ['99.9999999999999', 99.9999999999999],
  ])('reads PERCENTILE=%s as the decimal written', (text, value) => {
    expect(loadPopularConfig({ ...base, PERCENTILE: text }).percentile).toBe(value);
  });

  it('refuses a PERCENTILE with more digits than a double holds exactly', () => {
    expect(problemsOf(() => loadPopularConfig({ ...base, PERCENTILE: '99.99999999999999999' }))[0]).toMatch(
      /^PERCENTILE=99.99999999999999999 has more significant digits than the job can hold exactly; use at most 15/,
    );
  });

  it.each([['0'], ['2.5'], ['5000']])('rejects SCAN_SEGMENTS=%s', (s) => {
    expect(problemsOf(() => loadPopularConfig({ ...base, SCAN_SEGMENTS: s }))[0]).toMatch(
      new RegExp(`^SCAN_SEGMENTS=${s} is not an integer from 1 to 1024`),
    );
  });
});

describe('the trending settings', () => {
  it('default to a 7-day window at PERCENTILE on trending_users, read by both functions', () => {
    expect(loadScorerConfig(base).trendingDays).toBe(7);
    expect(loadPopularConfig({ ...base, PERCENTILE: '99' }).trending).toEqual({
      days: 7,
      percentile: 99,
      topic: 'trending_users',
    });
    expect(
      loadPopularConfig({
        ...base,
        TRENDING_DAYS: '90',
        TRENDING_PERCENTILE: '50',
        TRENDING_TOPIC: 'prod-trending_users',
      }).trending,
    ).toEqual({
      days: 90,
      percentile: 50,
      topic: 'prod-trending_users',
    });
  });

  it('TRENDING_DAYS=0 turns trending off in both functions', () => {
    expect(loadScorerConfig({ ...base, TRENDING_DAYS: '0' }).trendingDays).toBe(0);
    expect(loadPopularConfig({ ...base, TRENDING_DAYS: '0' }).trending).toBeUndefined();
  });

  it.each([['-1'], ['91'], ['7.5'], ['a week']])(
    'refuses TRENDING_DAYS=%s in both functions, naming the range',
    (days) => {
      for (const load of [loadScorerConfig, loadPopularConfig]) {
        expect(problemsOf(() => load({ ...base, TRENDING_DAYS: days }))).toEqual([
          `TRENDING_DAYS=${days} is not an integer from 0 to 90; set it in that range or unset it for the default 7`,
        ]);
      }
    },
  );

  it('refuses a bad TRENDING_PERCENTILE or TRENDING_TOPIC even with trending off, and the popular topic as the trending one', () => {
    expect(problemsOf(() => loadPopularConfig({ ...base, TRENDING_DAYS: '0', TRENDING_PERCENTILE: '100' }))[0]).toMatch(
      /^TRENDING_PERCENTILE=100 is not a number strictly between 0 and 100/,
    );
    expect(problemsOf(() => loadPopularConfig({ ...base, TRENDING_TOPIC: 'trending users' }))[0]).toMatch(
      /^TRENDING_TOPIC=trending users is not a topic name Kafka accepts/,
    );
    expect(problemsOf(() => loadPopularConfig({ ...base, TRENDING_TOPIC: 'popular_users' }))).toEqual([
      expect.stringMatching(
        /^TRENDING_TOPIC=popular_users is POPULAR_TOPIC too.*give the trending set a topic of its own/,
      ),
    ]);
  });
});

describe('publish settings that can never work are refused at start', () => {
  it('a PUBLISH_BATCH_SIZE whose request can exceed the broker limit, naming the largest that fits', () => {
    // Every message carries the job's client id as run_source; 'popular-users-job' is the default. With
    // trending on (the default) the longer key of a trending run, trending_<seconds>, is the bound.
    const fits = maxPublishBatch(1_048_588, 'popular-users-job', TRENDING_KEY_PREFIX);
    // The longest trending user message, `fits` of them in one request: within the limit, one more is not.
    const longest = (n: number, prefix?: string) =>
      batchBytes(Array.from({ length: n }, () => largestUserMessage('popular-users-job', prefix)));
    expect(longest(fits, TRENDING_KEY_PREFIX)).toBeLessThanOrEqual(1_048_588);
    expect(longest(fits + 1, TRENDING_KEY_PREFIX)).toBeGreaterThan(1_048_588);
    expect(maxUserRecordBytes('popular-users-job', TRENDING_KEY_PREFIX)).toBeGreaterThan(
      maxUserRecordBytes('popular-users-job'),
    );
    expect(maxUserRecordBytes('popular-users-job')).toBeGreaterThan(maxUserRecordBytes());
    // With trending off, the all-time key's bound, as before trending existed.
    const allTimeOnly = { ...base, TRENDING_DAYS: '0' };
    const fitsAllTime = maxPublishBatch(1_048_588, 'popular-users-job');
    expect(longest(fitsAllTime)).toBeLessThanOrEqual(1_048_588);
    expect(longest(fitsAllTime + 1)).toBeGreaterThan(1_048_588);
    expect(loadPopularConfig({ ...allTimeOnly, PUBLISH_BATCH_SIZE: String(fitsAllTime) }).publishBatchSize).toBe(
      fitsAllTime,
    );
    expect(loadPopularConfig({ ...base, PUBLISH_BATCH_SIZE: String(fits) }).publishBatchSize).toBe(fits);
    const problems = problemsOf(() => loadPopularConfig({ ...base, PUBLISH_BATCH_SIZE: String(fits + 1) }));
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^PUBLISH_BATCH_SIZE=${fits + 1} can exceed the broker's message.max.bytes .*set PUBLISH_BATCH_SIZE to ${fits} or less`,
        ),
      ),
    ]);
    // A broker with a smaller limit lowers what fits.
    expect(
      problemsOf(() =>
        loadPopularConfig({ ...base, KAFKA_MESSAGE_MAX_BYTES: '100000', PUBLISH_BATCH_SIZE: '1000' }),
      )[0],
    ).toMatch(
      new RegExp(
        `PUBLISH_BATCH_SIZE=1000 .*KAFKA_MESSAGE_MAX_BYTES=100000.*set PUBLISH_BATCH_SIZE to ${maxPublishBatch(100_000, 'popular-users-job', TRENDING_KEY_PREFIX)} or less`,
      ),
    );
    expect(loadPopularConfig(base).publishBatchSize).toBeLessThanOrEqual(fits); // the default fits MSK's default
    // A deployed stage's client id fits the default too; a very long one is refused by name.
    expect(
      loadPopularConfig({ ...base, KAFKA_CLIENT_ID: 'popular-users-production-eu-west-1-popular' }).publishBatchSize,
    ).toBe(500);
    expect(problemsOf(() => loadPopularConfig({ ...base, KAFKA_CLIENT_ID: 'x'.repeat(2_000) }))[0]).toMatch(
      /^PUBLISH_BATCH_SIZE=500 can exceed/,
    );
  });

  it('KAFKA_SSL=false with aws-iam', () => {
    const problems = problemsOf(() =>
      loadPopularConfig({ ...base, KAFKA_SASL_MECHANISM: 'aws-iam', AWS_REGION: 'eu-west-1', KAFKA_SSL: 'false' }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^KAFKA_SSL=false with KAFKA_SASL_MECHANISM=aws-iam can never connect.*set KAFKA_SSL=true or unset it/,
      ),
    ]);
    expect(
      problemsOf(() =>
        loadScorerConfig({ ...base, KAFKA_SASL_MECHANISM: 'aws-iam', AWS_REGION: 'eu-west-1', KAFKA_SSL: 'false' }),
      )[0],
    ).toMatch(/^KAFKA_SSL=false/);
  });

  it('an empty AWS_REGION, set or needed', () => {
    for (const region of ['', '  ']) {
      expect(problemsOf(() => loadPopularConfig({ ...base, AWS_REGION: region }))).toEqual([
        expect.stringMatching(/^AWS_REGION is set but empty; set it to the region/),
      ]);
      expect(
        problemsOf(() => loadScorerConfig({ ...base, KAFKA_SASL_MECHANISM: 'aws-iam', AWS_REGION: region })),
      ).toEqual([expect.stringMatching(/^AWS_REGION is set but empty/)]);
    }
    expect(problemsOf(() => loadScorerConfig({ ...base, KAFKA_SASL_MECHANISM: 'aws-iam' }))).toEqual([
      expect.stringMatching(/^AWS_REGION is not set; KAFKA_SASL_MECHANISM=aws-iam signs/),
    ]);
  });

  it.each([['localhost:0'], ['localhost:65536'], ['b-1:9098,b-2:99999']])(
    'broker ports outside 1-65535: KAFKA_BROKERS=%s',
    (brokers) => {
      expect(problemsOf(() => loadPopularConfig({ ...base, KAFKA_BROKERS: brokers }))).toEqual([
        expect.stringMatching(/^KAFKA_BROKERS has ports outside 1-65535: .*use the brokers' listener ports/),
      ]);
    },
  );

  it('accepts ports 1 and 65535', () => {
    expect(loadPopularConfig({ ...base, KAFKA_BROKERS: 'a:1,b:65535' }).kafka.brokers).toEqual(['a:1', 'b:65535']);
  });

  it.each([['.'], ['..'], ['popular users'], ['popular/users'], ['populär'], ['x'.repeat(250)]])(
    'topic names Kafka would refuse: %s',
    (topic) => {
      const problem = /is not a topic name Kafka accepts .*use 1-249 characters of a-z, A-Z, 0-9, "\.", "_" and "-"/;
      expect(problemsOf(() => loadPopularConfig({ ...base, POPULAR_TOPIC: topic }))).toEqual([
        expect.stringMatching(new RegExp(`^POPULAR_TOPIC=.*${problem.source}`)),
      ]);
      expect(problemsOf(() => loadScorerConfig({ ...base, DLQ_TOPIC: topic }))[0]).toMatch(
        new RegExp(`^DLQ_TOPIC=.*${problem.source}`),
      );
      expect(problemsOf(() => loadStackConfig({ ACTIVITY_TOPIC: topic }))[0]).toMatch(
        new RegExp(`^ACTIVITY_TOPIC=.*${problem.source}`),
      );
      expect(problemsOf(() => loadMappingConfig({ ...base, ACTIVITY_TOPIC: topic }))[0]).toMatch(/^ACTIVITY_TOPIC=/);
    },
  );

  it('accepts the longest legal topic name', () => {
    expect(loadPopularConfig({ ...base, POPULAR_TOPIC: `a.b_c-${'x'.repeat(243)}` }).popularTopic).toHaveLength(249);
  });

  it('a DLQ_TOPIC equal to the activity topic', () => {
    expect(problemsOf(() => loadScorerConfig({ ...base, DLQ_TOPIC: 'activity' }))).toEqual([
      expect.stringMatching(
        /^DLQ_TOPIC=activity is the activity topic \(ACTIVITY_TOPIC=activity\).*set DLQ_TOPIC to a topic of its own, e.g. activity-dlq/,
      ),
    ]);
    expect(problemsOf(() => loadScorerConfig({ ...base, DLQ_TOPIC: 'events', ACTIVITY_TOPIC: 'events' }))[0]).toMatch(
      /^DLQ_TOPIC=events is the activity topic/,
    );
    expect(problemsOf(() => loadStackConfig({ DLQ_TOPIC: 'events', ACTIVITY_TOPIC: 'events' }))[0]).toMatch(
      /^DLQ_TOPIC=events is the activity topic/,
    );
    expect(loadScorerConfig({ ...base, DLQ_TOPIC: 'activity', ACTIVITY_TOPIC: 'events' }).dlqTopic).toBe('activity');
  });
});
