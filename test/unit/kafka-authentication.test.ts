// What test/unit/kafka-client.test.ts leaves out of naming a refused sign-in: a token that could not
// be made at all, and failures that are not errors.
import { AuthenticationError, MultipleErrors, NetworkError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { KafkaAuthenticationError, namedKafkaFailure } from '../../lib/adapters/kafka-authentication.js';
import type { KafkaSettings } from '../../lib/core/config.js';

const iam: KafkaSettings = {
  brokers: ['b-1:9098'],
  clientId: 'activity-scorer',
  ssl: true,
  sasl: 'aws-iam',
  region: 'eu-west-1',
};

describe('namedKafkaFailure', () => {
  it('names a token that could not be made, e.g. no credentials in the function', () => {
    // As @platformatic/kafka 2.12 reports a token function that threw, after its retries.
    const noCredentials = new Error('Could not load credentials from any providers');
    const providerFailed = new AuthenticationError('The SASL/OAUTHBEARER token provider threw an error.', {
      cause: noCredentials,
    });
    const failure = new MultipleErrors('metadata failed 2 times.', [
      new MultipleErrors('Cannot connect to any broker.', [
        new NetworkError('Connection to b-1:9098 failed.', { cause: providerFailed }),
      ]),
    ]);

    const named = namedKafkaFailure(failure, iam);

    expect(named).toBeInstanceOf(KafkaAuthenticationError);
    expect(named).toMatchObject({ retriable: false, cause: failure });
    expect((named as Error).message).toContain(
      'Kafka refused to authenticate activity-scorer with SASL aws-iam at b-1:9098: The SASL/OAUTHBEARER token provider threw an error: Could not load credentials from any providers;',
    );
  });

  it.each([
    ['a thrown string', 'boom'],
    ['nothing', undefined],
  ])('returns %s unchanged', (_case, failure) => {
    expect(namedKafkaFailure(failure, iam)).toBe(failure);
  });
});
