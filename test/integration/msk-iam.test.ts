// MSK IAM on the real broker: a SASL_SSL listener whose validator (local/kafka/MskIamTokenValidator.java)
// checks each OAUTHBEARER token's SigV4 signature against one known identity and records it. The
// function's side runs in a process of its own with only the environment Lambda would give it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  KafkaAuthenticationError,
  namedKafkaFailure,
  refusedTokenIsAnError,
} from '../../lib/adapters/kafka-authentication.js';
import type { KafkaSettings } from '../../lib/core/config.js';
import type { MskIamIdentity, PresentedToken } from '../../local/services/msk-iam-listener.js';
import { readLatestCompleteRun } from '../../lib/adapters/popular-reader.js';
import { plainKafka } from '../../lib/adapters/kafka-client.js';
import { buildMskEvent, LOCAL_CLUSTER_ARN } from '../../local/event-source-mapping/msk-event.js';
import { writeUserScores } from '../../local/fixtures/index.js';
import {
  freshScoresTable,
  freshTopic,
  privateBroker,
  readTopic,
  stackEndpoints,
  testDynamo,
} from '../support/stack.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Fake but well-formed role credentials; '/', '+' and '=' make the signer escape them in the URL.
const identity: MskIamIdentity = {
  accessKeyId: 'ASIAMSKIAMLOCALTEST',
  secretAccessKey: 'local/msk+iam=secret',
  region: 'eu-west-1',
  sessionToken: 'local-session/token+=',
};
/** Short, so the client must sign in again on its connection within a test. */
const SESSION_LIFETIME_MS = 3000;
const broker = privateBroker({ mskIam: { ...identity, sessionLifetimeMs: SESSION_LIFETIME_MS } });

function listener() {
  const mskIam = broker().mskIam;
  if (mskIam === undefined) throw new Error('the private broker was started without its MSK IAM listener');
  return mskIam;
}

interface Outcome {
  code: number;
  summary?: Record<string, unknown>;
  error?: { name: string; message: string; causes: string[] };
}

/**
 * One invocation of a function's real handler, in a process with Lambda's kind of environment and nothing else of ours.
 */
async function invokeFunction(name: 'score' | 'popular', event: object, env: Record<string, string>): Promise<Outcome> {
  const lambdaEnv = {
    PATH: process.env.PATH!,
    AWS_REGION: identity.region,
    AWS_ACCESS_KEY_ID: identity.accessKeyId,
    AWS_SECRET_ACCESS_KEY: identity.secretAccessKey,
    AWS_SESSION_TOKEN: identity.sessionToken!,
    KAFKA_BROKERS: listener().bootstrapServers,
    KAFKA_SASL_MECHANISM: 'aws-iam',
    // The listener's certificate is its own CA, trusted as a private CA would be.
    NODE_EXTRA_CA_CERTS: listener().caFile,
    AWS_ENDPOINT_URL_DYNAMODB: stackEndpoints().dynamoEndpoint,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    FUNCTION: name,
    EVENT: JSON.stringify(event),
    ...env,
  };
  const child = await run(process.execPath, ['--import', 'tsx', 'test/support/processes/invoke-function.ts'], {
    cwd: ROOT,
    env: lambdaEnv,
  }).then(
    (done) => ({ ...done, code: 0 }),
    (failed: { stdout: string; stderr: string; code: number }) => failed,
  );
  const outcome = child.stdout.trim().split('\n').at(-1) ?? '';
  if (!outcome.startsWith('{'))
    throw new Error(`the function printed no outcome (exit ${child.code}):\n${child.stdout}${child.stderr}`);
  return { code: child.code, ...(JSON.parse(outcome) as Omit<Outcome, 'code'>) };
}

/** A batch of one good and one malformed record, so the scorer writes one score and sends one dead letter. */
const scorerEvent = buildMskEvent(
  [
    { topic: 'activity', partition: 0, offset: 0, value: JSON.stringify({ user_id: 1, activity: 'profile.view' }) },
    { topic: 'activity', partition: 0, offset: 1, value: 'not an activity' },
  ],
  { eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: 'b-1.example:9098' },
);

/**
 * What the scorer needs besides Kafka: a table of its own, and a dead-letter topic made over the plaintext listener.
 */
async function scorerEnv(prefix: string) {
  return {
    SCORES_TABLE: await freshScoresTable(testDynamo(), prefix),
    DLQ_TOPIC: await freshTopic(`${prefix}-dlq`, 1, broker().bootstrapServers),
  };
}

/** A token from the signer for the test's identity, or with some of it changed. */
const signedToken = (overrides: Partial<MskIamIdentity> = {}) =>
  generateAuthTokenFromCredentialsProvider({
    region: overrides.region ?? identity.region,
    awsCredentialsProvider: async () => ({ ...identity, ...overrides }),
  }).then((t) => t.token);

/** The tokens the listener records while `action` runs. */
async function tokensPresentedDuring<T>(action: () => Promise<T>): Promise<{ result: T; tokens: PresentedToken[] }> {
  const before = listener().presentedTokens().length;
  const result = await action();
  return { result, tokens: listener().presentedTokens().slice(before) };
}

describe('the functions signing in with MSK IAM', () => {
  it("score: sends its dead letter with the token the signer makes from the function's credentials", async () => {
    const env = await scorerEnv('msk-iam');

    const { result, tokens } = await tokensPresentedDuring(() => invokeFunction('score', scorerEvent, env));

    expect(result).toMatchObject({ code: 0, summary: { records: 2, accepted: 1, rejected: 1, writes: 1 } });
    // Read back over the plaintext listener: the dead letter really is on the broker.
    const [deadLetter, ...more] = await readTopic(env.DLQ_TOPIC, 1, 20_000, broker().bootstrapServers);
    expect(more).toEqual([]);
    expect(deadLetter!.value?.toString()).toBe('not an activity');
    expect(deadLetter!.headers['dlq.source.offset']).toBe('1');
    expect(tokens.length).toBeGreaterThan(0);
    for (const presented of tokens)
      expect(presented).toMatchObject({ verdict: 'accepted', detail: identity.accessKeyId });

    const url = new URL(Buffer.from(tokens[0]!.token, 'base64url').toString('utf8'));
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe('https://kafka.eu-west-1.amazonaws.com/');
    const query = Object.fromEntries(url.searchParams);
    expect(query).toMatchObject({
      Action: 'kafka-cluster:Connect',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Expires': '900',
      'X-Amz-Security-Token': identity.sessionToken,
    });
    expect(query['X-Amz-Credential']).toMatch(
      new RegExp(`^${identity.accessKeyId}/\\d{8}/eu-west-1/kafka-cluster/aws4_request$`),
    );
    expect(query['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(query['User-Agent']).toMatch(/^aws-msk-iam-sasl-signer-js\//);
  });

  it('popular: publishes a complete run over the MSK IAM listener', async () => {
    const table = await freshScoresTable(testDynamo(), 'msk-iam-popular');
    await writeUserScores(testDynamo(), table, [1, 2, 3, 4, 50]);
    const topic = await freshTopic('msk-iam-popular', 1, broker().bootstrapServers);
    // Trending is on by default: its run goes to a topic of its own, which must exist, as on MSK.
    const trendingTopic = await freshTopic('msk-iam-trending', 1, broker().bootstrapServers);

    const { result, tokens } = await tokensPresentedDuring(() =>
      invokeFunction(
        'popular',
        { id: 'scheduled' },
        { SCORES_TABLE: table, POPULAR_TOPIC: topic, TRENDING_TOPIC: trendingTopic, PERCENTILE: '50' },
      ),
    );

    expect(result).toMatchObject({
      code: 0,
      summary: { usersScanned: 5, published: 2, trending: { usersInWindow: 0, published: 0 } },
    });
    const reader = plainKafka(broker().bootstrapServers, 'msk-iam-reader');
    const run = await readLatestCompleteRun(reader, topic, { source: 'popular-users-job', timeoutMs: 20_000 });
    expect(run?.users.map((u) => u.score).sort((a, b) => a - b)).toEqual([4, 50]);
    // These items hold no window sums: a complete, empty trending run, published over IAM too.
    expect(
      await readLatestCompleteRun(reader, trendingTopic, { source: 'popular-users-job', timeoutMs: 20_000 }),
    ).toMatchObject({ count: 0, cutoff: null });
    expect(tokens.length).toBeGreaterThan(0);
    for (const presented of tokens) expect(presented.verdict).toBe('accepted');
  });

  it('score: fails the invocation with a KafkaAuthenticationError naming the broker and what to check when the broker refuses its token', async () => {
    const env = await scorerEnv('msk-iam-refused');

    const { result, tokens } = await tokensPresentedDuring(() =>
      invokeFunction('score', scorerEvent, { ...env, AWS_SECRET_ACCESS_KEY: 'not/the+secret' }),
    );

    expect(result.code).toBe(1);
    expect(result.error?.name).toBe('KafkaAuthenticationError');
    expect(result.error?.message).toContain(
      `Kafka refused to authenticate activity-scorer with SASL aws-iam at ${listener().bootstrapServers}`,
    );
    expect(result.error?.message).toContain('the broker refused the OAUTHBEARER token: {"status":"invalid_token"}');
    expect(result.error?.message).toContain('kafka-cluster:Connect');
    // The broker did see the tokens, and refused each for its signature, not for anything else.
    expect(tokens.length).toBeGreaterThan(0);
    for (const presented of tokens)
      expect(presented).toMatchObject({
        verdict: 'refused',
        detail: `the signature does not match the secret key of ${identity.accessKeyId}`,
      });
  });

  it('score: sends no token to a broker whose certificate it does not trust', async () => {
    const env = await scorerEnv('msk-iam-untrusted');

    const { result, tokens } = await tokensPresentedDuring(() =>
      invokeFunction('score', scorerEvent, { ...env, NODE_EXTRA_CA_CERTS: '' }),
    );

    expect(result.code).toBe(1);
    expect(result.error?.name).not.toBe('KafkaAuthenticationError');
    expect(result.error?.causes.join('\n')).toMatch(/self-signed certificate/);
    expect(tokens).toEqual([]);
  });
});

describe('the listener refuses what MSK would', () => {
  afterEach(() => vi.useRealTimers());

  const settings: KafkaSettings = {
    brokers: [],
    clientId: 'validator-check',
    ssl: true,
    sasl: 'aws-iam',
    region: identity.region,
  };
  /** Presents one token, with no retries, and returns the client's failure and the listener's verdict. */
  async function present(token: string) {
    const producer = new Producer({
      clientId: settings.clientId,
      bootstrapBrokers: [listener().bootstrapServers],
      tls: { ca: readFileSync(listener().caFile) },
      sasl: { mechanism: 'OAUTHBEARER', token, authBytesValidator: refusedTokenIsAnError },
      retries: 0,
    });
    try {
      const { result, tokens } = await tokensPresentedDuring(() =>
        producer.metadata({ topics: [] }).then(
          () => undefined,
          (err: unknown) => err,
        ),
      );
      return { failure: namedKafkaFailure(result, settings), tokens };
    } finally {
      await producer.close();
    }
  }

  it.each([
    [
      'another access key id',
      () => signedToken({ accessKeyId: 'ASIAANOTHERKEY' }),
      'X-Amz-Credential names another access key id (ASIAANOTHERKEY)',
    ],
    [
      'another region',
      () => signedToken({ region: 'us-east-1' }),
      'the URL is not https://kafka.eu-west-1.amazonaws.com/',
    ],
    [
      'another session token',
      () => signedToken({ sessionToken: 'stolen' }),
      'X-Amz-Security-Token is not the expected session token',
    ],
    [
      'a token signed 20 minutes ago',
      async () => {
        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(Date.now() - 20 * 60_000);
        return signedToken({}).finally(() => vi.useRealTimers());
      },
      'the token expired at',
    ],
    // What Kafka's own unsecured OAUTHBEARER validator would take: an unsigned JWT.
    [
      'an unsigned JWT',
      async () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"me"}').toString('base64url')}.`,
      'the token is not base64url',
    ],
  ])('refuses %s', async (_case, makeToken, reason) => {
    const { failure, tokens } = await present(await makeToken());

    expect(failure).toBeInstanceOf(KafkaAuthenticationError);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.verdict).toBe('refused');
    expect(tokens[0]!.detail).toContain(reason);
  });

  it('accepts a token signed for its identity, so the refusals above are not all it can do', async () => {
    const { failure, tokens } = await present(await signedToken({}));

    expect(failure).toBeUndefined();
    expect(tokens).toEqual([expect.objectContaining({ verdict: 'accepted', detail: identity.accessKeyId })]);
  });
});

describe('a connection that outlives its sign-in', () => {
  it('signs in again on the same connection with a fresh token when the broker ends its session', async () => {
    const topic = await freshTopic('msk-iam-session', 1, broker().bootstrapServers);
    const producer = new Producer({
      clientId: 'session-check',
      bootstrapBrokers: [listener().bootstrapServers],
      tls: { ca: readFileSync(listener().caFile) },
      sasl: { mechanism: 'OAUTHBEARER', token: () => signedToken(), authBytesValidator: refusedTokenIsAnError },
      serializers: stringSerializers,
    });
    const signedInAgain = new Promise<void>((resolve, reject) => {
      producer.once('client:broker:sasl:authentication:extended', () => resolve());
      setTimeout(
        () => reject(new Error(`no second sign-in on the connection within ${5 * SESSION_LIFETIME_MS} ms`)),
        5 * SESSION_LIFETIME_MS,
      );
    });
    try {
      const { tokens } = await tokensPresentedDuring(async () => {
        await producer.send({ messages: [{ topic, value: 'first session' }] });
        await signedInAgain;
        await producer.send({ messages: [{ topic, value: 'second session' }] });
      });

      expect((await readTopic(topic, 2, 20_000, broker().bootstrapServers)).map((m) => m.value?.toString())).toEqual([
        'first session',
        'second session',
      ]);
      expect(tokens.length).toBeGreaterThanOrEqual(2);
      for (const presented of tokens) expect(presented.verdict).toBe('accepted');
      // Signed seconds apart, so a fresh token and not the first one again.
      expect(tokens.at(-1)!.token).not.toBe(tokens[0]!.token);
    } finally {
      await producer.close();
    }
  });
});
