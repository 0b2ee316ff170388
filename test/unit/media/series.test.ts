import { test } from "node:test";
import assert from "node:assert/strict";
import { aggregateSeeds, BandColumns, cardTitle, csvCell, EmaSmoother, extendBand, extractSeries, fixedRange, groupRank, lttb, metricGroup, metricNames, SeedBand, smoothEma, toCsv, upperBound, type Point, type SeedColumns } from "../../../media/src/series.js";

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test("smoothEma: debiased EMA as TensorBoard, w = 0.5 on [1, 3, 5]", () => {
  // last1 = 0.5·0 + 0.5·1 = 0.5, debias 1 − 0.5 = 0.5 → 1
  // last2 = 0.5·0.5 + 0.5·3 = 1.75, debias 1 − 0.25 = 0.75 → 2.3333…
  // last3 = 0.5·1.75 + 0.5·5 = 3.375, debias 1 − 0.125 = 0.875 → 3.857142…
  const s = smoothEma([1, 3, 5], 0.5);
  close(s[0]!, 1);
  close(s[1]!, 7 / 3);
  close(s[2]!, 3.375 / 0.875);
});

test("smoothEma: w = 0.9 on [10, 0]: first point unbiased, second 0.9·1/(1−0.81)", () => {
  // last1 = 1, /0.1 → 10; last2 = 0.9, /0.19 → 4.7368…
  const s = smoothEma([10, 0], 0.9);
  close(s[0]!, 10);
  close(s[1]!, 0.9 / 0.19);
});

test("smoothEma: weight 0 and constant series are returned unchanged; weight clamped below 1", () => {
  assert.deepEqual(smoothEma([1, 2, 3], 0), [1, 2, 3]);
  assert.deepEqual(smoothEma([4, 4, 4], 0.9), [4, 4, 4]);
  const s = smoothEma([0, 1], 5); // clamped to 0.999: last2 = 0.001, debias 1 − 0.999² = 0.001999
  close(s[1]!, 0.001 / (1 - 0.999 * 0.999));
});

test("smoothEma: a NaN passes through and does not poison later points", () => {
  const s = smoothEma([1, Number.NaN, 3], 0.5);
  assert.ok(Number.isNaN(s[1]!));
  close(s[2]!, 7 / 3);
});

test("aggregateSeeds: mean ± population std, interpolating a seed logged at other steps", () => {
  const a = [{ x: 0, y: 1 }, { x: 10, y: 3 }];
  const b = [{ x: 0, y: 3 }, { x: 20, y: 7 }]; // at x = 10: 5
  const band = aggregateSeeds([a, b]);
  assert.deepEqual(band.map((p) => p.x), [0, 10, 20]);
  // x=0: {1,3} mean 2 std 1; x=10: {3,5} mean 4 std 1; x=20: only b → 7, std 0
  assert.deepEqual(band[0], { x: 0, mean: 2, low: 1, high: 3, n: 2 });
  assert.deepEqual(band[1], { x: 10, mean: 4, low: 3, high: 5, n: 2 });
  assert.deepEqual(band[2], { x: 20, mean: 7, low: 7, high: 7, n: 1 });
});

test("metricGroup / metricNames / extractSeries", () => {
  assert.equal(metricGroup("charts/episodic_return"), "charts");
  // One card per sub-goal, in a section after the reward components.
  assert.equal(metricGroup("subgoals/swingLeft"), "subgoals");
  assert.ok(groupRank("reward") < groupRank("subgoals") && groupRank("subgoals") < groupRank("other") && groupRank("other") < groupRank("tensorboard"));
  // A sub-goal's curve is a share of episodes: drawn on [0, 1], titled with what it measures.
  assert.deepEqual(fixedRange("subgoals/swingLeft"), { min: 0, max: 1 });
  assert.equal(fixedRange("charts/episodic_return"), null);
  assert.equal(fixedRange("reward/subgoals"), null);
  assert.equal(cardTitle("subgoals/swingLeft"), "subgoals/swingLeft (share of episodes that reached it)");
  assert.equal(cardTitle("losses/value_loss"), "losses/value_loss");
  // TWOSOME's success rate is a share of episodes too: its own named card on [0, 1], in charts/.
  assert.deepEqual(fixedRange("charts/success_rate"), { min: 0, max: 1 });
  assert.equal(cardTitle("charts/success_rate"), "charts/success_rate (share of episodes that succeeded)");
  assert.equal(metricGroup("charts/success_rate"), "charts");
  assert.equal(fixedRange("charts/success_rate_ema"), null, "only the metric itself");
  assert.equal(cardTitle("charts/episodic_return"), "charts/episodic_return");
  assert.equal(metricGroup("reward/upright"), "reward");
  assert.equal(metricGroup("sps"), "other");
  const recs = [
    { globalStep: 256, iteration: 1, wallSeconds: 0.5, metrics: { "losses/value_loss": 2, "charts/SPS": 500 } },
    { globalStep: 512, iteration: 2, wallSeconds: 1.25, metrics: { "losses/value_loss": Number.NaN, "charts/SPS": 510 } },
  ];
  assert.deepEqual(metricNames([recs]), ["charts/SPS", "losses/value_loss"]);
  assert.deepEqual(extractSeries(recs, "losses/value_loss", "step"), [{ x: 256, y: 2 }]);
  assert.deepEqual(extractSeries(recs, "charts/SPS", "wall"), [{ x: 0.5, y: 500 }, { x: 1.25, y: 510 }]);
});

test("toCsv: long format, quoting labels with commas", () => {
  const csv = toCsv([{ label: "a,b", metrics: [{ globalStep: 8, iteration: 1, wallSeconds: 0.1, metrics: { "charts/SPS": 80 } }] }]);
  assert.equal(csv, 'run,global_step,wall_seconds,metric,value\n"a,b",8,0.1,charts/SPS,80\n');
});

test("CSV cells: formula-looking text is neutralised (OWASP), numbers stay numbers", () => {
  // Text a spreadsheet would evaluate gets a leading quote; quoted where it must be.
  assert.equal(csvCell("=HYPERLINK(\"http://x\",\"y\")"), '"\'=HYPERLINK(""http://x"",""y"")"');
  assert.equal(csvCell("+1+cmd"), "'+1+cmd");
  assert.equal(csvCell("-2+3"), "'-2+3");
  assert.equal(csvCell("@SUM(A1)"), "'@SUM(A1)");
  assert.equal(csvCell("\t=1"), "'\t=1");
  assert.equal(csvCell("\r=1"), "\"'\r=1\"");
  assert.equal(csvCell("cartpole-0419"), "cartpole-0419");
  // Numbers are data, negative ones included.
  assert.equal(csvCell(-1.5), "-1.5");
  assert.equal(csvCell(-0.001), "-0.001");
  assert.equal(csvCell(1e-7), "1e-7");
  // A whole export: a hostile run folder and metric name, a negative value.
  const csv = toCsv([{ label: "=cmd|' /C calc'!A0", metrics: [{ globalStep: 8, iteration: 1, wallSeconds: 0.1, metrics: { "-reward": -1.5, "charts/SPS": 80 } }] }]);
  assert.equal(csv, "run,global_step,wall_seconds,metric,value\n'=cmd|' /C calc'!A0,8,0.1,'-reward,-1.5\n'=cmd|' /C calc'!A0,8,0.1,charts/SPS,80\n");
});

test("lttb: keeps the peak of a spike that a stride sample would drop", () => {
  // 5 points, threshold 3: one bucket = points 1..3; next-bucket average = last point (4, 0).
  // Triangle areas with (0,0) and (4,0): (1,0) → 0, (2,10) → |(0−4)(10−0) − (0−2)(0−0)| = 40, (3,0) → 0.
  const out = lttb([0, 1, 2, 3, 4], [0, 0, 10, 0, 0], 3);
  assert.deepEqual(out, [{ x: 0, y: 0 }, { x: 2, y: 10 }, { x: 4, y: 0 }]);
});

test("lttb: threshold ≥ n returns every point; output length equals threshold otherwise", () => {
  assert.equal(lttb([0, 1, 2], [5, 6, 7], 10).length, 3);
  const xs = Float64Array.from({ length: 1000 }, (_, i) => i);
  const ys = Float64Array.from(xs, (x) => Math.sin(x / 10));
  const out = lttb(xs, ys, 100);
  assert.equal(out.length, 100);
  assert.deepEqual(out[0], { x: 0, y: 0 });
  assert.equal(out[99]!.x, 999);
});

test("EmaSmoother: streaming equals the batch smoothEma, hand numbers for w = 0.5 on [1, 3, 5]", () => {
  const s = new EmaSmoother(0.5);
  close(s.push(1), 1);
  close(s.push(3), 7 / 3);
  close(s.push(5), 3.375 / 0.875);
  const ys = [0.3, -2, 7, 7.5, Number.NaN, 1, 0];
  const batch = smoothEma(ys, 0.9);
  const stream = new EmaSmoother(0.9);
  ys.forEach((y, i) => (Number.isNaN(y) ? assert.ok(Number.isNaN(stream.push(y))) : close(stream.push(y), batch[i]!)));
});

// ── seed bands on columns, cached ─────────────────────────────────────────────

/** A growable seed, as the dashboard keeps one (Float64Array with spare capacity + length). */
class Seed implements SeedColumns {
  xs = new Float64Array(4);
  ys = new Float64Array(4);
  length = 0;
  constructor(points: [number, number][] = []) {
    for (const [x, y] of points) this.push(x, y);
  }
  push(x: number, y: number): this {
    if (this.length === this.xs.length) {
      const xs = new Float64Array(this.xs.length * 2);
      const ys = new Float64Array(this.xs.length * 2);
      xs.set(this.xs);
      ys.set(this.ys);
      this.xs = xs;
      this.ys = ys;
    }
    this.xs[this.length] = x;
    this.ys[this.length++] = y;
    return this;
  }
  points(): Point[] {
    return Array.from(this.xs.subarray(0, this.length), (x, i) => ({ x, y: this.ys[i]! }));
  }
}
const bandOf = (b: BandColumns) => Array.from({ length: b.length }, (_, i) => ({ x: b.x[i]!, mean: b.mean[i]!, low: b.low[i]!, high: b.high[i]!, n: b.n[i]! }));

test("upperBound: first index with a value > x", () => {
  const xs = [0, 10, 10, 20];
  assert.equal(upperBound(xs, 4, -1), 0);
  assert.equal(upperBound(xs, 4, 10), 3);
  assert.equal(upperBound(xs, 4, 15), 3);
  assert.equal(upperBound(xs, 4, 20), 4);
  assert.equal(upperBound(xs, 2, 99), 2); // only the first `length` entries count
});

test("extendBand: three seeds, hand-computed mean ± std at the union of their steps", () => {
  // a: (0,0) (4,8)   b: (0,2) (2,2) (4,2)   c: (2,6) (6,6)
  // x=0: a 0, b 2, c not yet → mean 1, std 1
  // x=2: a 4 (interpolated), b 2, c 6 → mean 4, var (0+4+4)/3 = 8/3
  // x=4: a 8, b 2, c 6 → mean 16/3, var ((8/3)² + (10/3)² + (2/3)²)/3 = (64+100+4)/27 = 168/27
  // x=6: only c → 6, std 0
  const band = new BandColumns();
  const start = extendBand(band, [new Seed([[0, 0], [4, 8]]), new Seed([[0, 2], [2, 2], [4, 2]]), new Seed([[2, 6], [6, 6]])], Number.NEGATIVE_INFINITY);
  assert.equal(start, 0);
  const got = bandOf(band);
  assert.deepEqual(got.map((p) => [p.x, p.n]), [[0, 2], [2, 3], [4, 3], [6, 1]]);
  const want = [
    [1, 1],
    [4, Math.sqrt(8 / 3)],
    [16 / 3, Math.sqrt(168 / 27)],
    [6, 0],
  ];
  for (const [i, [mean, std]] of want.entries()) {
    close(got[i]!.mean, mean!);
    close(got[i]!.low, mean! - std!);
    close(got[i]!.high, mean! + std!);
  }
});

test("extendBand from x: keeps the band up to x, recomputes after it, same numbers as in full", () => {
  const a = new Seed([[0, 1], [10, 3]]);
  const b = new Seed([[0, 3], [10, 5]]);
  const band = new BandColumns();
  extendBand(band, [a, b], Number.NEGATIVE_INFINITY);
  assert.deepEqual(bandOf(band), [{ x: 0, mean: 2, low: 1, high: 3, n: 2 }, { x: 10, mean: 4, low: 3, high: 5, n: 2 }]);
  // a grows to x = 30 (y 7): x = 20 is a's interpolation 5 only (b ends at 10), x = 30 is 7.
  a.push(30, 7);
  const start = extendBand(band, [a, b], 10);
  assert.equal(start, 2);
  assert.deepEqual(bandOf(band).slice(2), [{ x: 30, mean: 7, low: 7, high: 7, n: 1 }]);
  // b catches up to x = 20 (y 9): from b's old last x (10) on, x = 20 now has a's 5 and b's 9.
  b.push(20, 9);
  assert.equal(extendBand(band, [a, b], 10), 2);
  // x=20: a between (10,3) and (30,7) → 5, b 9 → mean 7, std 2. x=30: a only → 7.
  assert.deepEqual(bandOf(band).slice(2), [{ x: 20, mean: 7, low: 5, high: 9, n: 2 }, { x: 30, mean: 7, low: 7, high: 7, n: 1 }]);
  assert.deepEqual(bandOf(band), aggregateSeeds([a.points(), b.points()]));
});

test("SeedBand: with a large threshold, draws the exact band and follows appends", () => {
  const a = new Seed([[0, 1], [10, 3]]);
  const b = new Seed([[0, 3], [10, 5]]);
  const sb = new SeedBand();
  let lines = sb.update([a, b], ["a", "b"], 0.6, 1000);
  assert.deepEqual(lines.mean, [{ x: 0, y: 2 }, { x: 10, y: 4 }]);
  assert.deepEqual(lines.low, [{ x: 0, y: 1 }, { x: 10, y: 3 }]);
  assert.deepEqual(lines.high, [{ x: 0, y: 3 }, { x: 10, y: 5 }]);
  a.push(20, 5);
  b.push(20, 9); // x=20: {5, 9} → mean 7, std 2
  lines = sb.update([a, b], ["a", "b"], 0.6, 1000);
  assert.deepEqual(lines.mean.at(-1), { x: 20, y: 7 });
  assert.deepEqual(lines.low.at(-1), { x: 20, y: 5 });
  assert.deepEqual(lines.high.at(-1), { x: 20, y: 9 });
  assert.equal(lines.mean.length, 3);
  // Nothing new: the same lines, no recomputation.
  assert.equal(sb.update([a, b], ["a", "b"], 0.6, 1000).mean.length, 3);
});

test("SeedBand: a new generation (smoothing) or a different seed list recomputes in full", () => {
  const a = new Seed([[0, 1], [10, 3]]);
  const b = new Seed([[0, 3], [10, 5]]);
  const sb = new SeedBand();
  sb.update([a, b], ["a", "b"], 0.6, 1000);
  // Same sources, values changed in place (as the dashboard re-smooths) under a new generation.
  a.ys[0] = 5; // x=0: {5, 3} → mean 4, std 1
  assert.deepEqual(sb.update([a, b], ["a", "b"], 0.7, 1000).mean[0], { x: 0, y: 4 });
  // Only b now (a deselected): the band is b itself.
  assert.deepEqual(sb.update([b], ["b"], 0.7, 1000).mean, [{ x: 0, y: 3 }, { x: 10, y: 5 }]);
});

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

test("SeedBand: live appends (in step, lagging, a stopped seed) keep band = aggregateSeeds and lines ⊆ band", () => {
  const rand = rng(7);
  // Seed 0 and 1 log every 4 steps in step; seed 2 logs at odd steps and lags; seed 3 stops early.
  const seeds = [new Seed(), new Seed(), new Seed(), new Seed()];
  const next = [0, 0, 1, 0];
  const sources = ["s0", "s1", "s2", "s3"];
  const sb = new SeedBand();
  const threshold = 50;
  for (let frame = 0; frame < 400; frame++) {
    const grow = (i: number, count: number, dx: number) => {
      for (let k = 0; k < count; k++) {
        seeds[i]!.push(next[i]!, rand() * 10);
        next[i]! += dx;
      }
    };
    grow(0, 1 + Math.floor(rand() * 5), 4);
    grow(1, 1 + Math.floor(rand() * 5), 4);
    if (frame % 3 === 0) grow(2, 1 + Math.floor(rand() * 3), 3);
    if (frame < 40) grow(3, 2, 5);
    if (frame === 300) grow(3, 5, 5); // the stopped seed resumes: a change inside the downsampled prefix
    const lines = sb.update(seeds, sources, "g", threshold);
    if (frame % 50 !== 49 && frame !== 300) continue;
    const want = aggregateSeeds(seeds.map((s) => s.points()));
    assert.deepEqual(bandOf(sb.band), want, `band at frame ${frame}`);
    const at = new Map(want.map((p) => [p.x, p]));
    for (const [name, line] of Object.entries(lines) as [keyof typeof lines, Point[]][]) {
      assert.equal(line.length, lines.mean.length);
      assert.deepEqual(line[0], { x: want[0]!.x, y: want[0]![name] });
      assert.deepEqual(line.at(-1), { x: want.at(-1)!.x, y: want.at(-1)![name] }, `${name} ends at the band's last point, frame ${frame}`);
      for (let i = 0; i < line.length; i++) {
        const p = line[i]!;
        assert.equal(p.y, at.get(p.x)?.[name], `${name}[${i}] is a band point, frame ${frame}`);
        if (i > 0) assert.ok(p.x > line[i - 1]!.x, `${name} x increasing at ${i}, frame ${frame}`);
      }
      // Bounded by what is drawn: the downsampled prefix plus a tail of at most max(16, 2 %, threshold) points.
      assert.ok(line.length <= threshold + Math.max(16, 0.02 * want.length, threshold) + 1, `${name}: ${line.length} points for ${want.length}`);
    }
  }
});

test("SeedBand: 20 k points are drawn as `threshold` points; an append lands after the downsampled prefix", () => {
  const n = 20_000;
  const a = new Seed();
  const b = new Seed();
  for (let i = 0; i < n; i++) {
    a.push(i * 256, Math.sin(i / 100));
    b.push(i * 256, Math.cos(i / 100));
  }
  const sb = new SeedBand();
  let lines = sb.update([a, b], ["a", "b"], 0, 300);
  assert.equal(lines.mean.length, 300);
  a.push(n * 256, 2);
  b.push(n * 256, 4); // mean 3, std 1
  lines = sb.update([a, b], ["a", "b"], 0, 300);
  assert.equal(lines.mean.length, 301); // appended at full resolution after the downsampled prefix
  assert.deepEqual(lines.mean.at(-1), { x: n * 256, y: 3 });
  assert.deepEqual(lines.low.at(-1), { x: n * 256, y: 2 });
  assert.deepEqual(lines.high.at(-1), { x: n * 256, y: 4 });
});
