// `npm run bench`: every benchmark area on a local stack started here, one markdown table per area
// with the goals up front, written with the plots to bench/results/.
// Flags: --quick (small sizes, a smoke test of every area),
//        --only cold-start,accuracy,digest,e2e,kafka,scorer,job,job-memory,capacity,reader,trending,
//        --job-users 100000,1000000, --events N (scorer events per row at the least),
//        --invocations N (scorer pairs per row at the least), --scorer-batches 100,1000,10000,
//        --rounds N (job rounds), --reader-users N (users per run), --out DIR.
//        docs/performance.md says how long each takes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack, type LocalStack } from '../local/services/stack.js';
import { formatDuration } from '../local/report/progress.js';
import { benchScorer } from './scorer.js';
import { benchPopularJob } from './job.js';
import { benchJobMemory } from './job-memory.js';
import { benchAccuracy } from './accuracy.js';
import { benchDigestCost } from './digest-cost.js';
import { benchColdStart } from './cold-start.js';
import { benchKafka } from './kafka.js';
import { benchEmulator } from './emulator.js';
import { benchCapacity } from './capacity.js';
import { benchReader } from './reader.js';
import { benchTrending } from './trending.js';
import { writeCostDoc, type ResultsFile } from './cost-doc.js';
import { renderResults, resultsJson, type Log, type Section } from './report.js';

const AREAS = [
  'cold-start',
  'accuracy',
  'digest',
  'e2e',
  'kafka',
  'scorer',
  'job',
  'job-memory',
  'capacity',
  'reader',
  'trending',
] as const;
type Area = (typeof AREAS)[number];

const DEFAULT_OUT = resolve(import.meta.dirname, 'results');
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'job-users': { type: 'string' },
    events: { type: 'string' },
    invocations: { type: 'string' },
    'scorer-batches': { type: 'string' },
    rounds: { type: 'string' },
    'reader-users': { type: 'string' },
    out: { type: 'string', default: DEFAULT_OUT },
  },
});
const quick = values.quick;
const only = new Set((values.only?.split(',') ?? AREAS).map((a) => a.trim()));
for (const area of only)
  if (!(AREAS as readonly string[]).includes(area))
    throw new Error(`--only: unknown area "${area}"; pick from ${AREAS.join(', ')}`);
const wanted = (area: Area) => only.has(area);
const numbers = (text: string) => text.split(',').map((n) => Number(n.replace(/_/g, '')));
/**
 * Issue 19: a job row is at least 3 rounds, a scorer row at least 20 invocation pairs (fewer only in --quick, a smoke
 * test).
 */
const rounds = values.rounds ? Number(values.rounds) : 3;
const minInvocations = values.invocations ? Number(values.invocations) : quick ? 6 : 20;

const started = performance.now();
const startedAt = new Date();
const loadBefore = loadavg();
const log: Log = (message) =>
  process.stderr.write(`[${formatDuration((performance.now() - started) / 1000).padStart(5)}] ${message}\n`);

const sections: Section[] = [];
// The areas that need no stack run first, while the machine is quietest.
if (wanted('cold-start')) sections.push(await benchColdStart({ runs: quick ? 3 : 7 }, log));
if (wanted('accuracy')) sections.push(await benchAccuracy({ users: quick ? 200_000 : 1_000_000, segments: 8 }, log));
if (wanted('digest'))
  sections.push(await benchDigestCost({ values: 1_000_000, rounds: quick ? 3 : 5, segments: 8 }, log));
// The deployed stack on ministack brings its own broker and emulator.
if (wanted('e2e')) {
  const events = values.events ? Number(values.events) : quick ? 2_000 : 5_000;
  sections.push(await benchEmulator({ events, users: 100_000, batchSizes: [100, 1_000], concurrency: 32 }, log));
}

if (
  wanted('kafka') ||
  wanted('scorer') ||
  wanted('job') ||
  wanted('job-memory') ||
  wanted('capacity') ||
  wanted('reader') ||
  wanted('trending')
) {
  log('starting the local stack (DynamoDB Local + Apache Kafka broker)');
  const stackStarted = performance.now();
  const stack: LocalStack = await startLocalStack();
  const stackStartSeconds = (performance.now() - stackStarted) / 1000;
  try {
    if (wanted('kafka'))
      sections.push(
        await benchKafka(
          stack,
          { records: quick ? 100_000 : 500_000, deadLetters: quick ? 20_000 : 100_000, stackStartSeconds },
          log,
        ),
      );
    if (wanted('scorer')) {
      const events = values.events ? Number(values.events) : quick ? 1_000 : 5_000;
      const batchSizes = values['scorer-batches']
        ? numbers(values['scorer-batches'])
        : quick
          ? [100, 1_000]
          : [100, 1_000, 10_000];
      sections.push(
        await benchScorer(stack, { events, minInvocations, users: 100_000, batchSizes, concurrency: 32 }, log),
      );
    }
    if (wanted('capacity')) {
      sections.push(
        await benchCapacity(
          stack,
          {
            events: quick ? 1_280 : 6_400,
            users: 100_000,
            batchSize: 100,
            partitions: [4, 64],
            concurrency: 32,
            segments: 8,
          },
          log,
        ),
      );
    }
    if (wanted('job')) {
      const users = values['job-users']
        ? numbers(values['job-users'])
        : quick
          ? [20_000, 100_000]
          : [100_000, 1_000_000];
      sections.push(await benchPopularJob(stack, { users, segments: [1, 4, 8, 16], rounds }, log));
    }
    if (wanted('job-memory')) {
      sections.push(
        await benchJobMemory(
          stack,
          { users: quick ? 100_000 : 1_000_000, percentiles: [1, 50, 95, 99.9], segments: 8, rounds },
          log,
        ),
      );
    }
    if (wanted('reader')) {
      const users = values['reader-users'] ? Number(values['reader-users']) : quick ? 2_000 : 50_000;
      sections.push(await benchReader(stack, { runs: [10, 300], users, calls: 3 }, log));
    }
    if (wanted('trending')) {
      const users = values['job-users'] ? Math.max(...numbers(values['job-users'])) : quick ? 100_000 : 1_000_000;
      sections.push(
        await benchTrending(
          stack,
          {
            scorer: {
              // Users active daily (the common case), and users back every few days (some idle longer than a week).
              patterns: [
                { name: 'daily', users: quick ? 300 : 1_000, events: quick ? 12_000 : 60_000, days: 30 },
                { name: 'sparse', users: quick ? 2_000 : 10_000, events: quick ? 20_000 : 100_000, days: 30 },
              ],
              batchSize: 1_000,
            },
            job: { users, rounds, segments: 8 },
          },
          log,
        ),
      );
    }
  } finally {
    await stack.stop();
  }
}

const wallSeconds = (performance.now() - started) / 1000;
// A run with other sizes says so in its header, and in the cost document's when it renders one.
const sizeFlags = (['job-users', 'events', 'invocations', 'scorer-batches', 'rounds'] as const)
  .filter((flag) => values[flag] !== undefined)
  .map((flag) => `\`--${flag} ${values[flag]}\``);
const cpu = cpus();
const info = {
  startedAt,
  wallSeconds,
  mode: [quick ? '`--quick`' : 'default sizes', ...sizeFlags].join(', '),
  machine: `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`,
  loadBefore,
  loadAfter: loadavg(),
};
const markdown = renderResults(info, sections);
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, 'results.md'), markdown);
const resultsText = resultsJson(info, sections);
writeFileSync(join(values.out, 'results.json'), resultsText);
for (const plot of sections.flatMap((s) => s.plots)) writeFileSync(join(values.out, plot.file), plot.svg);
// A full run at default sizes into the committed folder also renews the cost document's worked tables.
if (!quick && sizeFlags.length === 0 && values.out === DEFAULT_OUT) {
  try {
    writeCostDoc(JSON.parse(resultsText) as ResultsFile);
    log('docs/scale-and-cost.md: worked tables rewritten from this run');
  } catch (err) {
    log(`docs/scale-and-cost.md left as it was: ${err instanceof Error ? err.message : String(err)}`);
  }
}
process.stdout.write(`${markdown}\n`);
log(`done in ${formatDuration(wallSeconds)}; results and plots in ${values.out}`);
// The SDK and the Kafka clients keep sockets that would hold the process open for a while.
process.exit(0);
