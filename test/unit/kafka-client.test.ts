// How KafkaSettings become the client's options, and how a refused sign-in is named, without a broker.
import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError } from '@platformatic/kafka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  KafkaAuthenticationError,
  namedKafkaFailure,
  refusedTokenIsAnError,
} from '../../lib/adapters/kafka-authentication.js';
import { kafkaClientOptions, kafkaFailureMessage } from '../../lib/adapters/kafka-client.js';
import type { KafkaSettings } from '../../lib/core/config.js';

const plaintext: KafkaSettings = { brokers: ['b-1:9092', 'b-2:9092'], clientId: 'scorer', ssl: false, sasl: 'none' };

describe('kafkaClientOptions', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('locally: the brokers, no TLS, no SASL, short retries and no topic created on first use', () => {
    const options = kafkaClientOptions(plaintext);
    expect(options).toMatchObject({
      clientId: 'scorer',
      bootstrapBrokers: ['b-1:9092', 'b-2:9092'],
      retries: 3,
      connectTimeout: 3000,
      autocreateTopics: false,
    });
    expect(options).not.toHaveProperty('tls');
    expect(options).not.toHaveProperty('sasl');
    const delay = options.retryDelay as (client: object, operation: string, attempt: number) => number;
    expect([1, 2, 3, 4, 5].map((attempt) => delay({}, 'produce', attempt))).toEqual([200, 400, 800, 1600, 2000]);
  });

  it.each([
    ['plain', 'PLAIN'],
    ['scram-sha-256', 'SCRAM-SHA-256'],
    ['scram-sha-512', 'SCRAM-SHA-512'],
  ] as const)('SASL %s with the user and password, over TLS', (sasl, mechanism) => {
    const options = kafkaClientOptions({ ...plaintext, ssl: true, sasl, username: 'u', password: 'p' });
    expect(options.sasl).toEqual({ mechanism, username: 'u', password: 'p' });
    expect(options.tls).toEqual({});
  });

  it("MSK IAM: OAUTHBEARER over TLS, with a token the signer makes from the function's credentials for the cluster's region", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAUNITTESTKEY');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'unit/test+secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'unit-session');
    const options = kafkaClientOptions({ ...plaintext, ssl: true, sasl: 'aws-iam', region: 'eu-west-1' });
    expect(options.tls).toEqual({});
    expect(options.sasl).toMatchObject({ mechanism: 'OAUTHBEARER', authBytesValidator: refusedTokenIsAnError });

    const token = await (options.sasl!.token as () => Promise<string>)();
    const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^ASIAUNITTESTKEY\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('unit-session');
  });
});

describe('a refused sign-in', () => {
  it('is an OAUTHBEARER answer with an error in its auth bytes, and nothing else is', () => {
    const outcomes: Array<[Error | null, Buffer | undefined]> = [];
    refusedTokenIsAnError(Buffer.alloc(0), (error, bytes) => outcomes.push([error, bytes]));
    refusedTokenIsAnError(Buffer.from('{"status":"invalid_token"}'), (error, bytes) => outcomes.push([error, bytes]));
    expect(outcomes[0]).toEqual([null, Buffer.alloc(0)]);
    expect(outcomes[1]![0]).toBeInstanceOf(KafkaAuthenticationError);
    expect(outcomes[1]![0]!.message).toContain('{"status":"invalid_token"}');
  });

  it('is named KafkaAuthenticationError, not retriable, saying what to check, however deep the client nested it', () => {
    // As the client reports a broker's SASL refusal after its retries: aggregate -> connection -> authentication ->
    // protocol.
    const refused = new AuthenticationError('SASL authentication failed.', {
      cause: new ProtocolError('SASL_AUTHENTICATION_FAILED', 'Authentication failed'),
    });
    const connection = new NetworkError('Connection to b-1:9096 failed.', { cause: refused });
    const failure = new MultipleErrors('produce failed 2 times.', [
      new NetworkError('Connection to b-1:9096 failed.'),
      connection,
    ]);

    const named = namedKafkaFailure(failure, {
      ...plaintext,
      ssl: true,
      sasl: 'scram-sha-512',
      username: 'u',
      password: 'p',
    });

    expect(named).toBeInstanceOf(KafkaAuthenticationError);
    expect(named).toMatchObject({ name: 'KafkaAuthenticationError', retriable: false, cause: failure });
    expect((named as Error).message).toContain(
      'Kafka refused to authenticate scorer with SASL scram-sha-512 at b-1:9092,b-2:9092: SASL authentication failed',
    );
    expect((named as Error).message).toContain('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
    expect(namedKafkaFailure(failure, { ...plaintext, ssl: true, sasl: 'aws-iam', region: 'eu-west-1' })).toMatchObject(
      {
        message: expect.stringContaining("the function's role must be allowed kafka-cluster:Connect"),
      },
    );
  });

  it('leaves any other failure as it came', () => {
    const down = new MultipleErrors('produce failed 4 times.', [new NetworkError('Connection to b-1:9092 failed.')]);
    expect(namedKafkaFailure(down, plaintext)).toBe(down);
  });
});

describe('kafkaFailureMessage', () => {
  it('walks the generic wrappers down to what went wrong', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
    const failure = new MultipleErrors('Producing messages failed.', [
      new NetworkError('Connection to 127.0.0.1:9092 failed.', { cause }),
    ]);
    expect(kafkaFailureMessage(failure)).toBe(
      'Producing messages failed: Connection to 127.0.0.1:9092 failed: connect ECONNREFUSED 127.0.0.1:9092',
    );
    expect(kafkaFailureMessage('plain text')).toBe('plain text');
  });
});
