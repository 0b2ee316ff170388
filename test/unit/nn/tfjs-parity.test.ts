import { test } from "node:test";
import assert from "node:assert/strict";
import { ActorCriticLayout } from "../../../runtime/src/nn/actor-critic.js";
import { JsLearner } from "../../../runtime/src/nn/learner.js";
import { createLearner } from "../../../runtime/src/backends/select.js";
import { Rng } from "../../../runtime/src/rng.js";
import { loadKernelModule } from "../../../runtime/src/nn/simd/module.js";
import { randomMinibatch } from "./fixtures.js";

for (const backend of ["wasm", "cpu"] as const) {
  for (const actionKind of ["discrete", "box"] as const) {
    test(`tfjs ${backend} learner takes the same PPO steps as the fused JS learner (${actionKind})`, async () => {
      const layout = new ActorCriticLayout({ obsDim: 4, actionKind, actionDim: 2, hiddenSizes: [16, 16] });
      const init = layout.initParams(new Rng(11));
      const js = new JsLearner(layout, Float32Array.from(init), 32);
      const { learner: tf } = await createLearner(backend, layout, Float32Array.from(init), 32);
      assert.equal(tf.backend, backend);
      const rng = new Rng(4);
      const coef = { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5, normAdv: true };
      for (let step = 0; step < 3; step++) {
        const mb = randomMinibatch(layout, 32, rng, () => -0.7 + 0.05 * rng.normal());
        const a = await js.step(mb, coef, 1e-3, 0.5);
        const b = await tf.step(mb, coef, 1e-3, 0.5);
        for (const key of ["policyLoss", "valueLoss", "entropy", "approxKl", "clipFrac"] as const) {
          assert.ok(Math.abs(a[key] - b[key]) < 1e-4, `${key}: js ${a[key]} vs ${backend} ${b[key]}`);
        }
      }
      await js.syncParams();
      await tf.syncParams();
      let worst = 0;
      for (let i = 0; i < layout.size; i++) worst = Math.max(worst, Math.abs(js.params[i]! - tf.params[i]!));
      assert.ok(worst < 1e-5, `largest parameter difference ${worst}`);
      const state = await tf.getState();
      assert.equal(state.adamStep, 3);
      tf.dispose();
    });
  }
}

test("an unavailable backend falls back with a notice instead of failing", async () => {
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [8] });
  // tfjs-node is not a dependency: requesting it must fall back to wasm and say why.
  const { learner, notice } = await createLearner("tfjs-node", layout, layout.initParams(new Rng(1)), 16);
  assert.match(notice, /tfjs-node: package not installed/);
  assert.notEqual(learner.backend, "tfjs-node");
  learner.dispose();
});

test("auto picks a fused learner for a CartPole-sized network (wasm-simd, or js without it) and says why", async () => {
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [64, 64] });
  const { learner, notice } = await createLearner("auto", layout, layout.initParams(new Rng(1)), 256);
  const expected = loadKernelModule().ok ? "wasm-simd" : "js";
  assert.equal(learner.backend, expected);
  learner.dispose();
  assert.match(notice, new RegExp(`^backend: ${expected} \\(auto: ${expected}: est\\. [\\d.]+ ms/update vs \\w+ [\\d.]+ ms, 9,155 parameters × minibatch 256`));
});
