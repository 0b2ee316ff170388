import { test } from "node:test";
import assert from "node:assert/strict";
import { binIndex, distribution, percentileSorted, quantileEdges, topGap, totalVariation } from "../../../runtime/src/explain/stats.js";
import { formatCount, formatNumber, formatPercent } from "../../../runtime/src/explain/format.js";

test("percentiles interpolate linearly between closest ranks (numpy's default)", () => {
  // numpy.percentile([1, 2, 3, 4], 10) = 1.3: h = (4 − 1)·0.1 = 0.3 → 1 + 0.3·(2 − 1).
  assert.ok(Math.abs(percentileSorted([1, 2, 3, 4], 0.1) - 1.3) < 1e-12);
  assert.equal(percentileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(percentileSorted([7], 0.9), 7);
  assert.throws(() => percentileSorted([], 0.5), /empty/);
});

test("distribution: mean, population std, percentiles, extremes", () => {
  const d = distribution([2, 4, 4, 4, 5, 5, 7, 9]);
  // The textbook example: mean 5, population std 2.
  assert.equal(d.n, 8);
  assert.equal(d.mean, 5);
  assert.equal(d.std, 2);
  assert.equal(d.min, 2);
  assert.equal(d.max, 9);
  assert.equal(d.p50, 4.5);
  // h = 7·0.1 = 0.7 → 2 + 0.7·(4 − 2) = 3.4; h = 7·0.9 = 6.3 → 7 + 0.3·(9 − 7) = 7.6.
  assert.ok(Math.abs(d.p10 - 3.4) < 1e-12);
  assert.ok(Math.abs(d.p90 - 7.6) < 1e-12);
});

test("quantile edges are sample values at ranks ⌊k·n/bins⌋, so no bin is empty", () => {
  // n = 10, 5 bins: ranks 2, 4, 6, 8 of the sorted values.
  assert.deepEqual(quantileEdges([9, 0, 8, 1, 7, 2, 6, 3, 5, 4], 5), [2, 4, 6, 8]);
  // Duplicate edges merge and an edge at the minimum is dropped: 0 is 60% of the sample.
  assert.deepEqual(quantileEdges([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], 5), [1, 3]);
  assert.deepEqual(quantileEdges([5, 5, 5], 4), []);
  assert.equal(binIndex(1.99, [2, 4]), 0);
  assert.equal(binIndex(2, [2, 4]), 1);
  assert.equal(binIndex(4, [2, 4]), 2);
});

test("total variation and the gap between the two most likely actions", () => {
  assert.equal(totalVariation([0.5, 0.5], [0.9, 0.1]), 0.4);
  assert.equal(totalVariation([1, 0, 0], [0, 0, 1]), 1);
  assert.ok(Math.abs(topGap([0.2, 0.7, 0.1]) - 0.5) < 1e-12);
  assert.equal(topGap([1]), 0);
});

test("figures are written with separators and never rounded to all or none", () => {
  assert.equal(formatCount(4812), "4,812");
  assert.equal(formatNumber(497.04), "497.0");
  assert.equal(formatNumber(0.04112), "0.041");
  assert.equal(formatNumber(-2.3797), "-2.38");
  assert.equal(formatPercent(0.97), "97%");
  assert.equal(formatPercent(0.996, 996, 1000), "99.6%");
  assert.equal(formatPercent(1, 10, 10), "100%");
  assert.equal(formatPercent(0.9999, 9999, 10000), ">99.9%");
  assert.equal(formatPercent(0.001, 1, 1000), "0.1%");
});
