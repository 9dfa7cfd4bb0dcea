import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { KafkaSettings } from '../core/config.js';

/** A KafkaJS client for the configured brokers: plaintext locally, TLS and SASL (IAM on MSK) in AWS. */
export function createKafka(settings: KafkaSettings): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.ssl,
    connectionTimeout: 3000,
    // Retries stay short: the caller (Lambda's mapping or the schedule) owns the long retry.
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.ERROR,
  };
  const sasl = saslOptions(settings);
  if (sasl !== undefined) config.sasl = sasl;
  return new Kafka(config);
}

function saslOptions(settings: KafkaSettings): SASLOptions | undefined {
  switch (settings.sasl) {
    case 'none':
      return undefined;
    case 'plain':
      return { mechanism: 'plain', username: settings.username!, password: settings.password! };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username: settings.username!, password: settings.password! };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: settings.username!, password: settings.password! };
    case 'aws-iam': {
      const region = settings.region!;
      return {
        mechanism: 'oauthbearer',
        // MSK IAM: a SigV4-signed token from the function's own credentials, fetched at each (re)authentication.
        oauthBearerProvider: async () => {
          const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
          const { token } = await generateAuthToken({ region });
          return { value: token };
        },
      };
    }
  }
}
