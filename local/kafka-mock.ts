// librdkafka's mock cluster, run inside this process through koffi: a broker that speaks the
// real Kafka wire protocol without Docker or a JVM. Topics and offsets live in memory.
import koffi from 'koffi';

export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

interface MockApi {
  confNew: () => unknown;
  confSet: (conf: unknown, name: string, value: string, err: Buffer, size: number) => number;
  kafkaNew: (type: number, conf: unknown, err: Buffer, size: number) => unknown;
  clusterNew: (rk: unknown, brokers: number) => unknown;
  clusterDestroy: (mc: unknown) => void;
  kafkaDestroy: (rk: unknown) => void;
  bootstraps: (mc: unknown) => string;
  topicCreate: (mc: unknown, topic: string, partitions: number, replication: number) => number;
  brokerDown: (mc: unknown, broker: number) => number;
  brokerUp: (mc: unknown, broker: number) => number;
}

let api: MockApi | undefined;

function loadApi(): MockApi {
  if (api) return api;
  let lib: ReturnType<typeof koffi.load> | undefined;
  let failure = '';
  // Debian/Ubuntu's soname first, then Homebrew's library on macOS.
  for (const name of ['librdkafka.so.1', 'librdkafka.1.dylib', '/opt/homebrew/lib/librdkafka.1.dylib', '/usr/local/lib/librdkafka.1.dylib']) {
    try {
      lib = koffi.load(name);
      break;
    } catch (err) {
      failure ||= (err as Error).message.split('\n')[0]!;
    }
  }
  if (lib === undefined) {
    throw new MissingPrerequisiteError(
      `librdkafka is not installed (${failure}). Install it with: sudo apt-get install -y librdkafka1 ` +
        '(macOS: brew install librdkafka), or point KAFKA_BROKERS at a running Kafka.',
    );
  }
  api = {
    confNew: lib.func('void *rd_kafka_conf_new()'),
    confSet: lib.func('int rd_kafka_conf_set(void *conf, const char *name, const char *value, char *errstr, size_t errstr_size)'),
    kafkaNew: lib.func('void *rd_kafka_new(int type, void *conf, char *errstr, size_t errstr_size)'),
    clusterNew: lib.func('void *rd_kafka_mock_cluster_new(void *rk, int broker_cnt)'),
    clusterDestroy: lib.func('void rd_kafka_mock_cluster_destroy(void *mc)'),
    kafkaDestroy: lib.func('void rd_kafka_destroy(void *rk)'),
    bootstraps: lib.func('const char *rd_kafka_mock_cluster_bootstraps(void *mc)'),
    topicCreate: lib.func('int rd_kafka_mock_topic_create(void *mc, const char *topic, int partition_cnt, int replication_factor)'),
    brokerDown: lib.func('int rd_kafka_mock_broker_set_down(void *mc, int broker_id)'),
    brokerUp: lib.func('int rd_kafka_mock_broker_set_up(void *mc, int broker_id)'),
  };
  return api;
}

export interface MockKafka {
  bootstrapServers: string;
  createTopic(name: string, partitions: number): void;
  /** Makes the broker refuse connections, as a crashed broker would; `up` restores it with its data. */
  setDown(down: boolean): void;
  stop(): void;
}

export function startMockKafka(): MockKafka {
  const lib = loadApi();
  const err = Buffer.alloc(512);
  const conf = lib.confNew();
  lib.confSet(conf, 'log_level', '3', err, err.length); // errors only: the host handle itself has no brokers to reach
  const rk = lib.kafkaNew(0, conf, err, err.length);
  if (!rk) throw new Error(`librdkafka could not create a handle: ${err.toString('utf8').replace(/\0.*$/s, '')}`);
  const mc = lib.clusterNew(rk, 1);
  if (!mc) throw new Error('librdkafka could not start its mock cluster');
  let stopped = false;
  return {
    bootstrapServers: lib.bootstraps(mc),
    createTopic(name, partitions) {
      const code = lib.topicCreate(mc, name, partitions, 1);
      // 36 is TOPIC_ALREADY_EXISTS: creating is idempotent here, as our callers expect.
      if (code !== 0 && code !== 36) throw new Error(`mock Kafka could not create topic ${name}: error ${code}`);
    },
    setDown(down) {
      (down ? lib.brokerDown : lib.brokerUp)(mc, 1);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      lib.clusterDestroy(mc);
      lib.kafkaDestroy(rk);
    },
  };
}
