/**
 * Small, pure statistics for behaviour facts: distributions, quantile bins, distances between
 * action distributions. Nothing here knows about envs or policies.
 */
import type { Distribution } from "../../../protocol/src/explain.js";

/**
 * Percentile `p` ∈ [0, 1] of an ascending array by linear interpolation between closest ranks
 * (numpy.percentile's default, "linear" / Hyndman & Fan type 7): h = (n − 1)·p.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError("percentile of an empty sample");
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile p must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Mean, population std, min, p10/p50/p90, max. */
export function distribution(xs: readonly number[]): Distribution {
  const n = xs.length;
  if (n === 0) throw new RangeError("distribution of an empty sample");
  const sorted = [...xs].sort((a, b) => a - b);
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return {
    n,
    mean,
    std: Math.sqrt(ss / n),
    min: sorted[0]!,
    p10: percentileSorted(sorted, 0.1),
    p50: percentileSorted(sorted, 0.5),
    p90: percentileSorted(sorted, 0.9),
    max: sorted[n - 1]!,
  };
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length === 0 ? Number.NaN : s / xs.length;
}

/** Population standard deviation. */
export function std(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i]! - m) ** 2;
  return xs.length === 0 ? Number.NaN : Math.sqrt(ss / xs.length);
}

/**
 * Interior edges of `bins` quantile bins over `values`: the sample values at sorted ranks
 * ⌊k·n/bins⌋, k = 1 … bins − 1, without duplicates and without the minimum. Taking sample values
 * (not interpolated quantiles) makes every bin [e_{k−1}, e_k) hold at least the state at its lower
 * edge, so no reported range is empty; a field with few distinct values gets fewer bins.
 */
export function quantileEdges(values: ArrayLike<number>, bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const n = values.length;
  if (n === 0) return [];
  const sorted = Float64Array.from(values).sort();
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = sorted[Math.floor((k * n) / bins)]!;
    if (e > sorted[0]! && (edges.length === 0 || e > edges[edges.length - 1]!)) edges.push(e);
  }
  return edges;
}

/** Index of the bin holding `v` for interior `edges`: the number of edges ≤ v (bin k is [e_{k−1}, e_k)). */
export function binIndex(v: number, edges: readonly number[]): number {
  let k = 0;
  while (k < edges.length && v >= edges[k]!) k++;
  return k;
}

/** Total-variation distance ½ Σ |p_a − q_a| between two distributions over the same actions. */
export function totalVariation(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new RangeError(`totalVariation: ${p.length} vs ${q.length} actions`);
  let s = 0;
  for (let a = 0; a < p.length; a++) s += Math.abs(p[a]! - q[a]!);
  return s / 2;
}

/** Index of the largest entry (first on ties). */
export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/** Largest minus second-largest entry (0 for a single entry). */
export function topGap(xs: readonly number[]): number {
  let first = -Infinity;
  let second = -Infinity;
  for (const x of xs) {
    if (x > first) {
      second = first;
      first = x;
    } else if (x > second) {
      second = x;
    }
  }
  return second === -Infinity ? 0 : first - second;
}
