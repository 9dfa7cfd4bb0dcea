// The stand-in and the scorer in one process, as `npm run esm` runs them, for the kill test: it
// reports each invocation's start and end on stdout so the test can kill it mid-batch, and exits
// 0 once every record on the topic is committed. Settings come from the same variables as npm run esm.
import { loadScorerConfig } from '../../../lib/core/config.js';
import { loadMappingConfig, mappingOptions } from '../../../local/commands/settings.js';
import { createKafka } from '../../../lib/adapters/kafka-client.js';
import { LazyProducer } from '../../../lib/adapters/producer.js';
import { createScoreHandler } from '../../../lib/score-batch.js';
import { localDynamoClient } from '../../../local/services/clients.js';
import { startEventSourceMapping } from '../../../local/event-source-mapping/mapping.js';
import { silentLogger } from '../../../local/fixtures/index.js';

const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const mapping = loadMappingConfig();
const config = loadScorerConfig();
const dynamo = localDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB!);
const deadLetters = new LazyProducer(createKafka(config.kafka));
// SCORER_NOW_MS fixes the scorer's clock, so the test knows which window sums it kept.
const now = process.env.SCORER_NOW_MS === undefined ? {} : { now: () => Number(process.env.SCORER_NOW_MS) };
const handle = createScoreHandler({ config, dynamo, deadLetters, ...now }, silentLogger);

const esm = await startEventSourceMapping({
  ...mappingOptions(mapping, handle),
  backoff: { initialMs: 50, maxMs: 500 },
  // A killed member holds its partitions until its session expires; short, so restarts resume soon.
  sessionTimeoutMs: Number(process.env.SESSION_TIMEOUT_MS ?? 10_000),
  invoke: async (event) => {
    const [[key, records] = ['', []]] = Object.entries(event.records);
    say({ event: 'start', batch: key, first: records[0]?.offset, records: records.length });
    const summary = await handle(event);
    say({
      event: 'scored',
      batch: key,
      first: records[0]?.offset,
      writes: summary.writes,
      alreadyApplied: summary.alreadyAppliedUsers,
    });
    return summary;
  },
});
say({ event: 'joined' });
// With START_ON_STDIN the test says when the topic holds everything this process must catch up with.
if (process.env.START_ON_STDIN) await new Promise((resolve) => process.stdin.once('data', resolve));
await esm.caughtUp();
await esm.stop();
await deadLetters.disconnect();
dynamo.destroy();
say({ event: 'done', ...esm.stats() });
process.exit(0);
