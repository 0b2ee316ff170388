/**
 * Action and observation spaces with Gymnasium's semantics (`gymnasium.spaces.Discrete`, `Box`).
 * A single env's space describes one observation or action; batched copies belong to vector envs.
 */
import { Rng } from "../rng.js";

export class Discrete {
  readonly kind = "discrete" as const;
  /** Number of actions: valid actions are start, …, start + n − 1. */
  constructor(
    readonly n: number,
    readonly start = 0,
  ) {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Discrete(n): n must be a positive integer, got ${n}`);
    if (!Number.isInteger(start)) throw new RangeError(`Discrete(start): start must be an integer, got ${start}`);
  }

  sample(rng: Rng): number {
    return this.start + rng.integer(this.n);
  }

  contains(x: unknown): boolean {
    return typeof x === "number" && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  toJSON(): { kind: "discrete"; n: number; start: number } {
    return { kind: "discrete", n: this.n, start: this.start };
  }

  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

export class Box {
  readonly kind = "box" as const;
  readonly shape: readonly number[];
  readonly size: number;

  /** Bounds per element; ±Infinity for unbounded dimensions, as in Gymnasium. */
  constructor(
    readonly low: Float32Array,
    readonly high: Float32Array,
  ) {
    if (low.length !== high.length) {
      throw new RangeError(`Box: low has ${low.length} elements but high has ${high.length}`);
    }
    for (let i = 0; i < low.length; i++) {
      if (!(low[i]! <= high[i]!)) throw new RangeError(`Box: low[${i}] = ${low[i]} exceeds high[${i}] = ${high[i]}`);
    }
    this.shape = [low.length];
    this.size = low.length;
  }

  static uniform(size: number, low: number, high: number): Box {
    return new Box(new Float32Array(size).fill(low), new Float32Array(size).fill(high));
  }

  /**
   * Gymnasium's Box.sample: uniform on bounded dimensions, normal on unbounded ones,
   * shifted exponential on half-bounded ones.
   */
  sample(rng: Rng): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      const boundedBelow = Number.isFinite(lo);
      const boundedAbove = Number.isFinite(hi);
      if (boundedBelow && boundedAbove) out[i] = rng.uniform(lo, hi);
      else if (!boundedBelow && !boundedAbove) out[i] = rng.normal();
      else if (boundedBelow) out[i] = lo - Math.log(1 - rng.random());
      else out[i] = hi + Math.log(1 - rng.random());
    }
    return out;
  }

  contains(x: unknown): boolean {
    if (!(x instanceof Float32Array || x instanceof Float64Array || Array.isArray(x))) return false;
    const arr = x as ArrayLike<number>;
    if (arr.length !== this.size) return false;
    for (let i = 0; i < this.size; i++) {
      const v = arr[i]!;
      if (typeof v !== "number" || Number.isNaN(v)) return false;
      // Compare in float32, as Gymnasium does for a float32 Box.
      if (Math.fround(v) < this.low[i]! || Math.fround(v) > this.high[i]!) return false;
    }
    return true;
  }

  toJSON(): { kind: "box"; shape: number[]; low: number[]; high: number[] } {
    return { kind: "box", shape: [...this.shape], low: Array.from(this.low), high: Array.from(this.high) };
  }

  toString(): string {
    const fmt = (a: Float32Array) => `[${Array.from(a, (v) => (Number.isFinite(v) ? +v.toPrecision(4) : v > 0 ? "inf" : "-inf")).join(", ")}]`;
    return `Box(${fmt(this.low)}, ${fmt(this.high)}, (${this.size},), float32)`;
  }
}

export type Space = Discrete | Box;
