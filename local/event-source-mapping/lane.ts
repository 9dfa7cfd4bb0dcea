// One partition's lane: its records fetched but not yet committed, in offset order, each held once,
// and the loop that hands them to the function a batch at a time, as AWS's mapping keeps one batch
// in flight per partition.
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import type { Deliver } from './delivery.js';
import { Signal } from './signal.js';

/** What a lane's loop works with, shared by every lane of a mapping. */
export interface LaneWork {
  batchSize: number;
  /** How long a batch smaller than batchSize may gather records (AWS's batching window). */
  windowMs: number;
  /** The mapping's stop: the loop ends after the batch in flight. */
  stop: AbortSignal;
  /** The group generation this member is in now. */
  generation(): number;
  deliver: Deliver;
  /** The function took `batch`, handed over in group generation `startedIn`: commit it if that still holds. */
  settle(partition: number, batch: ConsumedMessage[], startedIn: number): Promise<void>;
}

export class Lane {
  private held: ConsumedMessage[] = [];
  /** Below this offset a record is one the lane holds or has handed over; -1 while it knows none. */
  private next = -1;
  /** When the batch now gathering started: the batching window runs from here. */
  openedAt = Date.now();
  /** Wakes the loop that hands batches over. */
  readonly arrived = new Signal();
  private loop: Promise<void> = Promise.resolve();
  /** Aborted when a rebalance clears the lane: the batch in flight belongs to an assignment that no longer holds. */
  private inFlight: AbortController | undefined;

  constructor(readonly partition: number) {}

  get size(): number {
    return this.held.length;
  }

  /**
   * Takes a fetched record, unless it is one the lane already holds or handed over: a stream opened
   * again after a failed fetch starts at the last commit, and sends those once more.
   */
  add(message: ConsumedMessage): boolean {
    if (message.offset < this.next) return false;
    if (this.held.length === 0) this.openedAt = Date.now();
    this.held.push(message);
    this.next = message.offset + 1;
    this.arrived.notify();
    return true;
  }

  /** The first `size` records held, the next batch to hand over. */
  batch(size: number): ConsumedMessage[] {
    return this.held.slice(0, size);
  }

  /** The function took every record up to `offset`: they leave, and a copy fetched again is refused. */
  delivered(offset: number): void {
    this.held = this.held.filter((m) => m.offset > offset);
    this.next = Math.max(this.next, offset + 1);
    this.openedAt = Date.now();
  }

  /** The group rebalanced: what the lane holds belongs to an assignment that no longer holds. */
  clear(): void {
    this.held = [];
    this.next = -1;
    this.inFlight?.abort();
    this.arrived.notify();
  }

  /** Starts handing batches over, until the mapping stops. */
  start(work: LaneWork): void {
    work.stop.addEventListener('abort', () => this.arrived.notify(), { once: true });
    this.loop = this.run(work);
  }

  /** Resolves once the loop ended: after the mapping stopped, and the batch in flight was settled. */
  finished(): Promise<void> {
    return this.loop;
  }

  private async run(work: LaneWork): Promise<void> {
    while (!work.stop.aborted) {
      const gathering = this.gathering(work);
      if (gathering !== undefined) {
        await gathering;
        continue;
      }
      // Taken together with the batch: a rebalance or a stop after this point abandons it.
      const startedIn = work.generation();
      const batch = this.batch(work.batchSize);
      if (!(await this.deliver(work, batch))) continue;
      // The batch leaves the lane, and so does any copy of it fetched again after a rebalance.
      this.delivered(batch[batch.length - 1]!.offset);
      await work.settle(this.partition, batch, startedIn);
    }
  }

  private async deliver(work: LaneWork, batch: ConsumedMessage[]): Promise<boolean> {
    const abandon = new AbortController();
    const stopped = () => abandon.abort();
    if (work.stop.aborted) abandon.abort();
    else work.stop.addEventListener('abort', stopped, { once: true });
    this.inFlight = abandon;
    try {
      return await work.deliver(this.partition, batch, abandon.signal);
    } finally {
      this.inFlight = undefined;
      work.stop.removeEventListener('abort', stopped);
    }
  }

  /** A wait while no batch is ready (none held, or a small one inside its window); undefined once one is. */
  private gathering({ batchSize, windowMs }: LaneWork): Promise<void> | undefined {
    if (this.size === 0) return this.arrived.wait();
    if (this.size >= batchSize) return undefined;
    const left = this.openedAt + windowMs - Date.now();
    return left > 0 ? this.arrived.wait(left) : undefined;
  }
}
