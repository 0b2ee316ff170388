/**
 * Seeded pseudo-random numbers for environments, action sampling and weight init.
 *
 * sfc32 (Chris Doty-Humphrey's "small fast counting" generator, PractRand-clean) seeded
 * through splitmix32 so that nearby integer seeds give unrelated streams. Every source of
 * randomness in a run owns one `Rng`; nothing reads `Math.random`, so a seed reproduces a run.
 */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.seed(seed);
  }

  /** Re-seeds in place (Gymnasium's `reset(seed=…)` semantics). */
  seed(seed: number): void {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    let s = Math.floor(seed) >>> 0;
    const next = (): number => {
      // splitmix32
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    this.spareNormal = null;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Standard normal sample (Marsaglia polar method, one spare kept). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.random() - 1;
      v = 2 * this.random() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * m;
    return u * m;
  }

  /** Serialisable state, for checkpoints: resuming continues the same stream. */
  getState(): number[] {
    return [this.a, this.b, this.c, this.d, this.spareNormal ?? Number.NaN];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new RangeError(`Rng state must have 5 entries, got ${state.length}`);
    [this.a, this.b, this.c, this.d] = state.map((x) => x | 0) as [number, number, number, number];
    this.spareNormal = Number.isNaN(state[4]!) ? null : state[4]!;
  }
}

/** A 32-bit seed from the operating system's entropy (Web Crypto, as `np.random.SeedSequence()` draws one). */
export function entropySeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/**
 * An environment's generator with Gymnasium's seeding (`Env.reset(seed=…)` and the lazily created
 * `np_random`): a reset with a seed re-seeds it; a reset without one continues the stream, except
 * that the first reset of an env never seeded draws its seed from OS entropy. So unseeded envs
 * differ from each other and from one process to the next, as in Gymnasium, while every seeded
 * stream is exactly what `new Rng(seed)` gives.
 */
export class EnvRng extends Rng {
  private seeded = false;

  constructor() {
    super(0);
  }

  /** Applies `reset`'s seed option; returns this generator, for the reset's draws. */
  forReset(seed: number | undefined): this {
    if (seed !== undefined) this.seed(seed);
    else if (!this.seeded) this.seed(entropySeed());
    this.seeded = true;
    return this;
  }
}
