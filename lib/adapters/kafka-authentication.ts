// Signing in to Kafka: MSK IAM's OAUTHBEARER token for the client, and one named error for a
// refused sign-in, however deep the client nested it.
import type { SASLOptions } from '@platformatic/kafka';
import type { KafkaSettings } from '../core/config.js';
import { AppError } from '../core/errors.js';

/** The broker refused our credentials (or they could not be made): the same ones will be refused again. */
export class KafkaAuthenticationError extends AppError {}

/**
 * RFC 7628: a server that refuses an OAUTHBEARER token answers with a JSON error in the auth bytes
 * (Kafka sends {"status":"invalid_token"}) and waits for the client to end the exchange; an
 * accepted token gets no bytes. Kafka reports both with error code 0, so the bytes decide.
 */
export function refusedTokenIsAnError(
  authBytes: Buffer,
  callback: (error: Error | null, authBytes?: Buffer) => void,
): void {
  if (authBytes.length === 0) callback(null, authBytes);
  else
    callback(
      new KafkaAuthenticationError(
        `the broker refused the OAUTHBEARER token: ${authBytes.toString('utf8').slice(0, 200)}`,
      ),
    );
}

/**
 * MSK IAM: a SigV4-signed token from the function's own credentials, made for each connection and re-authentication.
 */
export function mskIamSasl(region: string): SASLOptions {
  return {
    mechanism: 'OAUTHBEARER',
    token: async () => {
      // Loaded on first use, so functions without IAM never pay for the signer and its credential chain.
      const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
      return (await generateAuthToken({ region })).token;
    },
    authBytesValidator: refusedTokenIsAnError,
  };
}

/** The client's own authentication failure, found anywhere among the causes and nested errors of `err`. */
function authenticationFailure(err: unknown, seen = new Set<unknown>()): Error | undefined {
  if (!(err instanceof Error) || seen.has(err)) return undefined;
  seen.add(err);
  if (err instanceof KafkaAuthenticationError || (err as { code?: unknown }).code === 'PLT_KFK_AUTHENTICATION')
    return err;
  for (const inner of [...(err instanceof AggregateError ? (err.errors as unknown[]) : []), err.cause]) {
    const found = authenticationFailure(inner, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

function whatToCheck(settings: KafkaSettings): string {
  return settings.sasl === 'aws-iam'
    ? `the function's role must be allowed kafka-cluster:Connect on the cluster, AWS_REGION (${settings.region}) must be the cluster's region, ` +
        "and KAFKA_BROKERS must list the cluster's IAM bootstrap brokers (port 9098)"
    : `KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be a user the cluster knows for SASL ${settings.sasl}`;
}

/**
 * A failed Kafka call, as a KafkaAuthenticationError that says what to check when the failure was
 * a refused sign-in; any other failure is returned as it came.
 */
export function namedKafkaFailure(err: unknown, settings: KafkaSettings): unknown {
  if (err instanceof KafkaAuthenticationError) return err;
  const refused = authenticationFailure(err);
  if (refused === undefined) return err;
  const reasons: string[] = [];
  for (let e: unknown = refused; e instanceof Error; e = e.cause) reasons.push(e.message.replace(/\.$/, ''));
  return new KafkaAuthenticationError(
    `Kafka refused to authenticate ${settings.clientId} with SASL ${settings.sasl} at ${settings.brokers.join(',')}: ${reasons.join(': ')}; ${whatToCheck(settings)}`,
    { cause: err },
  );
}
