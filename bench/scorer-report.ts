// The scorer section of results.md: rows, goals (one per handler row) and the figures the cost model reads.
import type { UserShape } from '../local/fixtures/index.js';
import { atLeast, formatMeasured } from './measured.js';
import { barChartSvg } from './svg-plot.js';
import { count, median, ratio, type BenchFigure, type GoalCheck, type Section } from './report.js';
import type { ScorerBenchOptions, ScorerMeasurement } from './scorer.js';

/** Issue 19: the handler's UpdateItem/s at least this share of the raw replay's, at every row. */
const HANDLER_VS_RAW_GOAL = 0.95;
const PARTITIONS = 4;

export const scorerRowName = (m: Pick<ScorerMeasurement, 'shape' | 'batchSize'>) =>
  `${m.shape}, batch ${count(m.batchSize)}`;

/** How skewed the skewed users are: distinct users among a sample of events. */
export interface SkewExample {
  events: number;
  distinct: number;
}

export function scorerSection(results: ScorerMeasurement[], options: ScorerBenchOptions, skew: SkewExample): Section {
  const rows = results.map((m) => {
    const writeRate = m.writes / m.seconds;
    return [
      scorerRowName(m),
      m.path,
      count(m.events),
      count(m.invocations),
      (m.writes / m.events).toFixed(3),
      count(m.events / m.seconds),
      count(writeRate),
      count(m.raw),
      formatMeasured(m.vsRaw, ratio) + (m.path === 'whole path' ? ' †' : ''),
      m.exact ? 'yes' : '**NO**',
      m.floor ? count(m.floor.own) : '–',
      m.floor ? formatMeasured(m.floor.vsOwn, ratio) : '–',
      m.floor ? formatMeasured(m.floor.ownVsRaw, ratio) : '–',
      m.floor ? `${count(m.floor.rawBytes)} / ${count(m.floor.ownBytes)}` : '–',
      m.floor
        ? [m.floor.rawCpuMsPerWrite, m.floor.ownCpuMsPerWrite, m.cpuMsPerWrite ?? NaN]
            .map((c) => c.toFixed(3))
            .join(' / ')
        : '–',
    ];
  });
  const alone = results.filter((m) => m.path === 'handler alone');
  const rawMedian = median(alone.map((m) => m.raw));
  const series = (shape: UserShape, path: ScorerMeasurement['path']) => ({
    name: `${path}, ${shape}`,
    values: options.batchSizes.map((b) => {
      const m = results.find((r) => r.shape === shape && r.path === path && r.batchSize === b);
      return m ? m.events / m.seconds : NaN;
    }),
  });
  const section = 'Scorer';
  // Each goal row has its floor beside it: how much of the gap is our code, and how much the request itself.
  const goals: GoalCheck[] = alone.flatMap((m) => [
    {
      claim: `Scorer handler UpdateItem/s vs raw per-user writes, ${scorerRowName(m)}`,
      goal: atLeast(HANDLER_VS_RAW_GOAL, ratio),
      measured: m.vsRaw,
      note: `${count(m.invocations)} invocation pairs`,
    },
    ...(m.floor
      ? [
          {
            claim: `Floor, ${scorerRowName(m)}: handler vs a bare replay of its own requests (what our code costs)`,
            goal: atLeast(HANDLER_VS_RAW_GOAL, ratio),
            measured: m.floor.vsOwn,
            note: `${count(m.invocations)} pairs`,
          },
          {
            claim: `Floor, ${scorerRowName(m)}: its own requests replayed bare vs raw per-user writes (the most the handler can reach)`,
            goal: atLeast(HANDLER_VS_RAW_GOAL, ratio),
            measured: m.floor.ownVsRaw,
            note: `${count(m.floor.ownBytes)} vs ${count(m.floor.rawBytes)} bytes per request`,
          },
        ]
      : []),
  ]);
  const figures: BenchFigure[] = alone.flatMap((m) => [
    {
      id: `scorer.writes-per-event.${m.shape}.batch-${m.batchSize}`,
      value: m.writes / m.events,
      unit: 'UpdateItem per event',
      row: `${section} › ${scorerRowName(m)}, handler alone`,
    },
    {
      id: `scorer.cpu-ms-per-write.${m.shape}.batch-${m.batchSize}`,
      value: m.cpuMsPerWrite ?? NaN,
      unit: 'ms of Node CPU per UpdateItem',
      row: `${section} › ${scorerRowName(m)}, handler alone`,
    },
  ]);

  return {
    title: section,
    method: [
      `${count(options.events)} events per row at the least, and at least ${options.minInvocations} full batches, over ${count(options.users)} users, weights 1 to 3; uniform users (the seed's shape) and skewed users (Zipf, s = 1: ` +
        `${count(skew.distinct)} distinct users in ${count(skew.events)} events). Each row writes a fresh table; "exact" checks the table's total against plain arithmetic.`,
      `*Handler alone*: \`createScoreHandler\` called with pre-built MSK events one after another (one invocation in flight). *Whole path*: the same events produced to a ${PARTITIONS}-partition topic, ` +
        'then the stand-in (`local/event-source-mapping/mapping.ts`, 0.5 s batching window) feeds the same handler; timed from its first invocation to its last commit, so the consumer group join is left out. ' +
        `Its ${PARTITIONS} partitions are ${PARTITIONS} lanes in flight at once, as AWS runs one invocation per partition.`,
      `*Raw*: the same per-batch user deltas written as plain unconditional \`ADD score :d\` UpdateItems (no offsets, no condition) into a fresh table, ` +
        `with the same client (keep-alive, 64 sockets) and the same ${options.concurrency} requests in flight, taking turns with the handler batch by batch (alternating which goes first), ` +
        `so load from other work on the machine lands on both alike: the per-user write rate the scorer cannot beat. Median over rows: ${count(rawMedian)} UpdateItem/s.`,
      '*vs raw*: each handler batch and its raw replay are one paired sample of the ratio; the table gives the median over the pairs and, in brackets, the 95% confidence interval of that median ' +
        '(order statistics of the binomial; min-max below 6 pairs), which is what the goals table judges. ' +
        '† A whole-path row is one timed run of many invocations, set against each raw batch of its handler row: its bracket is the spread of the raw rate only.',
      '*Own requests* (the floor): the exact UpdateItem inputs the handler sends for the same batch on its first delivery, built before the timer by the same lib code ' +
        '(`decodeActivity`, `combineByUser`, `splitByPartitions`, `conditionalAddInput` in lib/adapters/store.ts), then sent bare with the same client and the same requests in flight ' +
        'into a third fresh table, taking turns with the raw replay and the handler (the order rotates by batch). *Handler vs own* near 1.0 says our code (decoding, combining, ' +
        "building the expressions, the handler's bookkeeping) costs little; *own vs raw* is the price of the exactly-once request itself (its condition, the offset and timestamp attributes, " +
        'larger bodies for the SDK to serialise, sign and hash, and for DynamoDB Local to parse and evaluate on the same cores): the most the handler can reach against plain writes. ' +
        "The goals table sets both beside each 0.95x goal row. *Node CPU ms per write* is the bench process's own CPU (`process.cpuUsage`) over each side's turns ÷ its writes: " +
        "the client's share of each request shape (serialising, signing, hashing, parsing the reply); the rest of a turn's time is the round trip and DynamoDB Local's work on the same cores.",
    ],
    header: [
      'users, batch size',
      'path',
      'events',
      'invocations',
      'writes/event',
      'events/s',
      'UpdateItem/s',
      'raw UpdateItem/s (same writes)',
      'UpdateItem/s vs raw: median (spread)',
      'exact',
      'own requests UpdateItem/s',
      'handler vs own requests',
      'own requests vs raw',
      'bytes per request (raw / own)',
      'Node CPU ms per write (raw / own / handler)',
    ],
    rows,
    notes: [
      'The scorer writes once per distinct user per batch, so events/s = UpdateItem/s ÷ writes/event: bigger batches and skewed users raise events/s at the same write rate.',
      `Whole path with ${PARTITIONS} partitions: a batch never spans partitions, so a batch size above the records a partition holds yields smaller batches than asked.`,
    ],
    plots: [
      {
        file: 'scorer-throughput.svg',
        title: 'Scorer events/s by batch size, next to raw UpdateItem/s',
        svg: barChartSvg({
          title: 'Scorer events/s by batch size (DynamoDB Local)',
          categories: options.batchSizes.map((b) => `batch ${count(b)}`),
          series: [
            series('uniform', 'handler alone'),
            series('skewed', 'handler alone'),
            series('uniform', 'whole path'),
            series('skewed', 'whole path'),
          ],
          yLabel: 'events/s',
          references: [{ label: 'raw UpdateItem/s (median of rows)', value: rawMedian }],
          labelBars: true,
        }),
      },
      {
        file: 'scorer-vs-raw.svg',
        title: 'Scorer UpdateItem/s as a share of the raw replay of the same writes (medians)',
        svg: barChartSvg({
          title: 'Scorer UpdateItem/s ÷ raw UpdateItem/s of the same per-batch writes (median)',
          categories: alone.map((m) => `${m.shape}, ${count(m.batchSize)}`),
          series: (['handler alone', 'whole path'] as const).map((path) => ({
            name: path,
            values: alone.map(
              (a) =>
                results.find((r) => r.path === path && r.shape === a.shape && r.batchSize === a.batchSize)?.vsRaw
                  .median ?? NaN,
            ),
          })),
          yLabel: 'ratio',
          references: [{ label: 'goal for the handler', value: HANDLER_VS_RAW_GOAL }],
          labelBars: true,
        }),
      },
    ],
    goals,
    figures,
  };
}
