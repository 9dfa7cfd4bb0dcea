// The mapping's side of its group membership: each record read goes to its partition's lane, fetching
// pauses while a lane holds too much, a rebalance empties every lane, and a batch the function took is
// committed while this member still owns its partition.
import { kafkaFailureMessage } from '../../lib/adapters/kafka-client.js';
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import type { Deliver } from './delivery.js';
import type { GroupReader } from './group-reader.js';
import { Lane, type LaneWork } from './lane.js';
import type { MappingTally } from './mapping-stats.js';

export interface PartitionLanesOptions {
  topic: string;
  batchSize: number;
  windowMs: number;
  stop: AbortSignal;
  deliver: Deliver;
  tally: MappingTally;
}

export class PartitionLanes {
  private readonly lanes = new Map<number, Lane>();
  private readonly work: LaneWork;
  /** Fetching pauses while a partition has this many records waiting. */
  private readonly highWater: number;
  /** Bumped at each group (re)join: records held before it belong to an assignment that no longer holds. */
  private generation = 0;
  private reader: GroupReader | undefined;
  private readonly joined: Promise<GroupReader>;
  private readerStarted!: (reader: GroupReader) => void;
  private readerFailed!: (error: unknown) => void;

  constructor(private readonly o: PartitionLanesOptions) {
    this.highWater = Math.max(2 * o.batchSize, 20_000);
    this.work = {
      batchSize: o.batchSize,
      windowMs: o.windowMs,
      stop: o.stop,
      generation: () => this.generation,
      deliver: o.deliver,
      settle: (partition, batch, startedIn) => this.settle(partition, batch, startedIn),
    };
    this.joined = new Promise<GroupReader>((resolve, reject) => {
      this.readerStarted = resolve;
      this.readerFailed = reject;
    });
    this.joined.catch(() => undefined);
  }

  /** The group reader is in: lanes may commit (records can reach them while it is still starting). */
  connect(reader: GroupReader): void {
    this.reader = reader;
    this.readerStarted(reader);
  }

  /** The group reader never started: lanes waiting to commit give up, leaving their batches uncommitted. */
  failed(error: unknown): void {
    this.readerFailed(error);
  }

  /** A record read in group generation `readIn`. */
  readonly receive = (message: ConsumedMessage, readIn: number): void => {
    if (this.o.stop.aborted || readIn !== this.generation) return;
    let lane = this.lanes.get(message.partition);
    if (lane === undefined) {
      lane = new Lane(message.partition);
      this.lanes.set(message.partition, lane);
      lane.start(this.work);
    }
    // Fetching stops while a partition has this much waiting; its lane resumes it as it drains.
    if (lane.add(message) && lane.size >= this.highWater) this.reader?.pause();
  };

  /** The group was (re)joined as generation `generation`. */
  readonly rebalanced = (generation: number): void => {
    this.generation = generation;
    for (const lane of this.lanes.values()) lane.clear();
    this.reader?.resume();
  };

  /** Resolves once every lane settled its batch in flight after the stop. */
  async finished(): Promise<void> {
    await Promise.all([...this.lanes.values()].map((lane) => lane.finished()));
  }

  private async settle(partition: number, batch: ConsumedMessage[], startedIn: number): Promise<void> {
    if ([...this.lanes.values()].every((lane) => lane.size < this.highWater)) this.reader?.resume();
    const last = batch[batch.length - 1]!;
    const next = last.offset + 1;
    // A partition handed to another member meanwhile is that member's to commit: a late commit here could move it back.
    if (this.generation !== startedIn && !this.reader?.owns(partition)) return;
    try {
      // Records can arrive, and a batch succeed, while the group's first stream is still opening.
      await (await this.joined).commit(partition, next, last.leaderEpoch);
      this.o.tally.committed(partition, next, batch.length);
    } catch (err) {
      // Processed but not committed: a later commit covers it, or a rebalance redelivers it (at least once).
      this.o.tally.problem(`commit of ${this.o.topic}-${partition} at ${next} failed: ${kafkaFailureMessage(err)}`);
    }
  }
}
