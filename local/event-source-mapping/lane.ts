// One partition's records fetched but not yet committed, in offset order, each held once.
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { Signal } from './signal.js';

export class Lane {
  private held: ConsumedMessage[] = [];
  /** Below this offset a record is one the lane holds or has handed over; -1 while it knows none. */
  private next = -1;
  /** When the batch now gathering started: the batching window runs from here. */
  openedAt = Date.now();
  /** Wakes the loop that hands batches over. */
  readonly arrived = new Signal();
  loop?: Promise<void>;

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
    this.arrived.notify();
  }
}
