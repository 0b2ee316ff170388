import { test } from "node:test";
import assert from "node:assert/strict";
import { Adam, clipGradNorm } from "../../../runtime/src/nn/adam.js";

test("Adam first step moves each parameter by lr·sign(g) (bias-corrected m̂/√v̂ = ±1)", () => {
  const adam = new Adam(2);
  const p = new Float64Array([1, -1]);
  adam.apply(p, new Float64Array([0.5, -2]), 0.1);
  // m̂ = g, v̂ = g², update = lr·g/(|g| + ε) with ε = 1e-5.
  assert.ok(Math.abs(p[0]! - (1 - (0.1 * 0.5) / (0.5 + 1e-5))) < 1e-12);
  assert.ok(Math.abs(p[1]! - (-1 + (0.1 * 2) / (2 + 1e-5))) < 1e-12);
});

test("Adam second step follows PyTorch's formula by hand", () => {
  const adam = new Adam(1);
  const p = new Float64Array([0]);
  adam.apply(p, new Float64Array([1]), 0.01);
  adam.apply(p, new Float64Array([3]), 0.01);
  const m = 0.9 * 0.1 * 1 + 0.1 * 3; // 0.39
  const v = 0.999 * 0.001 * 1 + 0.001 * 9; // 0.009999
  const bc1 = 1 - 0.81;
  const bc2 = 1 - 0.999 ** 2;
  // Step 1: m̂ = 1, v̂ = 1 → p1 = −0.01/(1 + ε).
  const expected = -0.01 / (1 + 1e-5) - (0.01 / bc1) * (m / (Math.sqrt(v) / Math.sqrt(bc2) + 1e-5));
  assert.ok(Math.abs(p[0]! - expected) < 1e-12);
});

test("clipGradNorm scales to maxNorm/(norm + 1e-6) only when above", () => {
  const g = new Float64Array([3, 4]);
  assert.equal(clipGradNorm(g, 0.5), 5);
  const coef = 0.5 / (5 + 1e-6);
  assert.ok(Math.abs(g[0]! - 3 * coef) < 1e-12 && Math.abs(g[1]! - 4 * coef) < 1e-12);
  const small = new Float64Array([0.1, 0.1]);
  clipGradNorm(small, 0.5);
  assert.deepEqual(Array.from(small), [0.1, 0.1]);
});
