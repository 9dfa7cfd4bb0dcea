// Accuracy of the popular set: the job's engine (lib/core/popular-engine.ts, what runPopularJob runs)
// over the scores held in memory, against the exact answer and the plain `score > digest estimate` rule.
import { selectPopularUsers } from '../lib/core/popular-engine.js';
import { memoryScoreSource } from '../lib/core/score-source.js';
import { SCAN_PAGE_ITEMS } from '../lib/adapters/scan.js';
import { continuousScores, exactPopular, seedShapedScores, skewedScores } from '../local/fixtures/index.js';
import { measureTrending, TRENDING_DAYS, HISTORY_DAYS } from './accuracy-trending.js';
import { barChartSvg } from './svg-plot.js';
import { exactly, measured } from './measured.js';
import { count, f1, type GoalCheck, type Log, type Section } from './report.js';

export interface AccuracyOptions {
  users: number;
  segments: number;
}

const PERCENTILE = 95;
/** The job's default MAX_HELD_USERS. */
const MAX_HELD_USERS = 250_000;

export interface ScoreShape {
  name: string;
  integer: boolean;
  make: (users: number) => Float64Array;
}

export const SCORE_SHAPES: ScoreShape[] = [
  { name: 'integer, uniform users', integer: true, make: (n) => seedShapedScores(n, 11) },
  { name: 'integer, skewed users', integer: true, make: (n) => skewedScores(n, 12) },
  { name: 'continuous', integer: false, make: (n) => continuousScores(n, 13) },
];

/** Scores as they are: integers with separators, others to three decimals so near misses show. */
const score = (n: number) => (Number.isInteger(n) ? count(n) : n.toFixed(3));

interface ShapeResult {
  shape: Pick<ScoreShape, 'name' | 'integer'>;
  exactCutoff: number;
  exactCount: number;
  atCutoff: number;
  estimate: number;
  jobCutoff: number | null;
  passes: number;
  jobF1: number;
  plainCount: number;
  plainF1: number;
}

async function measureShape(shape: ScoreShape, users: number, segments: number): Promise<ShapeResult> {
  const scores = shape.make(users);
  // The in-memory source names user i by its index.
  const exact = exactPopular(scores, PERCENTILE, String);
  const exactCutoff = exact.cutoff!;

  // The engine as the job runs it, with the default budget: users dealt to segments and read in interleaved pages.
  let jobHits = 0;
  let selected = 0;
  const outcome = await selectPopularUsers(
    memoryScoreSource(scores, segments),
    { percentile: PERCENTILE, maxHeldUsers: MAX_HELD_USERS },
    () => ({
      add: (user) => {
        selected++;
        if (exact.users.has(user.userId)) jobHits++;
      },
    }),
  );
  const estimate = outcome.estimatedCutoff!;
  const jobCutoff = outcome.cutoff;
  const passes = outcome.passes;

  let plainCount = 0;
  let plainHits = 0;
  for (const s of scores) {
    if (s > estimate) {
      plainCount++;
      if (s > exactCutoff) plainHits++;
    }
  }
  return {
    shape,
    exactCutoff,
    exactCount: exact.users.size,
    atCutoff: exact.atCutoff,
    estimate,
    jobCutoff,
    passes,
    jobF1: f1(selected, exact.users.size, jobHits),
    plainCount,
    plainF1: f1(plainCount, exact.users.size, plainHits),
  };
}

export async function benchAccuracy(options: AccuracyOptions, log: Log): Promise<Section> {
  const results: ShapeResult[] = [];
  for (const shape of SCORE_SHAPES) {
    results.push(await measureShape(shape, options.users, options.segments));
    const r = results.at(-1)!;
    log(
      `accuracy: ${shape.name}: exact cutoff ${score(r.exactCutoff)}, estimate ${score(r.estimate)}, job F1 ${r.jobF1.toFixed(4)}, plain rule F1 ${r.plainF1.toFixed(4)}`,
    );
  }
  const trending = await measureTrending(options.users, options.segments, PERCENTILE, MAX_HELD_USERS);
  results.push(trending);
  log(
    `accuracy: ${trending.shape.name}: exact cutoff ${score(trending.exactCutoff)}, job F1 ${trending.jobF1.toFixed(4)}, plain rule F1 ${trending.plainF1.toFixed(4)}`,
  );
  const integer = results.filter((r) => r.shape.integer && r !== trending);
  // Seeded scores and a deterministic engine: one sample is the whole answer.
  const goals: GoalCheck[] = [
    ...integer.map((r) => ({
      claim: `F1 of the popular set, ${r.shape.name}`,
      goal: exactly(1, (value) => value.toFixed(4)),
      measured: measured([r.jobF1]),
    })),
    {
      claim: `F1 of the trending set, ${count(options.users)} users, events over ${HISTORY_DAYS} days, a ${TRENDING_DAYS}-day window`,
      goal: exactly(1, (value) => value.toFixed(4)),
      measured: measured([trending.jobF1]),
      note: `the plain digest rule: ${trending.plainF1.toFixed(4)}, ${count(trending.plainCount)} users for ${count(trending.exactCount)}`,
    },
  ];
  return {
    title: 'Accuracy of the popular set',
    method: [
      `${count(options.users)} users per shape, p${PERCENTILE}, ${options.segments} segments fed page by page (${count(SCAN_PAGE_ITEMS)} users a page, interleaved) through the job's engine, \`selectPopularUsers\` over an in-memory score source: ` +
        'per-segment digests and candidates, merged t-digest, exact resolution, and the bounded cutoff search and streaming pass when needed. ' +
        'The exact answer sorts every score: nearest-rank cutoff, popular = strictly above it. The plain rule publishes `score > merged digest estimate`.',
      'Score shapes come from `local/generators/seed-scores.ts`: the seed (uniform users, weights 1-3, ~100 events each; heavy ties), Zipf-skewed users, and continuous log-normal scores with few ties.',
      `The trending row: the seed's events spread over ${HISTORY_DAYS} days, 30% of users joining on a random day (\`local/generators/daily-scores.ts\`); ` +
        `every user's all-time score and the sum of their last ${TRENDING_DAYS} days go through \`selectBothSets\` (lib/trending-job.ts), both sets from the same passes as the job runs them, ` +
        'published to a counting sender; the trending set ranks users whose window sum is above zero, and the plain rule publishes `window sum > the trending digest estimate`.',
    ],
    header: [
      'scores',
      'exact cutoff',
      'users above',
      'users at cutoff',
      'digest estimate',
      'job cutoff',
      'scan passes',
      'job F1',
      'plain rule: users',
      'plain rule F1',
    ],
    rows: results.map((r) => [
      r.shape.name,
      score(r.exactCutoff),
      count(r.exactCount),
      count(r.atCutoff),
      score(r.estimate),
      r.jobCutoff === null ? '-' : score(r.jobCutoff),
      String(r.passes),
      r.jobF1.toFixed(4),
      count(r.plainCount),
      r.plainF1.toFixed(4),
    ]),
    notes: [
      'With integer scores a whole score value sits at the cutoff; an estimate a fraction below it takes all of them in, one a fraction above leaves the next value out: that is what the plain rule loses.',
      'The job keeps candidates above a moving per-segment threshold and counts the rest exactly, so its cutoff is the exact one whenever it resolves (one scan pass), or after a band rescan.',
    ],
    plots: [
      {
        file: 'accuracy-f1.svg',
        title: 'F1 of the popular set: the job vs the plain digest rule',
        svg: barChartSvg({
          title: `F1 of the published set at p${PERCENTILE}, ${count(options.users)} users`,
          categories: results.map((r) => r.shape.name),
          series: [
            { name: 'job (exact selection)', values: results.map((r) => r.jobF1) },
            { name: 'plain rule: score > digest estimate', values: results.map((r) => r.plainF1) },
          ],
          yLabel: 'F1',
          references: [{ label: 'goal', value: 1 }],
          labelBars: true,
        }),
      },
    ],
    goals,
  };
}
