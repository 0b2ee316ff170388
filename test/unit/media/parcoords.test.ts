/** Parallel-coordinate scaling on hand-computed positions: linear, log, categorical, constant and missing values. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parallelCoordinates, scaleAxis } from "../../../media/src/parcoords.js";

const close = (a: (number | null)[], b: (number | null)[]) =>
  a.forEach((v, i) => (v === null || b[i] === null ? assert.equal(v, b[i]) : assert.ok(Math.abs(v - b[i]!) < 1e-12, `${v} vs ${b[i]}`)));

test("linear within a factor of 10; log beyond it", () => {
  const lin = scaleAxis("numEnvs", [4, 8, 6]);
  assert.equal(lin.axis.kind, "linear");
  close(lin.at, [0, 1, 0.5]);
  // 1e-4, 1e-3, 1e-2: three decades, evenly spaced on a log axis.
  const log = scaleAxis("learningRate", [1e-4, 1e-2, 1e-3]);
  assert.equal(log.axis.kind, "log");
  close(log.at, [0, 1, 0.5]);
  assert.deepEqual(log.axis.ticks.map((t) => t.label), ["0.0001", "0.001", "0.01"]);
  // A negative value (a return) keeps the axis linear.
  assert.equal(scaleAxis("return", [-200, -20, -2]).axis.kind, "linear");
});

test("categories evenly spaced in order of appearance; a single value at the middle; missing values null", () => {
  const cat = scaleAxis("hiddenSizes", [[64, 64], [32], [64, 64], [16]]);
  assert.equal(cat.axis.kind, "category");
  close(cat.at, [0, 0.5, 0, 1]);
  assert.deepEqual(cat.axis.ticks.map((t) => t.label), ["[64,64]", "[32]", "[16]"]);
  close(scaleAxis("annealLr", [true, true]).at, [0.5, 0.5]);
  close(scaleAxis("ret", [10, null, 30]).at, [0, null, 1]);
});

test("parallelCoordinates: one axis per field and the return, one line per configuration", () => {
  const { axes, lines } = parallelCoordinates(
    ["learningRate", "numEnvs"],
    [
      { config: 0, values: { learningRate: 1e-3, numEnvs: 4 }, result: 100 },
      { config: 1, values: { learningRate: 1e-3, numEnvs: 8 }, result: 300 },
      { config: 2, values: { learningRate: 3e-4, numEnvs: 4 }, result: null },
    ],
  );
  assert.deepEqual(axes.map((a) => a.name), ["learningRate", "numEnvs", "final mean return"]);
  assert.equal(axes[0]!.kind, "linear", "3e-4..1e-3 spans less than a factor of 10");
  close(lines[0]!.ys, [1, 0, 0]);
  close(lines[1]!.ys, [1, 1, 1]);
  close(lines[2]!.ys, [0, 0, null]);
});
