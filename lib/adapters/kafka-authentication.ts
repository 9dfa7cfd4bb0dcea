// Signing in to Kafka: MSK IAM's SASL OAUTHBEARER token for @platformatic/kafka, and one named
// error for every refused authentication, whatever the client wrapped it in.
import type { SASLOptions } from '@platformatic/kafka';
import type { KafkaSettings } from '../core/config.js';
import { AppError } from '../core/errors.js';

/** The broker refused this client's credentials, or they could not be made; retrying with the same ones cannot help. */
export class KafkaAuthenticationError extends AppError {}

type AuthBytesValidator = NonNullable<SASLOptions['authBytesValidator']>;

/**
 * MSK IAM: the token is a SigV4-presigned kafka-cluster:Connect URL, signed with the function's own
 * credentials for the cluster's region and made afresh for every connection (it lasts 15 minutes).
 */
export function mskIamSasl(region: string): SASLOptions {
  return {
    mechanism: 'OAUTHBEARER',
    token: async () => {
      // Imported on first use: the signer and the AWS credential chain cost start-up time only where IAM is used.
      const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
      return (await generateAuthToken({ region })).token;
    },
    authBytesValidator: refusedTokenIsAnError,
  };
}

/**
 * Kafka's OAUTHBEARER server answers a refused token with an RFC 7628 error, e.g.
 * {"status":"invalid_token"}, in a response whose error code says success, and an accepted one
 * with nothing. Without this check the client would take the refusal for a sign-in and fail later
 * on an unrelated request with ILLEGAL_SASL_STATE.
 */
export const refusedTokenIsAnError: AuthBytesValidator = (authBytes, callback) => {
  if (authBytes.length === 0) callback(null, authBytes);
  else callback(new KafkaAuthenticationError(`the broker refused the token: ${authBytes.toString('utf8').slice(0, 200)}`));
};

/** What to check when the broker refuses, by mechanism. */
function remedy(settings: KafkaSettings): string {
  if (settings.sasl === 'aws-iam')
    return (
      `MSK IAM signs with the function's credentials for region ${settings.region}: check that its role may kafka-cluster:Connect ` +
      "to this cluster, that AWS_REGION is the cluster's region, and that KAFKA_BROKERS lists the cluster's IAM brokers (port 9098)"
    );
  return `check KAFKA_SASL_MECHANISM (${settings.sasl}), KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD against the listener's`;
}

/**
 * A failed Kafka call as one named error when a refused authentication is anywhere in it (the
 * client nests it under connection errors and retries); any other failure comes back unchanged.
 */
export function namedKafkaFailure(err: unknown, settings: KafkaSettings): unknown {
  if (err instanceof KafkaAuthenticationError) return err;
  const path = pathToAuthenticationFailure(err);
  if (path === undefined) return err;
  // The connection error above it names the broker; the causes below it say what was refused.
  const broker = path.map((e) => /^Connection to (\S+) failed/.exec(e.message)?.[1]).find((b) => b !== undefined);
  const reasons: string[] = [];
  for (let e: unknown = path.at(-1); e instanceof Error; e = e.cause) reasons.push(e.message.replace(/\.$/, ''));
  return new KafkaAuthenticationError(
    `Kafka refused to authenticate ${settings.clientId} (SASL ${settings.sasl})${broker ? ` at ${broker}` : ''}: ${reasons.join(': ')}. ${remedy(settings)}.`,
    { cause: err },
  );
}

/** The errors from `err` down to the first authentication failure of the client (code PLT_KFK_AUTHENTICATION). */
function pathToAuthenticationFailure(err: unknown, seen = new Set<unknown>()): Error[] | undefined {
  if (!(err instanceof Error) || seen.has(err)) return undefined;
  seen.add(err);
  if ((err as { code?: unknown }).code === 'PLT_KFK_AUTHENTICATION') return [err];
  const children: unknown[] = [...(err instanceof AggregateError ? (err.errors as unknown[]) : []), err.cause];
  for (const child of children) {
    const below = pathToAuthenticationFailure(child, seen);
    if (below) return [err, ...below];
  }
  return undefined;
}
