import { test } from "node:test";
import assert from "node:assert/strict";
import { logSumExp } from "../../../runtime/src/nn/log-sum-exp.js";

test("logSumExp: hand-computed values, a window of a row-major array, no overflow at large logits", () => {
  // log(e⁰ + e^{ln 3}) = log 4.
  assert.ok(Math.abs(logSumExp([0, Math.log(3)]) - Math.log(4)) < 1e-15);
  // The window [1, 1] of a larger array: log(2e) = 1 + ln 2.
  assert.ok(Math.abs(logSumExp(Float32Array.from([9, 1, 1, 9]), 1, 2) - (1 + Math.LN2)) < 1e-15);
  // exp(1000) overflows float64; shifted by the maximum it does not.
  assert.equal(logSumExp([1000, 1000]), 1000 + Math.LN2);
  assert.equal(logSumExp([-Infinity, 0]), 0);
});
