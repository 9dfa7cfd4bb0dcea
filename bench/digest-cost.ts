// What the t-digest costs the job's CPU: building per-segment partials and merging them, next to
// sorting the same scores, the raw limit an exact in-memory answer would pay.
import { TDigest } from 'tdigest';
import { SegmentDigest, estimatePercentile, mergePartials } from '../lib/core/digest.js';
import { SCAN_PAGE_ITEMS } from '../lib/popular-job.js';
import { exactCutoff } from '../local/fixtures/index.js';
import { SCORE_SHAPES } from './accuracy.js';
import { barChartSvg } from './svg-plot.js';
import { count, median, ms, ratio, type Log, type Section } from './report.js';

export interface DigestCostOptions {
  values: number;
  rounds: number;
  segments: number;
}

interface Timing {
  shape: string;
  build: number;
  merge: number;
  oneByOne: number;
  sort: number;
}

/** Pages of each segment, as the scan delivers them: plain number arrays. */
function pagesOf(scores: Float64Array, segments: number): number[][][] {
  const bySegment = Array.from({ length: segments }, () => [] as number[]);
  for (let i = 0; i < scores.length; i++) bySegment[i % segments]!.push(scores[i]!);
  return bySegment.map((all) => {
    const pages: number[][] = [];
    for (let start = 0; start < all.length; start += SCAN_PAGE_ITEMS)
      pages.push(all.slice(start, start + SCAN_PAGE_ITEMS));
    return pages;
  });
}

function time<T>(work: () => T): [number, T] {
  const started = performance.now();
  const result = work();
  return [performance.now() - started, result];
}

export async function benchDigestCost(options: DigestCostOptions, log: Log): Promise<Section> {
  const timings: Timing[] = [];
  for (const shape of SCORE_SHAPES.filter((s) => s.name !== 'integer, skewed users')) {
    const scores = shape.make(options.values);
    const pages = pagesOf(scores, options.segments);
    const builds: number[] = [];
    const merges: number[] = [];
    const sorts: number[] = [];
    const plain: number[] = [];
    // Round 0 warms the JIT and is not counted.
    for (let round = 0; round <= options.rounds; round++) {
      const [build, partials] = time(() =>
        pages.map((segmentPages) => {
          const digest = new SegmentDigest();
          for (const page of segmentPages) digest.addPage(page);
          return digest.toPartial();
        }),
      );
      const [merge] = time(() => estimatePercentile(mergePartials(partials), 95));
      const [sort] = time(() => exactCutoff(scores, 95));
      // The library used naively: one push per score, no grouping of repeated values.
      const [oneByOne] = time(() => {
        const digest = new TDigest();
        for (const s of scores) digest.push(s);
        digest.compress();
        return digest.percentile(0.95);
      });
      if (round === 0) continue;
      builds.push(build);
      merges.push(merge);
      sorts.push(sort);
      plain.push(oneByOne);
    }
    timings.push({
      shape: shape.name,
      build: median(builds),
      merge: median(merges),
      sort: median(sorts),
      oneByOne: median(plain),
    });
    const t = timings.at(-1)!;
    log(
      `digest: ${shape.name}: partials ${t.build.toFixed(0)} ms + merge ${t.merge.toFixed(1)} ms vs sort ${t.sort.toFixed(0)} ms`,
    );
  }

  return {
    title: 't-digest cost',
    method: [
      `${count(options.values)} scores split over ${options.segments} segments in pages of ${count(SCAN_PAGE_ITEMS)}; median of ${options.rounds} rounds after a warm-up round, one process, single thread. ` +
        '*Partials*: a `SegmentDigest` per segment fed page by page (repeated values grouped) and exported; *merge*: `mergePartials` + the p95 estimate. ' +
        '*Sort*: copying the scores into a Float64Array, sorting it and reading the nearest rank, the exact in-memory answer. ' +
        '*One by one*: the `tdigest` package fed a push per score, for comparison.',
    ],
    header: [
      'scores',
      'partials',
      'merge + estimate',
      'digest total',
      'sort (raw)',
      'digest vs sort',
      'one-by-one push',
    ],
    rows: timings.map((t) => [
      t.shape,
      ms(t.build),
      `${t.merge.toFixed(1)} ms`,
      ms(t.build + t.merge),
      ms(t.sort),
      ratio((t.build + t.merge) / t.sort),
      ms(t.oneByOne),
    ]),
    notes: [
      'The sort needs every score in memory at once (8 bytes each plus the user ids to select with); the partials hold a few hundred centroids each, whatever the table size, and the merge reads centroids only.',
    ],
    plots: [
      {
        file: 'digest-cost.svg',
        title: 't-digest partials + merge vs sorting the same scores',
        svg: barChartSvg({
          title: `t-digest vs sort, ${count(options.values)} scores (ms, lower is better)`,
          categories: timings.map((t) => t.shape),
          series: [
            { name: 'partials + merge', values: timings.map((t) => t.build + t.merge) },
            { name: 'sort (raw)', values: timings.map((t) => t.sort) },
            { name: 'one-by-one push', values: timings.map((t) => t.oneByOne) },
          ],
          yLabel: 'ms',
          labelBars: true,
        }),
      },
    ],
  };
}
