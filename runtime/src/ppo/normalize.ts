/**
 * Running mean/variance with the parallel update of Chan et al. (1979), as Gymnasium's
 * `RunningMeanStd` (used by NormalizeObservation and NormalizeReward, which CleanRL's continuous PPO wraps around the env).
 */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;

  constructor(
    readonly size: number,
    /** Gymnasium starts with count = 1e-4 so the first update dominates. */
    initialCount = 1e-4,
  ) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = initialCount;
  }

  /** Updates with `rows` samples stored row-major in `batch`. */
  update(batch: ArrayLike<number>, rows: number): void {
    const n = this.size;
    for (let j = 0; j < n; j++) {
      let m = 0;
      for (let r = 0; r < rows; r++) m += batch[r * n + j]!;
      m /= rows;
      let v = 0;
      for (let r = 0; r < rows; r++) v += (batch[r * n + j]! - m) ** 2;
      v /= rows;
      const delta = m - this.mean[j]!;
      const total = this.count + rows;
      this.mean[j] = this.mean[j]! + (delta * rows) / total;
      const m2 = this.var[j]! * this.count + v * rows + (delta * delta * this.count * rows) / total;
      this.var[j] = m2 / total;
    }
    this.count += rows;
  }

  toArrays(): { mean: Float32Array; var: Float32Array; count: number } {
    return { mean: Float32Array.from(this.mean), var: Float32Array.from(this.var), count: this.count };
  }

  load(mean: ArrayLike<number>, variance: ArrayLike<number>, count: number): void {
    this.mean.set(Array.from(mean));
    this.var.set(Array.from(variance));
    this.count = count;
  }
}

/** NormalizeObservation: clip((x − μ)/√(σ² + 1e-8), −10, 10) (CleanRL also clips to ±10). */
export function normalizeObservationInto(
  rms: RunningMeanStd,
  obs: ArrayLike<number>,
  rows: number,
  out: Float64Array,
  outOffset = 0,
  clip = 10,
): void {
  const n = rms.size;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      const v = (obs[r * n + j]! - rms.mean[j]!) / Math.sqrt(rms.var[j]! + 1e-8);
      out[outOffset + r * n + j] = v < -clip ? -clip : v > clip ? clip : v;
    }
  }
}
