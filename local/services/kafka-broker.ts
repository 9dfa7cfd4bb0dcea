// A real Apache Kafka broker on this machine: one KRaft node (controller and broker in one JVM),
// its release fetched from Maven Central by local/setup.sh into .cache/kafka/<version>/libs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { checkJava, MissingPrerequisiteError } from './prerequisites.js';
import { freePort, startServiceProcess, waitUntilReady, type ServiceProcess } from './service-process.js';
import {
  prepareMskIamListener,
  type MskIamListenerOptions,
  type MskIamListener,
  type MskIamListenerSetup,
} from './msk-iam-listener.js';

/**
 * Kafka 4.1: offered by Amazon MSK, KRaft-only like MSK's newest clusters, and in the range @platformatic/kafka is
 * tested against (3.5-4.2).
 */
const DEFAULT_KAFKA_VERSION = '4.1.2';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LOG_CONFIG = join(ROOT, 'local/kafka/log4j2.properties');

/** The release local/setup.sh fetched; KAFKA_VERSION picks another (run the set-up again after changing it). */
export function kafkaVersion(env: NodeJS.ProcessEnv = process.env): string {
  return env.KAFKA_VERSION?.trim() || DEFAULT_KAFKA_VERSION;
}

function kafkaLibs(version = kafkaVersion()): string {
  const libs = join(ROOT, '.cache/kafka', version, 'libs');
  if (!existsSync(join(libs, `kafka_2.13-${version}.jar`))) {
    throw new MissingPrerequisiteError(
      `Apache Kafka ${version} is not in ${libs}. Run the set-up, which fetches it with Maven: bash local/setup.sh ` +
        '(Maven itself: sudo apt-get install -y maven), or point KAFKA_BROKERS at a running Kafka.',
    );
  }
  return libs;
}

export interface KafkaBroker {
  bootstrapServers: string;
  dataDir: string;
  /** The JVM's process id, for memory figures. */
  pid(): number | undefined;
  /** A clean shutdown; a temporary log folder goes with it. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts again on the same log folder and ports, after stop() or kill(). */
  restart(): Promise<void>;
  /** The SASL_SSL OAUTHBEARER listener taking MSK IAM tokens, when asked for. */
  mskIam?: MskIamListener;
}

export interface KafkaBrokerOptions {
  /** Adds a listener that authenticates as MSK IAM does, accepting tokens signed for this identity only. */
  mskIam?: MskIamListenerOptions;
}

/** Settings that matter to us follow Amazon MSK's defaults; the rest keep one node small and quick. */
function serverProperties(o: {
  port: number;
  controllerPort: number;
  logDir: string;
  partitions: number;
  mskIam?: MskIamListenerSetup;
}): string {
  const extra = o.mskIam === undefined ? '' : `,${o.mskIam.listener}`;
  const extraProtocol = o.mskIam === undefined ? '' : `,${o.mskIam.protocolMapEntry}`;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${o.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}${extra}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}${extra}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${extraProtocol}`,
    ...(o.mskIam?.serverProperties ?? []),
    `log.dirs=${o.logDir}`,
    // As on MSK: topics exist only when created, and one request carries at most about 1 MiB.
    'auto.create.topics.enable=false',
    'message.max.bytes=1048588',
    `num.partitions=${o.partitions}`,
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=8',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.num.partitions=4',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // A lone node: no reason to wait for more consumers before the first rebalance.
    'group.initial.rebalance.delay.ms=0',
    // A restarted node is fenced until its old registration lapses: keep that short.
    'broker.heartbeat.interval.ms=500',
    'broker.session.timeout.ms=3000',
    'num.network.threads=2',
    'num.io.threads=4',
    '',
  ].join('\n');
}

export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  checkJava();
  const libs = kafkaLibs();
  // A log folder of its own: restart() keeps it, stop() removes it.
  const dataDir = mkdtempSync(join(tmpdir(), 'kafka-'));
  const logDir = join(dataDir, 'log');
  const propsFile = join(dataDir, 'server.properties');
  const port = await freePort();
  const mskIam =
    options.mskIam &&
    (await prepareMskIamListener({
      dir: dataDir,
      port: await freePort(),
      kafka: { libs, version: kafkaVersion() },
      identity: options.mskIam,
    }));
  const classpath = [join(libs, '*'), ...(mskIam ? [mskIam.classpath] : [])].join(delimiter);
  writeFileSync(propsFile, serverProperties({ port, controllerPort: await freePort(), logDir, partitions: 1, mskIam }));
  formatStorage(classpath, propsFile);
  const bootstrapServers = `127.0.0.1:${port}`;
  const heap = '512m';

  let service: ServiceProcess | undefined;
  const launch = async () => {
    service = startServiceProcess('java', [
      `-Xmx${heap}`,
      `-Xms${heap}`,
      `-Dlog4j2.configurationFile=${LOG_CONFIG}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      propsFile,
    ]);
    await waitUntilReady(
      `the Kafka broker on ${bootstrapServers}`,
      service,
      () => answersMetadata(bootstrapServers),
      90_000,
    );
  };
  await launch();
  await createCoordinatorTopics(bootstrapServers);
  return {
    bootstrapServers,
    dataDir,
    ...(mskIam && { mskIam: mskIam.info }),
    pid: () => service?.child.pid,
    stop: async () => {
      await service?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    kill: async () => service?.kill(),
    restart: async () => {
      await service?.stop();
      await launch();
    },
  };
}

/** KRaft storage must be formatted once, with a cluster id, before the node's first start. */
function formatStorage(classpath: string, propsFile: string): void {
  const clusterId = randomBytes(16).toString('base64url');
  const result = spawnSync(
    'java',
    [
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      `-Dlog4j2.configurationFile=${LOG_CONFIG}`,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      `--cluster-id=${clusterId}`,
      '--config',
      propsFile,
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0)
    throw new Error(`formatting the Kafka broker's storage failed:\n${result.stdout}${result.stderr}`);
}

/** Ready means ready for clients: the node answers a metadata request as a broker. */
async function answersMetadata(bootstrapServers: string): Promise<void> {
  const admin = new Admin({
    clientId: 'local-readiness',
    bootstrapBrokers: [bootstrapServers],
    connectTimeout: 1000,
    retries: 0,
  });
  try {
    await admin.metadata({ topics: [] });
  } finally {
    await admin.close();
  }
}

/**
 * The group coordinator's topic is made on first use, and a consumer that comes first is told
 * "coordinator not available" for a while; made here, every client finds it ready.
 */
async function createCoordinatorTopics(bootstrapServers: string): Promise<void> {
  const admin = new Admin({
    clientId: 'local-warm-up',
    bootstrapBrokers: [bootstrapServers],
    retries: 30,
    retryDelay: 200,
  });
  try {
    await admin.describeGroups({ groups: ['local-warm-up'] });
  } finally {
    await admin.close();
  }
}
