// How a function or command reaches Kafka: brokers, TLS and SASL, read from the same variables everywhere.
import type { SettingsReader } from './settings-reader.js';

export type SaslMechanism = 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'aws-iam';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl: SaslMechanism;
  username?: string;
  password?: string;
  region?: string;
}

export function readKafka(r: SettingsReader, clientId: string): KafkaSettings {
  const sasl = r.oneOf<SaslMechanism>('KAFKA_SASL_MECHANISM', 'none', [
    'none',
    'plain',
    'scram-sha-256',
    'scram-sha-512',
    'aws-iam',
  ]);
  const settings: KafkaSettings = {
    brokers: r.brokers('KAFKA_BROKERS'),
    clientId: r.text('KAFKA_CLIENT_ID', clientId),
    // MSK's IAM and SCRAM listeners are TLS-only, so those imply TLS unless told otherwise.
    ssl: r.boolean('KAFKA_SSL', sasl !== 'none'),
    sasl,
  };
  if (sasl === 'plain' || sasl === 'scram-sha-256' || sasl === 'scram-sha-512') {
    settings.username = r.required('KAFKA_SASL_USERNAME', `KAFKA_SASL_MECHANISM=${sasl} needs a user name`);
    settings.password = r.required('KAFKA_SASL_PASSWORD', `KAFKA_SASL_MECHANISM=${sasl} needs a password`);
  }
  const region = r.region(
    sasl === 'aws-iam' ? 'KAFKA_SASL_MECHANISM=aws-iam signs with the region of the MSK cluster' : undefined,
  );
  if (sasl === 'aws-iam') {
    settings.region = region ?? '';
    // MSK's IAM listener (port 9098) speaks TLS only: a plaintext connection can never authenticate.
    if (!settings.ssl)
      r.problems.push(
        "KAFKA_SSL=false with KAFKA_SASL_MECHANISM=aws-iam can never connect: MSK's IAM listener is TLS-only; set KAFKA_SSL=true or unset it",
      );
  }
  return settings;
}
