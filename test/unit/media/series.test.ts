import { test } from "node:test";
import assert from "node:assert/strict";
import { aggregateSeeds, EmaSmoother, extractSeries, interpolateAt, lttb, metricGroup, metricNames, smoothEma, toCsv } from "../../../media/src/series.js";

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

test("interpolateAt: linear between points, undefined outside", () => {
  const pts = [{ x: 0, y: 0 }, { x: 10, y: 5 }, { x: 20, y: 25 }];
  assert.equal(interpolateAt(pts, 5), 2.5);
  assert.equal(interpolateAt(pts, 15), 15);
  assert.equal(interpolateAt(pts, 20), 25);
  assert.equal(interpolateAt(pts, 21), undefined);
  assert.equal(interpolateAt([], 0), undefined);
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
