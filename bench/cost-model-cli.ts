// `npm run cost-model`: the cost model over the bench's last results (bench/results/results.json).
//   (no flags)        print the worked tables of docs/scale-and-cost.md
//   --write           rewrite them in docs/scale-and-cost.md
//   --users N --events-per-second N [--partitions N] [--unkeyed] [--skewed]
//   [--every MIN] [--retention DAYS] [--age DAYS]
//                     print the estimate for these numbers instead
//   --results PATH    read another results.json
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { estimateCost, type Workload } from './cost-model.js';
import { benchFigures, jobTable, renderCostBlock, scorerTable, writeCostDoc, type ResultsFile } from './cost-doc.js';

const { values } = parseArgs({
  options: {
    results: { type: 'string', default: resolve(import.meta.dirname, 'results/results.json') },
    write: { type: 'boolean', default: false },
    users: { type: 'string' },
    'events-per-second': { type: 'string' },
    partitions: { type: 'string', default: '4' },
    unkeyed: { type: 'boolean', default: false },
    skewed: { type: 'boolean', default: false },
    every: { type: 'string', default: '5' },
    retention: { type: 'string', default: '7' },
    age: { type: 'string', default: '30' },
  },
});

const positive = (name: string, text: string | undefined): number => {
  const value = Number(text?.replace(/_/g, ''));
  if (!(value > 0)) throw new Error(`--${name} must be a positive number (got ${text ?? 'nothing'})`);
  return value;
};

const results = JSON.parse(readFileSync(values.results, 'utf8')) as ResultsFile;
if (values.users !== undefined || values['events-per-second'] !== undefined) {
  const workload: Workload = {
    users: positive('users', values.users),
    eventsPerSecond: positive('events-per-second', values['events-per-second']),
    partitions: positive('partitions', values.partitions),
    keyedByUser: !values.unkeyed,
    shape: values.skewed ? 'skewed' : 'uniform',
    jobEveryMinutes: positive('every', values.every),
    retentionDays: positive('retention', values.retention),
    tableAgeDays: positive('age', values.age),
  };
  const estimate = estimateCost(workload, benchFigures(results));
  process.stdout.write(
    `${scorerTable([estimate])}\n\n${jobTable([estimate])}\n\nTable ${estimate.tableGb.toFixed(2)} GB; Kafka retains ${estimate.kafkaRetainedGb.toFixed(1)} GB of keys and values ` +
      `(${workload.retentionDays} days; price it with your MSK storage rate). Per day: ingestion $${estimate.perDay.ingestion.toFixed(2)}, job $${estimate.perDay.job.toFixed(2)}, ` +
      `storage $${estimate.perDay.storage.toFixed(2)}, total $${estimate.perDay.total.toFixed(2)}.\n`,
  );
} else if (values.write) {
  writeCostDoc(results);
  process.stdout.write('docs/scale-and-cost.md: worked tables rewritten\n');
} else {
  process.stdout.write(`${renderCostBlock(results)}\n`);
}
