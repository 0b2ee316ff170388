/**
 * Rate-limiting a stream of updates without losing any: what arrives while a delivery would come
 * too soon after the previous one is merged into one pending batch, delivered when the interval
 * has passed. A lone update after a quiet spell goes out at once (leading edge), so a slow stream
 * is not delayed at all and a fast one is delivered at most once per interval, each update at
 * most one interval late. `flush()` delivers what is pending now (before a final state, which
 * must follow the last update and never wait).
 *
 * Pure apart from the injected clock, so the timing is unit-tested without waiting.
 */

/** Time and timers, injected (`systemClock` in the product, a fake in tests). */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface CoalescerOptions<T, B> {
  /** Shortest time between two deliveries, ms. */
  intervalMs: number;
  /** Folds an update into the pending batch (`undefined`: nothing pending). */
  merge: (pending: B | undefined, next: T) => B;
  /** Receives each batch, in order. */
  deliver: (batch: B) => void;
  clock?: Clock;
}

export class Coalescer<T, B = T> {
  private pending: B | undefined;
  private hasPending = false;
  private lastDeliveredAt = Number.NEGATIVE_INFINITY;
  private timer: unknown = null;
  private disposed = false;
  private readonly clock: Clock;

  constructor(private readonly opts: CoalescerOptions<T, B>) {
    if (!(Number.isFinite(opts.intervalMs) && opts.intervalMs >= 0)) throw new RangeError(`intervalMs must be a finite number ≥ 0, got ${opts.intervalMs}`);
    this.clock = opts.clock ?? systemClock;
  }

  push(next: T): void {
    if (this.disposed) return;
    this.pending = this.opts.merge(this.hasPending ? this.pending : undefined, next);
    this.hasPending = true;
    if (this.timer !== null) return;
    const wait = this.lastDeliveredAt + this.opts.intervalMs - this.clock.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  /** Deliver the pending batch now, if there is one. */
  flush(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.hasPending) return;
    const batch = this.pending as B;
    this.pending = undefined;
    this.hasPending = false;
    this.lastDeliveredAt = this.clock.now();
    this.opts.deliver(batch);
  }

  /** Stop: the pending batch is dropped and later pushes are ignored (call `flush` first to keep it). */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.pending = undefined;
    this.hasPending = false;
  }
}
