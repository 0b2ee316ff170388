import { test } from "node:test";
import assert from "node:assert/strict";
import { computeGae, explainedVariance } from "../../../runtime/src/ppo/gae.js";

test("GAE over 3 steps, 1 env, no episode end: by hand", () => {
  const gamma = 0.9, lambda = 0.8;
  const r = [1, 0, 2], v = [0.5, 0.4, 0.3], next = 0.2;
  // δ2 = 2 + .9·.2 − .3 = 1.88; δ1 = 0 + .9·.3 − .4 = −0.13; δ0 = 1 + .9·.4 − .5 = 0.86
  // A2 = 1.88; A1 = −0.13 + .72·1.88 = 1.2236; A0 = 0.86 + .72·1.2236 = 1.740992
  const adv = new Float64Array(3), ret = new Float64Array(3);
  computeGae(new Float64Array(r), new Float64Array(v), new Uint8Array(3), new Float64Array([next]), 3, 1, gamma, lambda, adv, ret);
  [1.740992, 1.2236, 1.88].forEach((e, i) => assert.ok(Math.abs(adv[i]! - e) < 1e-12));
  [2.240992, 1.6236, 2.18].forEach((e, i) => assert.ok(Math.abs(ret[i]! - e) < 1e-12));
});

test("GAE stops at an episode end and keeps envs apart (time-major layout)", () => {
  // 2 steps × 2 envs; env 0's episode ends at t = 0; env 1 runs on.
  const rewards = new Float64Array([1, 1, 1, 1]);
  const values = new Float64Array([0, 0, 0, 0]);
  const dones = new Uint8Array([1, 0, 0, 0]);
  const adv = new Float64Array(4), ret = new Float64Array(4);
  computeGae(rewards, values, dones, new Float64Array([10, 10]), 2, 2, 0.5, 1, adv, ret);
  // env 0: A(t=1) = 1 + .5·10 = 6; A(t=0) = 1 (done: no bootstrap, no carry).
  assert.equal(adv[2], 6);
  assert.equal(adv[0], 1);
  // env 1: A(t=1) = 6; A(t=0) = 1 + .5·0 + .5·1·6 = 4.
  assert.equal(adv[3], 6);
  assert.equal(adv[1], 4);
});

test("explained variance: perfect prediction 1, mean prediction 0, constant target NaN", () => {
  const y = new Float64Array([1, 2, 3, 4]);
  assert.equal(explainedVariance(y, y, 4), 1);
  assert.equal(explainedVariance(new Float64Array([2.5, 2.5, 2.5, 2.5]), y, 4), 0);
  assert.ok(Number.isNaN(explainedVariance(y, new Float64Array([1, 1, 1, 1]), 4)));
});

test("computeGae with per-step discounts: TWOSOME's γ^{primitive steps} per macro-action, by hand", () => {
  // One env, 2 steps; step 0 took 2 primitive steps (discount 0.25 at γ = 0.5), step 1 took 1 (0.5); λ = 1.
  // δ1 = r1 + 0.5·next − v1 = 1 + 0.5·4 − 2 = 1; A1 = 1.
  // δ0 = r0 + 0.25·v1 − v0 = 0 + 0.5 − 1 = −0.5; A0 = −0.5 + 0.25·1·A1 = −0.25.
  const adv = new Float64Array(2);
  const ret = new Float64Array(2);
  computeGae(new Float64Array([0, 1]), new Float64Array([1, 2]), new Uint8Array(2), new Float64Array([4]), 2, 1, new Float64Array([0.25, 0.5]), 1, adv, ret);
  assert.deepEqual([...adv], [-0.25, 1]);
  assert.deepEqual([...ret], [0.75, 3]);
});
