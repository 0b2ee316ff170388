/**
 * The webgpu backend (Dawn on Vulkan; in CI Mesa's lavapipe) computes what the fused JS learner does,
 * learns CartPole, and keeps its live tensor count flat. Skips outside CI where no Vulkan device exists;
 * fails under CI=true (webgpu-device.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as tfTypes from "@tensorflow/tfjs-core";
import { ActorCriticLayout } from "../../runtime/src/nn/actor-critic.js";
import { JsLearner } from "../../runtime/src/nn/learner.js";
import { createLearner } from "../../runtime/src/backends/select.js";
import type { CostTable } from "../../runtime/src/backends/cost-model.js";
import { acquireWebGpu } from "../../runtime/src/backends/webgpu.js";
import { TfjsLearner } from "../../runtime/src/backends/tfjs-learner.js";
import { syntheticMinibatch, TIMING_COEFFICIENTS } from "../../runtime/src/backends/calibrate.js";
import { loadExperiment } from "../../runtime/src/experiment/resolve.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { train } from "../../runtime/src/ppo/train.js";
import { Rng } from "../../runtime/src/rng.js";
import { skipUnlessWebGpu } from "./webgpu-device.js";

const tf = require("@tensorflow/tfjs-core") as typeof tfTypes;

/**
 * Tolerance of the parity check: float32 on the GPU against the JS learner's float64 master copy,
 * after 3 Adam steps at lr 1e-3. Adam's step is ≈ lr per parameter whatever the gradient's scale, so
 * rounding of the loss and gradient moves a parameter by a small fraction of lr: 1e-5 of the largest
 * parameter's magnitude (≈ 1 for these orthogonal initialisations) is 1 % of one step.
 */
const PARITY_RELATIVE = 1e-5;

for (const actionKind of ["discrete", "box"] as const) {
  test(`webgpu takes the same 3 PPO steps as the fused JS learner (${actionKind}, 3 hidden layers)`, async (t) => {
    const skip = await skipUnlessWebGpu();
    if (skip) return t.skip(skip);
    // Three hidden layers: 8 dense layers, 16 or 17 parameter tensors: more than any one WebGPU
    // shader may bind by default, so this also proves nothing binds one buffer per parameter tensor.
    const layout = new ActorCriticLayout({ obsDim: 4, actionKind, actionDim: 2, hiddenSizes: [32, 32, 32] });
    const init = layout.initParams(new Rng(11));
    const js = new JsLearner(layout, Float32Array.from(init), 64);
    const { learner: gpu, notice } = await createLearner("webgpu", layout, Float32Array.from(init), 64);
    t.after(() => gpu.dispose());
    assert.equal(gpu.backend, "webgpu", notice);
    const rng = new Rng(4);
    for (let step = 0; step < 3; step++) {
      const mb = syntheticMinibatch(layout, 64, rng);
      const a = await js.step(mb, TIMING_COEFFICIENTS, 1e-3, 0.5);
      const b = await gpu.step(mb, TIMING_COEFFICIENTS, 1e-3, 0.5);
      for (const key of ["policyLoss", "valueLoss", "entropy", "approxKl", "clipFrac"] as const) {
        assert.ok(Math.abs(a[key] - b[key]) < 1e-4, `${key}: js ${a[key]} vs webgpu ${b[key]}`);
      }
    }
    await js.syncParams();
    await gpu.syncParams();
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < layout.size; i++) {
      worst = Math.max(worst, Math.abs(js.params[i]! - gpu.params[i]!));
      scale = Math.max(scale, Math.abs(js.params[i]!));
    }
    assert.ok(worst <= PARITY_RELATIVE * scale, `largest parameter difference ${worst} > ${PARITY_RELATIVE} × ${scale}`);
    // The update did move the parameters (a no-op GPU would "match" a JS learner that did not move either).
    let moved = 0;
    for (let i = 0; i < layout.size; i++) moved = Math.max(moved, Math.abs(gpu.params[i]! - init[i]!));
    assert.ok(moved > 1e-3, `parameters moved by at most ${moved}`);
    assert.equal((await gpu.getState()).adamStep, 3);
  });
}

test("kernels that bind 13 storage buffers run: the device has the adapter's limits, not WebGPU's default 8", async (t) => {
  const skip = await skipUnlessWebGpu();
  if (skip) return t.skip(skip);
  const handle = await acquireWebGpu(tf);
  assert.ok(handle.device.limits.maxStorageBuffersPerShaderStage >= 13, `device limit ${handle.device.limits.maxStorageBuffersPerShaderStage}`);
  const sum = await handle.monitor.guard("an AddN over 12 tensors", async () => {
    const parts = Array.from({ length: 12 }, (_, i) => tf.fill([4], i + 1));
    const out = tf.addN(parts);
    const data = await out.data();
    tf.dispose([...parts, out]);
    return Array.from(data);
  });
  assert.deepEqual(sum, [78, 78, 78, 78]);
});

test("live tensors stay flat over 1,000 webgpu updates", async (t) => {
  const skip = await skipUnlessWebGpu();
  if (skip) return t.skip(skip);
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [16] });
  const { learner } = await createLearner("webgpu", layout, layout.initParams(new Rng(1)), 32);
  t.after(() => learner.dispose());
  assert.ok(learner instanceof TfjsLearner);
  const mb = syntheticMinibatch(layout, 32, new Rng(2));
  const counts: number[] = [];
  for (let i = 1; i <= 1000; i++) {
    await learner.step(mb, TIMING_COEFFICIENTS, 1e-4, 0.5);
    if (i % 100 === 0) {
      await learner.syncParams();
      counts.push(tf.memory().numTensors);
    }
  }
  assert.equal(new Set(counts).size, 1, `live tensors per 100 updates: ${counts.join(", ")}`);
  assert.ok(learner.params.every(Number.isFinite));
});

test("a short CartPole run on webgpu learns", async (t) => {
  const skip = await skipUnlessWebGpu();
  if (skip) return t.skip(skip);
  const root = mkdtempSync(join(tmpdir(), "rls-webgpu-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const experiment = await loadExperiment("examples/cartpole.rl.ts", { seed: 1, totalTimesteps: 8192 });
  const runDir = RunDir.create(root, { experiment: { name: experiment.name }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const summary = await train({ experiment, runDir, backend: "webgpu" });
  runDir.close();
  assert.equal(summary.status, "completed", summary.error);
  assert.equal(summary.backend, "webgpu");
  const episodes = RunDir.open(runDir.path).readEpisodes();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(episodes.slice(0, 20).map((e) => e.episodicReturn));
  const last = mean(episodes.slice(-20).map((e) => e.episodicReturn));
  // A random CartPole policy averages ≈ 22 steps; the js learner reaches ≈ 100–200 by 8 k steps here.
  assert.ok(last >= 3 * first && last >= 75, `mean return of the first 20 episodes ${first.toFixed(1)}, of the last 20 ${last.toFixed(1)}`);
});

test("auto follows the cost model to webgpu when its estimate is lowest, and states the two figures", async (t) => {
  const skip = await skipUnlessWebGpu();
  if (skip) return t.skip(skip);
  const flat = (fixedMs: number) => ({ fixedMs, perLayerMs: 0, perGflopMs: 0, perMparamMs: 0, samples: 1, maxRelativeError: 0 });
  const table: CostTable = { measuredOn: "a test", command: "none", backends: { js: flat(100), wasm: flat(120), webgpu: flat(1) } };
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [16] });
  const { learner, notice } = await createLearner("auto", layout, layout.initParams(new Rng(1)), 32, { table });
  t.after(() => learner.dispose());
  assert.equal(learner.backend, "webgpu", notice);
  const { adapter } = await acquireWebGpu(tf);
  if (adapter.isFallbackAdapter) {
    // A software adapter is what the table's webgpu figures describe: no re-check.
    assert.match(notice, /^backend: webgpu \(auto: webgpu: est\. 1\.00 ms\/update vs js 100 ms, 211 parameters × minibatch 32; llvmpipe/);
  } else {
    assert.match(notice, /re-checked at run start: measured/);
  }
});
