/** TWOSOME's PPO terms (ppo-loss.ts) and its Adam (optimizer.ts) on hand-computed numbers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type * as tfTypes from "@tensorflow/tfjs-core";
import { loadTfjs } from "../../../runtime/src/backends/select.js";
import { normalizeAdvantages, policyLossTerms, valueLoss } from "../../../runtime/src/llm-policy/ppo-loss.js";
import { TfjsAdam } from "../../../runtime/src/llm-policy/optimizer.js";
import { Adam, clipGradNorm } from "../../../runtime/src/nn/adam.js";
import { Rng } from "../../../runtime/src/rng.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

async function tfjs(): Promise<typeof tfTypes> {
  return loadTfjs("cpu");
}

test("clipped surrogate, entropy mean, KL estimators and clip fraction", async () => {
  const tf = await tfjs();
  // ratios 1.5 and 0.9, advantages +1 and −1, ε = 0.2:
  // −A·r = (−1.5, 0.9); −A·clip(r) = (−1.2, 0.9); max → (−1.2, 0.9); mean −0.15.
  const t = tf.tidy(() => {
    const terms = policyLossTerms(tf, tf.tensor1d([Math.log(1.5), Math.log(0.9)]), tf.tensor1d([0, 0]), tf.tensor1d([1, -1]), tf.tensor1d([0.3, 0.5]), 0.2);
    return Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, v.dataSync()[0]!]));
  });
  near(t.policyLoss!, -0.15);
  near(t.entropy!, 0.4);
  near(t.oldApproxKl!, (-Math.log(1.5) - Math.log(0.9)) / 2); // −0.150052
  near(t.approxKl!, (0.5 - Math.log(1.5) + (-0.1 - Math.log(0.9))) / 2); // 0.049948
  near(t.clipFrac!, 0.5);
});

test("clipped value loss and advantage normalisation", async () => {
  const tf = await tfjs();
  const v = tf.tidy(() => {
    const args = [tf.tensor1d([1, 2]), tf.tensor1d([0, 0]), tf.tensor1d([0.5, 2.5])] as const;
    return [valueLoss(tf, ...args, 0.2, true).dataSync()[0]!, valueLoss(tf, ...args, 0.2, false).dataSync()[0]!];
  });
  // unclipped (1, 4); clipped values (0.7, 2.3) → (0.49, 5.29); max (1, 5.29) → 0.5 · 3.145.
  near(v[0]!, 1.5725);
  near(v[1]!, 1.25);
  const a = tf.tidy(() => Array.from(normalizeAdvantages(tf, tf.tensor1d([1, 2, 3])).dataSync()));
  a.forEach((x, i) => near(x, [-1, 0, 1][i]!, 1e-6)); // mean 2, unbiased std 1
  assert.deepEqual(tf.tidy(() => Array.from(normalizeAdvantages(tf, tf.tensor1d([5])).dataSync())), [5]);
});

test("TfjsAdam takes the same steps as the JS learner's Adam with clip_grad_norm_", async () => {
  const tf = await tfjs();
  const rng = new Rng(2);
  const n = 7;
  const x0 = Float64Array.from({ length: n }, () => rng.normal());
  const ref = Float64Array.from(x0);
  const adam = new Adam(n, 0.9, 0.999, 1e-5);
  const variable = tf.tidy(() => tf.variable(tf.tensor1d(Float32Array.from(x0))));
  const ours = new TfjsAdam(tf, [variable]);
  for (let step = 0; step < 4; step++) {
    const g = Float64Array.from({ length: n }, () => 3 * rng.normal());
    const gt = tf.tensor1d(Float32Array.from(g));
    const norm = await ours.apply([gt], 0.05, 0.5);
    gt.dispose();
    near(norm, clipGradNorm(g, 0.5), 1e-4);
    adam.apply(ref, g, 0.05);
  }
  const got = variable.dataSync();
  ref.forEach((r, i) => near(got[i]!, r, 1e-5));
  const state = await ours.getState();
  assert.equal(state.step, 4);
  near(state.m[0]!, adam.m[0]!, 1e-5);
  ours.dispose();
  variable.dispose();
});
