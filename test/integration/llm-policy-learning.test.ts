/**
 * PPO on the LoRA policy learns (stories260K, wasm): a two-state toy task — two prompts, three action
 * phrases each, reward 1 for one action per state, every episode one step. Starting from the model's
 * own prior (≈ 0.11 and ≈ 0.31 on the rewarded actions), 8 TWOSOME updates of 16 sampled steps
 * (advantages r − V(s), clipped surrogate, entropy bonus, critic) must raise π(rewarded | s) by at
 * least 0.2 in both states (measured with sampling seeds 1, 2, 3: 0.11 → 0.78/0.98/0.94 and
 * 0.31 → 0.99/0.99/0.72). Cutting the LoRA gradients leaves π where it was, so this test fails when
 * the policy stops learning.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadTfjs } from "../../runtime/src/backends/select.js";
import { TwosomePolicy, type TwosomeBatch } from "../../runtime/src/llm-policy/policy.js";
import { TWOSOME_PPO } from "../../runtime/src/llm-policy/ppo-loss.js";
import { Rng } from "../../runtime/src/rng.js";
import { requireTestModel } from "../test-model.mjs";

const PROMPTS = ["You are in the kitchen. You notice a tomato on the table. You should", "You are holding a chopped tomato in front of the cutting board. You should"];
const ACTIONS = [
  ["pick up the tomato", "take the bowl", "put the tomato in the bowl"],
  ["chop the tomato", "serve the dish", "walk to the first cutting board"],
];
const REWARDED = [1, 0];
const UPDATES = 8;
const SAMPLES_PER_STATE = 8;
const MARGIN = 0.2;

test("PPO on the LoRA policy raises the probability of the rewarded action in both states", async (t) => {
  const model = requireTestModel(t);
  if (!model) return;
  const tf = await loadTfjs("wasm");
  const policy = await TwosomePolicy.load({ tf, model, normalization: "word", seed: 3 });
  const rng = new Rng(2);
  const actionLists = ACTIONS;
  const rewardedProbs = async () => (await policy.scoreActions(PROMPTS, actionLists)).map((d, s) => Math.exp(d.logProbs[REWARDED[s]!]!));
  try {
    const start = await rewardedProbs();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    for (let update = 0; update < UPDATES; update++) {
      const dists = await policy.scoreActions(PROMPTS, actionLists);
      const values = await policy.value(PROMPTS);
      const n = PROMPTS.length * SAMPLES_PER_STATE;
      const batch: TwosomeBatch = { prompts: [], actionLists: [], actions: new Int32Array(n), logProbs: new Float32Array(n), advantages: new Float32Array(n), returns: new Float32Array(n), values: new Float32Array(n) };
      for (let i = 0; i < n; i++) {
        const s = i % PROMPTS.length;
        const logProbs = dists[s]!.logProbs;
        let u = rng.random();
        let a = 0;
        while (a < logProbs.length - 1 && (u -= Math.exp(logProbs[a]!)) >= 0) a++;
        const reward = a === REWARDED[s] ? 1 : 0;
        batch.prompts.push(PROMPTS[s]!);
        batch.actionLists.push(ACTIONS[s]!);
        batch.actions[i] = a;
        batch.logProbs[i] = logProbs[a]!;
        batch.returns[i] = reward; // one-step episodes
        batch.values[i] = values[s]!;
        batch.advantages[i] = reward - values[s]!;
      }
      await policy.ppoStep(batch, { ...TWOSOME_PPO, targetKl: null }, { policyLr: 3e-3, valueLr: 1e-2, policyMinibatchSize: 8, valueMinibatchSize: n, accumulation: 1, rng });
    }
    const end = await rewardedProbs();
    const used = process.cpuUsage(cpu);
    t.diagnostic(`π(rewarded|s): ${start.map((p) => p.toFixed(3))} → ${end.map((p) => p.toFixed(3))} after ${UPDATES} updates (${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU)`);
    end.forEach((p, s) => assert.ok(p - start[s]! >= MARGIN, `state ${s}: π(rewarded) ${start[s]!.toFixed(3)} → ${p.toFixed(3)}, expected a rise of at least ${MARGIN}`));
  } finally {
    policy.dispose();
  }
});
