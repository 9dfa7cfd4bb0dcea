// `npm start -- --continuous`: events streamed at a steady rate, scored as they come, and the job run on a
// timer until Ctrl-C, then the report of the last run.
import type { PopularRunSummary } from '../../lib/popular-job.js';
import type { startEventSourceMapping } from '../event-source-mapping/mapping.js';
import { startActivityStream, type connectActivityProducer, type defaultPopulation } from '../generators/generate.js';
import { printContinuousLine } from '../report/demo-output.js';
import type { StageTiming } from '../report/report.js';

export interface ContinuousOptions {
  interrupted: Promise<NodeJS.Signals>;
  producer: Awaited<ReturnType<typeof connectActivityProducer>>;
  topic: string;
  population: ReturnType<typeof defaultPopulation>;
  mapping: Awaited<ReturnType<typeof startEventSourceMapping>>;
  runJob: () => Promise<PopularRunSummary>;
  rate: number;
  intervalS: number;
  writeReport: (summary: PopularRunSummary, stages: StageTiming[]) => Promise<void>;
}

/** Streams events, scores them as they come, and runs the job on a timer until Ctrl-C. */
export async function runContinuously(o: ContinuousOptions): Promise<void> {
  console.log(
    `\nContinuous mode: ${o.rate} events/s, the job every ${o.intervalS} s. Ctrl-C stops and writes the report.`,
  );
  const stream = startActivityStream(o.producer, o.topic, {
    rate: o.rate,
    population: o.population,
    onError: (e) => console.error(`produce failed: ${e.message}`),
  });
  const started = performance.now();
  let last: PopularRunSummary | undefined;
  let jobRunning = false;
  const live = setInterval(
    () =>
      printContinuousLine(
        stream.sent(),
        o.mapping.stats().recordsCommitted,
        last,
        (performance.now() - started) / 1000,
      ),
    1000,
  );
  const schedule = setInterval(() => {
    if (jobRunning) return; // a run still going when the next is due is not overlapped, as with a reserved concurrency of 1
    jobRunning = true;
    o.runJob()
      .then((s) => {
        last = s;
        console.log(
          `\n[${new Date().toISOString()}] run ${s.runKey}: ${s.usersScanned} users, cutoff ${s.cutoff}, ${s.popularCount} popular${s.trending === undefined ? '' : `, ${s.trending.trendingCount} trending`}, ${s.totalMs} ms`,
        );
      })
      .catch((e: Error) => console.error(`\njob failed: ${e.message}`))
      .finally(() => (jobRunning = false));
  }, o.intervalS * 1000);
  await o.interrupted;
  clearInterval(live);
  clearInterval(schedule);
  const sent = await stream.stop();
  await o.mapping.stop();
  while (jobRunning) await new Promise((r) => setTimeout(r, 100)); // a job run in flight ends before the stack does
  const seconds = (performance.now() - started) / 1000;
  if (last)
    await o.writeReport(last, [
      { stage: 'stream produced', seconds, items: sent.sent, unit: 'events' },
      { stage: 'scored', seconds, items: o.mapping.stats().recordsCommitted, unit: 'events' },
    ]);
  else console.log('No job run finished yet: no report written.');
}
