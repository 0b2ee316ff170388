/**
 * Pure data shaping for the dashboard: metric groups, smoothing, seed aggregation, CSV.
 * No DOM, no chart.js: unit-tested with hand-computed numbers (test/unit/media/series.test.ts).
 */
import type { MetricsRecord } from "../../protocol/src/runtime.js";

export interface Point {
  x: number;
  y: number;
}

/** The chart a metric goes on: the part before the first `/` (CleanRL's `charts/`, `losses/`, plus `reward/`). */
export function metricGroup(name: string): string {
  const slash = name.indexOf("/");
  return slash > 0 ? name.slice(0, slash) : "other";
}

/** Every metric name that appears in any record, sorted by group then name. */
export function metricNames(recordsPerRun: readonly (readonly MetricsRecord[])[]): string[] {
  const names = new Set<string>();
  for (const records of recordsPerRun) for (const r of records) for (const k of Object.keys(r.metrics)) names.add(k);
  return [...names].sort((a, b) => metricGroup(a).localeCompare(metricGroup(b)) || a.localeCompare(b));
}

/** One metric of one run as points: x = global step or wall-clock seconds; non-finite values skipped. */
export function extractSeries(records: readonly MetricsRecord[], metric: string, xAxis: "step" | "wall"): Point[] {
  const out: Point[] = [];
  for (const r of records) {
    const y = r.metrics[metric];
    if (y === undefined || !Number.isFinite(y)) continue;
    out.push({ x: xAxis === "step" ? r.globalStep : r.wallSeconds, y });
  }
  return out;
}

/**
 * Debiased exponential moving average, as TensorBoard's scalar dashboard smooths
 * (tensorboard/components/vz_line_chart2/line-chart.ts, `resmoothDataset`):
 *   last ← w·last + (1−w)·y;  smoothed = last / (1 − w^n)   (n = points accumulated so far)
 * The division removes the bias toward the 0 the average starts from, so the first smoothed point
 * equals the first raw point. A constant series is returned as is (avoids 0.9999… rounding).
 * `weight` is clamped to [0, 0.999]; 0 returns the raw values.
 */
export function smoothEma(ys: readonly number[], weight: number): number[] {
  return Array.from(smoothEmaInto(ys, weight, new Float64Array(ys.length)));
}

/**
 * `smoothEma` into a preallocated array, without per-point allocation or `Math.pow` (the bias
 * term w^n is kept as a running product): 1 M points in a few milliseconds.
 */
export function smoothEmaInto(ys: ArrayLike<number>, weight: number, out: Float64Array): Float64Array {
  const n = ys.length;
  const w = Math.min(0.999, Math.max(0, weight));
  let constant = true;
  const first = ys[0];
  for (let i = 1; i < n && constant; i++) if (ys[i] !== first) constant = false;
  if (w === 0 || n === 0 || constant) {
    for (let i = 0; i < n; i++) out[i] = ys[i]!;
    return out;
  }
  let last = 0;
  let wn = 1;
  for (let i = 0; i < n; i++) {
    const y = ys[i]!;
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    last = last * w + (1 - w) * y;
    wn *= w;
    out[i] = last / (1 - wn);
  }
  return out;
}

export function smoothPoints(points: readonly Point[], weight: number): Point[] {
  const ys = smoothEma(points.map((p) => p.y), weight);
  return points.map((p, i) => ({ x: p.x, y: ys[i] ?? p.y }));
}

/** Linear interpolation of a series sorted by x; undefined outside its x range. */
export function interpolateAt(points: readonly Point[], x: number): number | undefined {
  if (points.length === 0) return undefined;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (x < first.x || x > last.x) return undefined;
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.x <= x) lo = mid;
    else hi = mid;
  }
  const a = points[lo]!;
  const b = points[hi]!;
  if (b.x === a.x || x === a.x) return a.y;
  if (x === b.x) return b.y;
  return a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
}

export interface BandPoint {
  x: number;
  mean: number;
  /** mean − std and mean + std (population std over the seeds present at x). */
  low: number;
  high: number;
  /** Seeds that cover this x. */
  n: number;
}

/**
 * Mean and ±1 standard-deviation band across seeds. At every x where any seed has a point, each
 * seed whose range covers x contributes its linearly interpolated value (PPO runs with the same
 * hyperparameters log at the same global steps, so this is usually exact).
 */
export function aggregateSeeds(series: readonly (readonly Point[])[]): BandPoint[] {
  const xs = [...new Set(series.flatMap((s) => s.map((p) => p.x)))].sort((a, b) => a - b);
  const out: BandPoint[] = [];
  for (const x of xs) {
    const ys: number[] = [];
    for (const s of series) {
      const y = interpolateAt(s, x);
      if (y !== undefined) ys.push(y);
    }
    if (ys.length === 0) continue;
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const std = Math.sqrt(ys.reduce((a, y) => a + (y - mean) * (y - mean), 0) / ys.length);
    out.push({ x, mean, low: mean - std, high: mean + std, n: ys.length });
  }
  return out;
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * Long-format CSV (one row per run × iteration × metric) — what pandas/`read_csv` and spreadsheet
 * pivot tables take without reshaping: `run,global_step,wall_seconds,metric,value`.
 */
export function toCsv(runs: readonly { label: string; metrics: readonly MetricsRecord[] }[], metricFilter?: (name: string) => boolean): string {
  const lines = ["run,global_step,wall_seconds,metric,value"];
  for (const run of runs) {
    for (const r of run.metrics) {
      for (const [name, value] of Object.entries(r.metrics)) {
        if (metricFilter && !metricFilter(name)) continue;
        lines.push([csvField(run.label), String(r.globalStep), String(r.wallSeconds), csvField(name), String(value)].join(","));
      }
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013, "Downsampling Time Series for
 * Visual Representation", §4.2): keeps the first and last point and, from each of `threshold − 2`
 * equal buckets in between, the point forming the largest triangle with the point kept before it
 * and the average of the next bucket. Preserves peaks a stride sample would drop, so a 1 M-point
 * run drawn into ~1,000 px looks the same at a fraction of the cost. `xs` must be sorted.
 */
export function lttb(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): Point[] {
  const n = Math.min(xs.length, ys.length);
  if (threshold >= n || threshold < 3) {
    const all: Point[] = new Array(n);
    for (let i = 0; i < n; i++) all[i] = { x: xs[i]!, y: ys[i]! };
    return all;
  }
  const out: Point[] = [{ x: xs[0]!, y: ys[0]! }];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // Average of the next bucket (the last point for the final bucket).
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += xs[j]!;
      avgY += ys[j]!;
    }
    const count = nextEnd - nextStart;
    if (count > 0) {
      avgX /= count;
      avgY /= count;
    } else {
      avgX = xs[n - 1]!;
      avgY = ys[n - 1]!;
    }
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = xs[a]!;
    const ay = ys[a]!;
    let maxArea = -1;
    let chosen = start;
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - avgX) * (ys[j]! - ay) - (ax - xs[j]!) * (avgY - ay));
      if (area > maxArea) {
        maxArea = area;
        chosen = j;
      }
    }
    out.push({ x: xs[chosen]!, y: ys[chosen]! });
    a = chosen;
  }
  out.push({ x: xs[n - 1]!, y: ys[n - 1]! });
  return out;
}

/**
 * `smoothEma` one point at a time, for live curves: pushing y₁…yₙ returns what `smoothEma`
 * returns at index n (except that a constant series is smoothed to itself only up to rounding).
 */
export class EmaSmoother {
  private last = 0;
  private wn = 1;
  private readonly w: number;
  constructor(weight: number) {
    this.w = Math.min(0.999, Math.max(0, weight));
  }
  push(y: number): number {
    if (this.w === 0 || !Number.isFinite(y)) return y;
    this.last = this.last * this.w + (1 - this.w) * y;
    this.wn *= this.w;
    return this.last / (1 - this.wn);
  }
}
