/**
 * The TWOSOME policy (the test model stories260K with its LoRA adapter) on the webgpu backend — in CI,
 * Dawn on Mesa's lavapipe — scores action texts as on wasm, takes the same PPO step, and keeps its live
 * tensor count flat. Skips outside CI where no Vulkan device or test model exists; fails under CI=true.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadTfjs } from "../../runtime/src/backends/select.js";
import type { TfjsBackend } from "../../runtime/src/backends/tfjs-learner.js";
import { TwosomePolicy, type TwosomeBatch } from "../../runtime/src/llm-policy/policy.js";
import { TWOSOME_PPO } from "../../runtime/src/llm-policy/ppo-loss.js";
import { skipUnlessWebGpu } from "./webgpu-device.js";
import { requireTestModel } from "../test-model.mjs";

const PROMPTS = [
  "There is a fixed cutting board in the room. You notice a tomato on the table. Currently you are standing in front of the table. To serve the dish of a bowl only containing chopped tomato, you should first",
  "Currently you are carrying a bowl in hand. To serve the dish of a bowl only containing chopped tomato, you should first",
];
const ACTIONS = [
  ["pick up the tomato", "take the bowl", "walk to the cutting board", "serve nothing", "chop nothing"],
  ["pick up the tomato", "put the bowl on the cutting board", "serve the dish"],
];
const BATCH: TwosomeBatch = {
  prompts: [PROMPTS[0]!, PROMPTS[1]!, PROMPTS[0]!, PROMPTS[1]!],
  actionLists: [ACTIONS[0]!, ACTIONS[1]!, ACTIONS[0]!, ACTIONS[1]!],
  actions: Int32Array.from([0, 2, 3, 1]),
  logProbs: Float32Array.from([-1.6, -1.1, -1.6, -1.1]),
  advantages: Float32Array.from([1, 0.5, -1, -0.5]),
  returns: Float32Array.from([0.2, 1, -0.1, 0.3]),
  values: Float32Array.from([0, 0, 0, 0]),
};
/** A learning rate high enough that one step visibly moves π (TWOSOME's 5e-7 would not, in float32). */
const UPDATE = { policyLr: 1e-2, valueLr: 1e-3, policyMinibatchSize: 2, valueMinibatchSize: 4, accumulation: 2 };

/**
 * float32 on the GPU against float32 on wasm: the same sums in another order. Action log-probabilities
 * over ~40-token sequences stay within 1e-3, the tolerance the issue sets for the forward's parity with llama.cpp.
 */
const TOLERANCE = 1e-3;

async function onBackend(backend: TfjsBackend, model: string) {
  const tf = await loadTfjs(backend);
  const policy = await TwosomePolicy.load({ tf, model, normalization: "word", seed: 4 });
  try {
    const before = (await policy.scoreActions(PROMPTS, ACTIONS)).map((d) => Array.from(d.logProbs));
    const stats = await policy.ppoStep(BATCH, { ...TWOSOME_PPO, targetKl: null }, UPDATE);
    const after = (await policy.scoreActions(PROMPTS, ACTIONS)).map((d) => Array.from(d.logProbs));
    // Live tensors after more forwards and steps: flat.
    const live = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await policy.scoreActions(PROMPTS, ACTIONS);
      await policy.value(PROMPTS);
      await policy.ppoStep(BATCH, { ...TWOSOME_PPO, targetKl: null }, UPDATE);
    }
    return { before, after, policyUpdates: stats.policyUpdates, leaked: tf.memory().numTensors - live, active: tf.getBackend() };
  } finally {
    policy.dispose();
  }
}

const maxAbs = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - b[i]![j]!))));

test("the TWOSOME policy on webgpu: the same π over action texts as wasm, the same PPO step, no tensor leak", { timeout: 600_000 }, async (t) => {
  const skip = await skipUnlessWebGpu();
  if (skip) return t.skip(skip);
  const model = requireTestModel(t);
  if (!model) return;
  const wasm = await onBackend("wasm", model);
  const gpu = await onBackend("webgpu", model);
  assert.equal(gpu.active, "webgpu");
  assert.equal(wasm.active, "wasm");
  assert.ok(maxAbs(gpu.before, wasm.before) < TOLERANCE, `π before the step: max |Δ log π| ${maxAbs(gpu.before, wasm.before)}`);
  assert.equal(gpu.policyUpdates, 1);
  assert.equal(wasm.policyUpdates, 1);
  assert.ok(maxAbs(wasm.after, wasm.before) > 10 * TOLERANCE, "the step moved π (else the comparison below says nothing)");
  assert.ok(maxAbs(gpu.after, wasm.after) < TOLERANCE, `π after one PPO step: max |Δ log π| ${maxAbs(gpu.after, wasm.after)}`);
  assert.equal(gpu.leaked, 0, "live tensors on webgpu after 3 more forwards and PPO steps");
  assert.equal(wasm.leaked, 0);
});
