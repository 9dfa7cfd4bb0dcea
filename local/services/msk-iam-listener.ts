// An optional extra listener on the local broker that takes MSK IAM's SASL OAUTHBEARER token over
// TLS, as MSK's port 9098 does: a throwaway self-signed certificate, and a token validator of ours
// (local/kafka/MskIamTokenValidator.java) that checks the SigV4 signature and records every token.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MissingPrerequisiteError } from './prerequisites.js';

const run = promisify(execFile);
const VALIDATOR_SOURCE = new URL('../kafka/MskIamTokenValidator.java', import.meta.url);
const VALIDATOR_CLASS = 'local.kafka.MskIamTokenValidator';
/** The listener's name in the broker's configuration; its properties are prefixed with it in lower case. */
const LISTENER = 'MSK_IAM';

/** The one identity the listener accepts: a token must be signed with this secret for this key id and region. */
export interface MskIamIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** When given, a token must carry it as X-Amz-Security-Token, as the function's role credentials do. */
  sessionToken?: string;
}

export interface MskIamListenerOptions extends MskIamIdentity {
  /**
   * How long a sign-in lasts before the client must sign in again on its connection (connections.max.reauth.ms); unset,
   * for ever.
   */
  sessionLifetimeMs?: number;
}

export interface MskIamListener {
  bootstrapServers: string;
  /** The listener certificate in PEM, which a client trusts as a private CA (e.g. NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** Every token presented so far, oldest first, with the validator's verdict. */
  presentedTokens(): PresentedToken[];
}

export interface PresentedToken {
  verdict: 'accepted' | 'refused';
  /** The principal when accepted, the reason when refused. */
  detail: string;
  token: string;
}

/** What the broker needs for the listener: its server.properties lines and a classpath entry. */
export interface MskIamListenerSetup {
  listener: string;
  protocolMapEntry: string;
  serverProperties: string[];
  classpath: string;
  info: MskIamListener;
}

/**
 * Makes the certificate and the validator's settings in `dir` (the broker's own temporary folder)
 * and compiles the validator once per source version into .cache/.
 */
export async function prepareMskIamListener(o: {
  dir: string;
  port: number;
  kafka: { libs: string; version: string };
  identity: MskIamListenerOptions;
}): Promise<MskIamListenerSetup> {
  const [classpath, tls] = await Promise.all([compileValidator(o.kafka), makeCertificate(o.dir)]);
  const tokenLog = join(o.dir, 'msk-iam-tokens.tsv');
  const prefix = `listener.name.${LISTENER.toLowerCase()}`;
  const { sessionLifetimeMs, ...identity } = o.identity;
  return {
    listener: `${LISTENER}://127.0.0.1:${o.port}`,
    protocolMapEntry: `${LISTENER}:SASL_SSL`,
    classpath,
    serverProperties: [
      `${prefix}.sasl.enabled.mechanisms=OAUTHBEARER`,
      `${prefix}.oauthbearer.sasl.jaas.config=${jaasConfig(identity, tokenLog)}`,
      `${prefix}.oauthbearer.sasl.server.callback.handler.class=${VALIDATOR_CLASS}`,
      // The broker never signs in to this listener; without this it would try Kafka's unsecured JWT login.
      `${prefix}.oauthbearer.sasl.login.callback.handler.class=${VALIDATOR_CLASS}`,
      ...(sessionLifetimeMs === undefined
        ? []
        : [`${prefix}.oauthbearer.connections.max.reauth.ms=${sessionLifetimeMs}`]),
      `${prefix}.ssl.keystore.type=PKCS12`,
      `${prefix}.ssl.keystore.location=${tls.keystore}`,
      `${prefix}.ssl.keystore.password=${tls.password}`,
      `${prefix}.ssl.key.password=${tls.password}`,
    ],
    info: {
      bootstrapServers: `127.0.0.1:${o.port}`,
      caFile: tls.caFile,
      presentedTokens: () => readTokenLog(tokenLog),
    },
  };
}

function jaasConfig(identity: MskIamIdentity, tokenLog: string): string {
  const options: Record<string, string | undefined> = { ...identity, tokenLog };
  const quoted = Object.entries(options)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => {
      // JAAS option values are quoted strings; the test identities never need escaping, so refuse what would.
      if (/["\\\n]/.test(value))
        throw new Error(`the MSK IAM listener's ${name} may not contain quotes, backslashes or newlines`);
      return `${name}="${value}"`;
    });
  return `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ${quoted.join(' ')};`;
}

function readTokenLog(file: string): PresentedToken[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [verdict, detail, token] = line.split('\t');
      return { verdict: verdict as PresentedToken['verdict'], detail: detail ?? '', token: token ?? '' };
    });
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, valid for a day: the broker's key store, and its PEM for
 * clients.
 */
async function makeCertificate(dir: string): Promise<{ keystore: string; password: string; caFile: string }> {
  const keystore = join(dir, 'msk-iam-listener.p12');
  const caFile = join(dir, 'msk-iam-listener-ca.pem');
  const password = randomBytes(12).toString('hex');
  const store = ['-keystore', keystore, '-storetype', 'PKCS12', '-storepass', password, '-alias', 'broker'];
  // One key for both the certificate and signing it: the certificate is its own CA.
  const generate = ['-genkeypair', '-keyalg', 'EC', '-groupname', 'secp256r1', '-keypass', password, '-validity', '1'];
  await jdkTool('keytool', [...generate, '-dname', 'CN=localhost', '-ext', 'SAN=ip:127.0.0.1,dns:localhost', ...store]);
  await jdkTool('keytool', ['-exportcert', '-rfc', '-file', caFile, ...store]);
  return { keystore, password, caFile };
}

/**
 * The validator's classes, compiled with the JDK's javac against this Kafka's client jar, into a
 * folder named after the source's hash: an edited source compiles again, an unchanged one never.
 */
async function compileValidator(kafka: { libs: string; version: string }): Promise<string> {
  const source = readFileSync(VALIDATOR_SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const root = join(kafka.libs, '..', 'msk-iam-validator');
  const classes = join(root, hash);
  if (existsSync(classes)) return classes;
  // Compiled aside and renamed: two brokers starting at once never see half a folder.
  const pending = join(root, `${hash}.${process.pid}.${randomBytes(4).toString('hex')}`);
  mkdirSync(pending, { recursive: true });
  try {
    const clientsJar = join(kafka.libs, `kafka-clients-${kafka.version}.jar`);
    await jdkTool('javac', ['--release', '17', '-nowarn', '-cp', clientsJar, '-d', pending, VALIDATOR_SOURCE.pathname]);
    renameSync(pending, classes);
  } catch (err) {
    rmSync(pending, { recursive: true, force: true });
    // Another process finished first: its classes are the same.
    if (!existsSync(classes)) throw err;
  }
  return classes;
}

async function jdkTool(tool: 'javac' | 'keytool', args: string[]): Promise<void> {
  try {
    await run(tool, args, { encoding: 'utf8' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (e.code === 'ENOENT')
      throw new MissingPrerequisiteError(
        `${tool} is not on PATH: the MSK IAM listener needs a JDK 17 or newer, not only a JRE. ` +
          'Install it with: sudo apt-get install -y openjdk-17-jdk-headless (or run bash local/setup.sh).',
      );
    throw new Error(`${tool} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}
