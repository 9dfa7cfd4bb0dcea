// The consumed-capacity section of results.md and the figures the cost model reads from it.
import { count, type BenchFigure, type Section } from './report.js';
import type { CapacityBenchOptions, CapacityPhase, CapacityRow } from './capacity.js';

const SECTION = 'Consumed capacity';

export const producerKeys = (keyed: boolean) => (keyed ? 'keyed by user' : 'not keyed');
export const capacityRowName = (r: Pick<CapacityRow, 'shape' | 'partitions' | 'keyed'>) =>
  `${r.shape} users, ${r.partitions} partitions, ${producerKeys(r.keyed)}`;
/** The id suffix of a row's figures, e.g. `uniform.keyed.p4`. */
export const capacityFigureKey = (r: Pick<CapacityRow, 'shape' | 'partitions' | 'keyed'>) =>
  `${r.shape}.${r.keyed ? 'keyed' : 'unkeyed'}.p${r.partitions}`;

const perEvent = (units: number, r: CapacityRow) => (units / r.events).toFixed(3);
const per1000 = (units: number, p: CapacityPhase) => ((units / p.users) * 1000).toFixed(2);

export function capacitySection(rows: CapacityRow[], options: CapacityBenchOptions): Section {
  const figures: BenchFigure[] = rows.flatMap((r) => {
    const row = `${SECTION} › ${capacityRowName(r)}`;
    const key = capacityFigureKey(r);
    return [
      { id: `capacity.writes-per-event.${key}`, value: r.writes / r.events, unit: 'UpdateItem per event', row },
      {
        id: `capacity.write-units-per-event.first.${key}`,
        value: r.first.writeUnits / r.events,
        unit: 'WRU per event',
        row: `${row}, first writes`,
      },
      {
        id: `capacity.write-units-per-event.long-run.${key}`,
        value: r.longRun.writeUnits / r.events,
        unit: 'WRU per event',
        row: `${row}, long run`,
      },
      {
        id: `capacity.item-bytes.long-run.${key}`,
        value: r.longRun.meanItemBytes,
        unit: 'bytes per item',
        row: `${row}, long run`,
      },
      {
        id: `capacity.read-units-per-1000-users.long-run.${key}`,
        value: (r.longRun.readUnits / r.longRun.users) * 1000,
        unit: 'RRU per 1,000 users',
        row: `${row}, long run`,
      },
    ];
  });
  figures.push({ id: 'capacity.batch-size', value: options.batchSize, unit: 'records per batch', row: SECTION });
  return {
    title: SECTION,
    method: [
      `${count(options.events)} events per row over ${count(options.users)} users (uniform, or Zipf-skewed as in the scorer rows), on a topic of 4 or 64 partitions, ` +
        'its records placed by user id (a producer keyed by user: one user, one partition) or at random (a producer without keys spreads each user over every partition). ' +
        `Each partition's records go to \`createScoreHandler\` in batches of ${count(options.batchSize)} (the deployed batch size), one partition per event, partitions taking turns, as the mapping delivers them.`,
      "*Measured*: the write units DynamoDB Local reports for the scorer's own UpdateItems (`ReturnConsumedCapacity: TOTAL` added by a middleware on the client: bench/consumed-capacity.ts; " +
        'the store is untouched), and the read units of one job scan of the table afterwards (`scanScores` with the deployed ' +
        `${options.segments} segments and page size, eventually consistent). *From sizes*: DynamoDB's documented arithmetic (bench/dynamo-units.ts) over the items read back: ` +
        'per write, the larger of the item before and after in whole kilobytes (the final item stands for "after": an item only grows, so this bounds it from above); ' +
        'per scan, each page of the same scan read whole, its bytes in 4 KB units rounded up, halved.',
      '*First writes*: a fresh table, so each item holds what these events left. *Long run*: the same events again on a table whose touched users already hold a position ' +
        'for every partition their events arrive on (one when keyed by user, all of them when not), copied from an item the scorer wrote: what an item weighs once the topic has run a while.',
    ],
    header: [
      'users, partitions, producer',
      'invocations',
      'writes/event',
      'first writes: WRU/event (from sizes)',
      'long run: item bytes',
      'long run: WRU/event (from sizes)',
      'WRU per write, long run',
      'job scan RRU per 1,000 users: first writes (from sizes)',
      'long run (from sizes)',
      'exact',
    ],
    rows: rows.map((r) => [
      capacityRowName(r),
      count(r.invocations),
      (r.writes / r.events).toFixed(3),
      `${perEvent(r.first.writeUnits, r)} (${perEvent(r.first.predictedWriteUnits, r)})`,
      count(r.longRun.meanItemBytes),
      `${perEvent(r.longRun.writeUnits, r)} (${perEvent(r.longRun.predictedWriteUnits, r)})`,
      (r.longRun.writeUnits / r.writes).toFixed(2),
      `${per1000(r.first.readUnits, r.first)} (${per1000(r.first.predictedReadUnits, r.first)})`,
      `${per1000(r.longRun.readUnits, r.longRun)} (${per1000(r.longRun.predictedReadUnits, r.longRun)})`,
      r.exact ? 'yes' : '**NO**',
    ]),
    notes: [
      'A write costs one unit per started kilobyte of the item, whatever the update changes: an item that holds a position for each of 64 partitions pays for all of them on every write.',
      "Scan units follow the items' full size, not the two attributes the job projects. Each page rounds up to 4 KB, which weighs on these small tables (a few pages per segment) and not on a large one.",
      'DynamoDB bills a refused conditional write too; these runs have none (no redelivery), and DynamoDB Local reports nothing for one.',
    ],
    plots: [],
    figures,
  };
}
