/**
 * Pure data shaping for the dashboard: metric groups, smoothing, seed aggregation, CSV.
 * No DOM, no chart.js: unit-tested with hand-computed numbers (test/unit/media/series.test.ts).
 */
import type { MetricsRecord } from "../../protocol/src/runtime.js";

export interface Point {
  x: number;
  y: number;
}

/** The chart a metric goes on: the part before the first `/` (CleanRL's `charts/`, `losses/`, plus `reward/` and `subgoals/`: one curve per sub-goal, its achievement rate). */
export function metricGroup(name: string): string {
  const slash = name.indexOf("/");
  return slash > 0 ? name.slice(0, slash) : "other";
}

/** The dashboard's sections in order: the curves a practitioner looks at first come first; unknown groups last. */
export const GROUP_ORDER = ["charts", "losses", "reward", "subgoals", "other"] as const;

export function groupRank(group: string): number {
  const i = (GROUP_ORDER as readonly string[]).indexOf(group);
  return i === -1 ? GROUP_ORDER.length : i;
}

/**
 * Curves that are a share of episodes, with what each measures: a sub-goal's curve
 * (`subgoals/<name>`, the share of the iteration's finished episodes that reached it) and TWOSOME's
 * `charts/success_rate` (the share of the iteration's finished episodes that ended in the task's
 * success, runtime/src/llm-policy/train-twosome.ts). Null for any other metric.
 */
function shareOfEpisodes(metric: string): string | null {
  if (metricGroup(metric) === "subgoals") return "share of episodes that reached it";
  return metric === "charts/success_rate" ? "share of episodes that succeeded" : null;
}

/**
 * A metric's fixed y range, or null to fit the data. A share of episodes is drawn on [0, 1]: a flat
 * 0.98 must not be stretched to fill the card like a rising curve.
 */
export function fixedRange(metric: string): { min: number; max: number } | null {
  return shareOfEpisodes(metric) !== null ? { min: 0, max: 1 } : null;
}

/** A card's title: the metric's name, and for a share of episodes what its curve measures. */
export function cardTitle(metric: string): string {
  const share = shareOfEpisodes(metric);
  return share !== null ? `${metric} (${share})` : metric;
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
  const seeds = series.map((s) => ({ xs: s.map((p) => p.x), ys: s.map((p) => p.y), length: s.length }));
  const band = new BandColumns();
  extendBand(band, seeds, Number.NEGATIVE_INFINITY);
  const out: BandPoint[] = [];
  for (let i = 0; i < band.length; i++) out.push({ x: band.x[i]!, mean: band.mean[i]!, low: band.low[i]!, high: band.high[i]!, n: band.n[i]! });
  return out;
}

/** One seed's series as columns: `xs` sorted ascending, the first `length` entries used. */
export interface SeedColumns {
  readonly xs: ArrayLike<number>;
  readonly ys: ArrayLike<number>;
  readonly length: number;
}

/** `a` copied into one twice its length: how the growable typed columns here and in the dashboard grow. */
export function doubled<T extends Float64Array | Uint32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** `aggregateSeeds`' output as growable typed columns (no object per point: 1 M points = 36 MB). */
export class BandColumns {
  x = new Float64Array(256);
  mean = new Float64Array(256);
  low = new Float64Array(256);
  high = new Float64Array(256);
  n = new Uint32Array(256);
  length = 0;
  push(x: number, mean: number, low: number, high: number, n: number): void {
    if (this.length === this.x.length) {
      this.x = doubled(this.x);
      this.mean = doubled(this.mean);
      this.low = doubled(this.low);
      this.high = doubled(this.high);
      this.n = doubled(this.n);
    }
    const i = this.length++;
    this.x[i] = x;
    this.mean[i] = mean;
    this.low[i] = low;
    this.high[i] = high;
    this.n[i] = n;
  }
}

/** First index whose value is > x in the sorted first `length` entries of `xs` (`length` if none). */
export function upperBound(xs: ArrayLike<number>, length: number, x: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `aggregateSeeds` on columns, from `fromX` on: drops the band's points with x > fromX and appends
 * the band at every x > fromX of any seed (same interpolation, mean and population std, summed in
 * seed order, so the numbers are identical). One k-way merge over the seeds' sorted xs: O(points
 * after fromX × seeds), no sort, no set, no allocation per point. `fromX = −∞` computes it all.
 * Returns the index of the first band point that was (re)computed.
 */
export function extendBand(band: BandColumns, seeds: readonly SeedColumns[], fromX: number): number {
  band.length = upperBound(band.x, band.length, fromX);
  const start = band.length;
  const k = seeds.length;
  const at = new Array<number>(k);
  for (let s = 0; s < k; s++) at[s] = upperBound(seeds[s]!.xs, seeds[s]!.length, fromX);
  const ys = new Float64Array(k);
  for (;;) {
    let x = Number.POSITIVE_INFINITY;
    for (let s = 0; s < k; s++) {
      const seed = seeds[s]!;
      if (at[s]! < seed.length && seed.xs[at[s]!]! < x) x = seed.xs[at[s]!]!;
    }
    if (x === Number.POSITIVE_INFINITY) break;
    let m = 0;
    for (let s = 0; s < k; s++) {
      const seed = seeds[s]!;
      let p = at[s]!;
      // Every x before this one is consumed, so xs[p] ≥ x: the seed covers x if p is a point or inside.
      if (p >= seed.length) continue;
      const bx = seed.xs[p]!;
      if (bx === x) {
        ys[m++] = seed.ys[p]!;
        while (p < seed.length && seed.xs[p]! === x) p++;
        at[s] = p;
      } else if (p > 0) {
        const ax = seed.xs[p - 1]!;
        const ay = seed.ys[p - 1]!;
        ys[m++] = ay + ((seed.ys[p]! - ay) * (x - ax)) / (bx - ax);
      }
    }
    let sum = 0;
    for (let i = 0; i < m; i++) sum += ys[i]!;
    const mean = sum / m;
    let sq = 0;
    for (let i = 0; i < m; i++) sq += (ys[i]! - mean) * (ys[i]! - mean);
    const std = Math.sqrt(sq / m);
    band.push(x, mean, mean - std, mean + std, m);
  }
  return start;
}

/** The three lines a seed group is drawn with: the band's edges (filled between) and the mean. */
export interface BandLines {
  low: Point[];
  high: Point[];
  mean: Point[];
}

/**
 * The mean ± std band of one seed group, cached and kept up to date as the seeds grow, so a frame
 * costs what it draws rather than what was logged:
 * - The full-resolution band is kept in columns and, when seeds gain points, recomputed only after
 *   the earliest previous last x of a seed that grew (appending cannot change the band before it):
 *   O(new points) per live update. A different seed list (selection, a reset series) or a new
 *   `generation` (smoothing, x axis) recomputes it all: one O(points) merge.
 * - What is drawn is an LTTB-downsampled prefix of the band plus its tail, like the per-run series.
 *   The prefix ends at the smallest last x among the seeds that grew since the last downsampling:
 *   the band up to there cannot change while those seeds append. It is re-downsampled when the band
 *   grew by 2 % (or 16 points) since, the threshold changes, or a change reaches into it (a seed
 *   that had stopped grows again). The tail is drawn at full resolution while it is short; when a
 *   growing seed lags far behind the others it is long, and is downsampled too on each change.
 */
export class SeedBand {
  readonly band = new BandColumns();
  private sources: readonly unknown[] = [];
  private generation: unknown = undefined;
  private lengths: number[] = [];
  private grown: boolean[] = [];
  private threshold = -1;
  /** Band points [0, prefixEnd) are drawn downsampled, as the first `prefixCount` points of each line. */
  private prefixEnd = -1;
  private prefixCount = 0;
  /** Band length at the last downsampling. */
  private downsampledAt = 0;
  /** The lines after the prefix are a downsampled tail, not band points [prefixEnd, length). */
  private tailDownsampled = false;
  private readonly lines: BandLines = { low: [], high: [], mean: [] };

  /**
   * `seeds[i]` is the current data of `sources[i]` (any object that stays the same while its series
   * only grows); `generation` changes when every series changed (smoothing, x axis). Returns the
   * lines to draw (arrays updated in place between downsamplings).
   */
  update(seeds: readonly SeedColumns[], sources: readonly unknown[], generation: unknown, threshold: number): BandLines {
    const reset = generation !== this.generation || sources.length !== this.sources.length || sources.some((s, i) => s !== this.sources[i] || seeds[i]!.length < this.lengths[i]!);
    let changedFrom = this.band.length;
    if (reset) {
      this.sources = [...sources];
      this.generation = generation;
      this.grown = seeds.map(() => false);
      changedFrom = extendBand(this.band, seeds, Number.NEGATIVE_INFINITY);
      this.prefixEnd = -1;
    } else {
      let fromX = Number.POSITIVE_INFINITY;
      for (let i = 0; i < seeds.length; i++) {
        const before = this.lengths[i]!;
        if (seeds[i]!.length === before) continue;
        this.grown[i] = true;
        fromX = Math.min(fromX, before === 0 ? Number.NEGATIVE_INFINITY : seeds[i]!.xs[before - 1]!);
      }
      if (fromX !== Number.POSITIVE_INFINITY) changedFrom = extendBand(this.band, seeds, fromX);
    }
    this.lengths = seeds.map((s) => s.length);
    const n = this.band.length;
    if (this.prefixEnd < 0 || changedFrom < this.prefixEnd || threshold !== this.threshold || n - this.downsampledAt > Math.max(16, 0.02 * this.downsampledAt)) {
      this.downsample(seeds, threshold);
    } else if (changedFrom < n) {
      this.rebuildTail(changedFrom);
    }
    return this.lines;
  }

  private downsample(seeds: readonly SeedColumns[], threshold: number): void {
    const b = this.band;
    let safeX = Number.POSITIVE_INFINITY;
    for (let i = 0; i < seeds.length; i++) if (this.grown[i] && seeds[i]!.length > 0) safeX = Math.min(safeX, seeds[i]!.xs[seeds[i]!.length - 1]!);
    this.grown.fill(false);
    const end = upperBound(b.x, b.length, safeX);
    const x = b.x.subarray(0, end);
    // Same xs and count for the three: LTTB returns min(threshold, end) points each.
    this.lines.low = lttb(x, b.low.subarray(0, end), threshold);
    this.lines.high = lttb(x, b.high.subarray(0, end), threshold);
    this.lines.mean = lttb(x, b.mean.subarray(0, end), threshold);
    this.prefixCount = this.lines.mean.length;
    this.prefixEnd = end;
    this.threshold = threshold;
    this.downsampledAt = b.length;
    this.tailDownsampled = false;
    this.rebuildTail(end);
  }

  /** Lines = downsampled prefix + the band after it; rewrites them from band index `from` (≥ prefixEnd) on. */
  private rebuildTail(from: number): void {
    const b = this.band;
    const { low, high, mean } = this.lines;
    const tail = b.length - this.prefixEnd;
    if (tail > Math.max(16, 0.02 * this.prefixEnd, this.threshold)) {
      // Long and still changing (a growing seed far behind the others): downsample it as well, to its share of the threshold.
      const t = Math.max(3, Math.ceil((this.threshold * tail) / b.length));
      const x = b.x.subarray(this.prefixEnd, b.length);
      low.length = high.length = mean.length = this.prefixCount;
      for (const p of lttb(x, b.low.subarray(this.prefixEnd, b.length), t)) low.push(p);
      for (const p of lttb(x, b.high.subarray(this.prefixEnd, b.length), t)) high.push(p);
      for (const p of lttb(x, b.mean.subarray(this.prefixEnd, b.length), t)) mean.push(p);
      this.tailDownsampled = true;
      return;
    }
    const start = this.tailDownsampled ? this.prefixEnd : Math.min(from, this.prefixEnd + mean.length - this.prefixCount);
    this.tailDownsampled = false;
    low.length = high.length = mean.length = this.prefixCount + (start - this.prefixEnd);
    for (let i = start; i < b.length; i++) {
      const x = b.x[i]!;
      low.push({ x, y: b.low[i]! });
      high.push({ x, y: b.high[i]! });
      mean.push({ x, y: b.mean[i]! });
    }
  }
}

/**
 * One CSV cell. A number is data and written as is (`-1.5` stays a number). Text that a spreadsheet
 * would read as a formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage return — gets a
 * leading `'`, per OWASP's CSV Injection guidance; a run folder or a metric name can be any text.
 * Then RFC 4180 quoting for commas, quotes and line breaks.
 */
export function csvCell(v: unknown): string {
  if (typeof v === "number") return String(v);
  const text = String(v);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
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
        lines.push([run.label, r.globalStep, r.wallSeconds, name, value].map(csvCell).join(","));
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
