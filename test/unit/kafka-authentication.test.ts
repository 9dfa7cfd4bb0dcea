import { AuthenticationError, MultipleErrors, NetworkError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { KafkaAuthenticationError, mskIamSasl, namedKafkaFailure, refusedTokenIsAnError } from '../../lib/adapters/kafka-authentication.js';
import type { KafkaSettings } from '../../lib/core/config.js';

const iam: KafkaSettings = { brokers: ['b-1:9098'], clientId: 'activity-scorer', ssl: true, sasl: 'aws-iam', region: 'eu-west-1' };

/** A failure as @platformatic/kafka 2.12 reports a refused sign-in after retries: the refusal sits deep under connection errors. */
function clientFailure(refusal: Error, attempts = 2): MultipleErrors {
  const attempt = () =>
    new MultipleErrors('Cannot connect to any broker.', [
      new NetworkError('Connection to b-1:9098 failed.', { cause: new AuthenticationError('SASL authentication failed.', { cause: refusal }) }),
    ]);
  return new MultipleErrors(`metadata failed ${attempts} times.`, Array.from({ length: attempts }, attempt));
}

function validate(authBytes: Buffer): { error: Error | null; bytes?: Buffer } {
  let outcome: { error: Error | null; bytes?: Buffer } | undefined;
  refusedTokenIsAnError(authBytes, (error: Error | null, bytes?: Buffer) => (outcome = { error, bytes }));
  return outcome!;
}

describe('refusedTokenIsAnError', () => {
  it('passes the empty answer of an accepted token', () => {
    expect(validate(Buffer.alloc(0))).toEqual({ error: null, bytes: Buffer.alloc(0) });
  });

  it.each([['{"status":"invalid_token"}'], ['{"status":"invalid_token","scope":"kafka-cluster:Connect"}'], ['not json at all']])(
    'turns the answer %s into a refusal that quotes it',
    (answer) => {
      const { error } = validate(Buffer.from(answer));
      expect(error).toBeInstanceOf(KafkaAuthenticationError);
      expect(error!.message).toBe(`the broker refused the token: ${answer}`);
    },
  );
});

describe('namedKafkaFailure', () => {
  it('names a refused MSK IAM token, with the broker, the answer, and what to check', () => {
    const failure = clientFailure(new KafkaAuthenticationError('the broker refused the token: {"status":"invalid_token"}'));

    const named = namedKafkaFailure(failure, iam);

    expect(named).toBeInstanceOf(KafkaAuthenticationError);
    expect(named).toMatchObject({ name: 'KafkaAuthenticationError', retriable: false, cause: failure });
    expect((named as Error).message).toBe(
      'Kafka refused to authenticate activity-scorer (SASL aws-iam) at b-1:9098: SASL authentication failed: ' +
        'the broker refused the token: {"status":"invalid_token"}. MSK IAM signs with the function\'s credentials for region eu-west-1: ' +
        "check that its role may kafka-cluster:Connect to this cluster, that AWS_REGION is the cluster's region, and that KAFKA_BROKERS lists the cluster's IAM brokers (port 9098).",
    );
  });

  it('names a token that could not be made, e.g. no credentials found', () => {
    const noCredentials = new Error('Could not load credentials from any providers');
    const failure = clientFailure(new AuthenticationError('The SASL/OAUTHBEARER token provider threw an error.', { cause: noCredentials }), 1);

    const named = namedKafkaFailure(failure, iam) as Error;

    expect(named).toBeInstanceOf(KafkaAuthenticationError);
    expect(named.message).toContain(': The SASL/OAUTHBEARER token provider threw an error: Could not load credentials from any providers.');
  });

  it('points SCRAM and PLAIN users at their user name and password', () => {
    const failure = clientFailure(new Error('SASL_AUTHENTICATION_FAILED'));
    const scram: KafkaSettings = { ...iam, sasl: 'scram-sha-512', region: undefined, username: 'u', password: 'p' };

    expect((namedKafkaFailure(failure, scram) as Error).message).toMatch(
      /SASL scram-sha-512.*check KAFKA_SASL_MECHANISM \(scram-sha-512\), KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/,
    );
  });

  it.each([
    [
      'a connection refused',
      new MultipleErrors('metadata failed 3 times.', [new NetworkError('Connection to b-1:9098 failed.', { cause: new Error('ECONNREFUSED') })]),
    ],
    ['a plain error', new Error('boom')],
    ['a thrown string', 'boom'],
    ['nothing', undefined],
  ])('returns %s unchanged', (_case, failure) => {
    expect(namedKafkaFailure(failure, iam)).toBe(failure);
  });
});

describe('mskIamSasl', () => {
  it('signs in with OAUTHBEARER and checks the answer', () => {
    expect(mskIamSasl('eu-west-1')).toMatchObject({ mechanism: 'OAUTHBEARER', token: expect.any(Function), authBytesValidator: refusedTokenIsAnError });
  });
});
