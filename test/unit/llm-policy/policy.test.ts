/**
 * The TWOSOME policy and critic on a tiny qwen2: π(a|s) under each normalisation equals the
 * softmax assembled by hand from the transformer's own next-token log-probabilities; the shared-prefix
 * layout equals the reference layout; the critic reads the frozen base (adapter off); checkpoints
 * round-trip; the PPO update's accumulation, target-KL stop and critic warm-up behave as TWOSOME's;
 * and the number of live tensors stays flat over many forwards and updates.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type * as tfTypes from "@tensorflow/tfjs-core";
import { loadTfjs } from "../../../runtime/src/backends/select.js";
import { TwosomePolicy, type TwosomeBatch } from "../../../runtime/src/llm-policy/policy.js";
import { TWOSOME_PPO } from "../../../runtime/src/llm-policy/ppo-loss.js";
import { logSoftmax, type Normalization } from "../../../runtime/src/llm-policy/scoring.js";
import { Rng } from "../../../runtime/src/rng.js";
import { writeTinyQwen2 } from "./tiny-qwen2.js";

let tf: typeof tfTypes;
let modelPath: string;
let policy: TwosomePolicy;

const PROMPTS = ["You notice a tomato on the table. You should", "Currently you are carrying a bowl. You should"];
const ACTIONS = [
  ["pick up the tomato", "serve nothing", "walk to the first cutting board"],
  ["put the bowl on the second cutting board", "serve the dish"],
];

before(async () => {
  tf = await loadTfjs("wasm");
  modelPath = writeTinyQwen2().path;
  policy = await TwosomePolicy.load({ tf, model: modelPath, normalization: "word", seed: 4 });
});
after(() => policy?.dispose());

/** Σ log P(action token | prefix) per action from a plain full-sequence forward and a log-softmax over the whole vocabulary. */
function referenceSums(p: TwosomePolicy, prompt: string, actions: string[]): { sums: number[]; tokens: number[] } {
  const sums: number[] = [];
  const tokens: number[] = [];
  for (const action of actions) {
    const seq = p.tokenizer.tokenize(`${prompt} ${action}`, { addSpecial: true });
    const n = p.tokenizer.tokenize(` ${action}`).length; // byte-level BPE: the action as it appears in the sequence
    const logits = tf.tidy(() => {
      const { hidden } = p.model.forward({ tokens: Int32Array.from(seq), batch: 1, length: seq.length });
      return tf.logSoftmax(p.model.logits(tf.reshape(hidden, [seq.length, -1]) as tfTypes.Tensor2D));
    });
    const lp = logits.arraySync() as number[][];
    logits.dispose();
    let s = 0;
    for (let k = seq.length - n; k < seq.length; k++) s += lp[k - 1]![seq[k]!]!;
    sums.push(s);
    tokens.push(n);
  }
  return { sums, tokens };
}

const words = (a: string) => a.split(" ").length;

test("π under token, word and no normalisation equals the hand-assembled softmax of summed token log-probabilities", async () => {
  for (const mode of ["token", "word", "none"] as Normalization[]) {
    const p = await TwosomePolicy.load({ tf, model: modelPath, normalization: mode });
    try {
      const dists = await p.scoreActions(PROMPTS, ACTIONS);
      PROMPTS.forEach((prompt, s) => {
        const { sums, tokens } = referenceSums(p, prompt, ACTIONS[s]!);
        const divisor = (i: number) => (mode === "token" ? tokens[i]! : mode === "word" ? words(ACTIONS[s]![i]!) : 1);
        const want = logSoftmax(sums.map((x, i) => x / divisor(i)));
        assert.deepEqual(Array.from(dists[s]!.tokenCounts), tokens);
        dists[s]!.logProbs.forEach((lp, i) => assert.ok(Math.abs(lp - want[i]!) < 1e-4, `${mode} state ${s} action ${i}: ${lp} vs ${want[i]}`));
      });
    } finally {
      p.dispose();
    }
  }
});

test("the shared-prefix layout gives the reference layout's π (one forward per prompt prefix)", async () => {
  const rng = new Rng(3);
  const flat = await policy.lora.getFlat();
  const saved = Float32Array.from(flat);
  for (let i = 0; i < flat.length; i++) flat[i] = 0.05 * rng.normal(); // an adapter that is not the identity
  policy.lora.setFlat(flat);
  try {
    policy.usesSharedPrefix = true;
    const shared = await policy.scoreActions(PROMPTS, ACTIONS);
    policy.usesSharedPrefix = false;
    const reference = await policy.scoreActions(PROMPTS, ACTIONS);
    shared.forEach((d, s) => d.logProbs.forEach((lp, i) => assert.ok(Math.abs(lp - reference[s]!.logProbs[i]!) < 1e-5, `state ${s} action ${i}`)));
  } finally {
    policy.usesSharedPrefix = true;
    policy.lora.setFlat(saved);
  }
});

test("the critic reads the frozen base: its values do not move with the adapter, and match the head on the last hidden state", async () => {
  const before = await policy.value(PROMPTS);
  const saved = await policy.lora.getFlat();
  policy.lora.setFlat(saved.map((_, i) => 0.2 * Math.sin(i)));
  const withAdapter = await policy.value(PROMPTS);
  policy.lora.setFlat(saved);
  assert.deepEqual(Array.from(withAdapter), Array.from(before));
  // By hand: last prompt token's final-norm hidden state through the head.
  const seq = policy.tokenizer.tokenize(PROMPTS[0]!, { addSpecial: true });
  const v = tf.tidy(() => {
    const { hidden } = policy.model.forward({ tokens: Int32Array.from(seq), batch: 1, length: seq.length });
    const last = tf.slice(tf.reshape(hidden, [seq.length, -1]), [seq.length - 1, 0], [1, -1]) as tfTypes.Tensor2D;
    return policy.valueHead.apply(last).dataSync()[0]!;
  });
  assert.ok(Math.abs(v - before[0]!) < 1e-5);
});

function batchOf(rng: Rng, n: number, logProbShift = 0): TwosomeBatch {
  const b: TwosomeBatch = { prompts: [], actionLists: [], actions: new Int32Array(n), logProbs: new Float32Array(n), advantages: new Float32Array(n), returns: new Float32Array(n), values: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const s = i % 2;
    b.prompts.push(PROMPTS[s]!);
    b.actionLists.push(ACTIONS[s]!);
    b.actions[i] = rng.integer(ACTIONS[s]!.length);
    b.logProbs[i] = Math.log(1 / ACTIONS[s]!.length) + logProbShift;
    b.advantages[i] = rng.normal();
    b.returns[i] = rng.normal();
  }
  return b;
}

const UPDATE = { policyLr: 1e-3, valueLr: 1e-3, policyMinibatchSize: 2, valueMinibatchSize: 4, accumulation: 2 };

test("PPO update: accumulation windows, a trailing partial window discarded, critic warm-up, target-KL stop", async () => {
  const rng = new Rng(8);
  const coef = { ...TWOSOME_PPO, targetKl: null };
  // 8 samples / minibatch 2 = 4 minibatches → 2 windows of 2 → 2 optimiser steps.
  let stats = await policy.ppoStep(batchOf(rng, 8), coef, UPDATE);
  assert.equal(stats.policyUpdates, 2);
  // 6 samples → 3 minibatches → 1 full window; the third minibatch's gradients are dropped, as in TWOSOME.
  stats = await policy.ppoStep(batchOf(rng, 6), coef, UPDATE);
  assert.equal(stats.policyUpdates, 1);
  // Critic warm-up: the LoRA weights stay, the value head moves.
  const lora = await policy.lora.getFlat();
  const head = await policy.valueHead.getFlat();
  stats = await policy.ppoStep(batchOf(rng, 8), coef, { ...UPDATE, criticOnly: true });
  assert.equal(stats.policyUpdates, 0);
  assert.deepEqual(await policy.lora.getFlat(), lora);
  assert.notDeepEqual(await policy.valueHead.getFlat(), head);
  // Old log-probs far from the current ones: the first window's approx_kl exceeds the target, nothing is applied.
  stats = await policy.ppoStep(batchOf(rng, 8, -1), { ...coef, targetKl: 0.02 }, UPDATE);
  assert.equal(stats.stoppedByKl, true);
  assert.equal(stats.policyUpdates, 0);
  assert.deepEqual(await policy.lora.getFlat(), lora);
  assert.ok(stats.approxKl > 0.02);
});

test("adapter state round-trips (LoRA, value head, both optimisers) and refuses another layout", async () => {
  const state = await policy.getAdapterState();
  const scores = await policy.scoreActions(PROMPTS, ACTIONS);
  await policy.ppoStep(batchOf(new Rng(1), 4), { ...TWOSOME_PPO, targetKl: null }, { ...UPDATE, accumulation: 1, policyLr: 1e-2 });
  assert.notDeepEqual((await policy.scoreActions(PROMPTS, ACTIONS))[0]!.logProbs, scores[0]!.logProbs);
  policy.setAdapterState(state);
  assert.deepEqual((await policy.scoreActions(PROMPTS, ACTIONS))[0]!.logProbs, scores[0]!.logProbs);
  assert.deepEqual(await policy.getAdapterState(), state);
  assert.throws(() => policy.setAdapterState({ ...state, layout: { ...state.layout, loraRank: 4 } }), /adapter state was made for .*"loraRank":4/);
});

test("bad input: an empty action, a sequence longer than the context, a bad action index", async () => {
  await assert.rejects(policy.scoreActions(["x"], [["go", ""]]), /action "" of prompt 0 is empty/);
  const long = "word ".repeat(600);
  await assert.rejects(policy.scoreActions([long], [["go"]]), /more than the context of 512/);
  const b = batchOf(new Rng(2), 2);
  b.actions[1] = 7;
  await assert.rejects(policy.ppoStep(b, TWOSOME_PPO, UPDATE), /batch\.actions\[1\] = 7 is not an index into its 2 actions/);
});

test("no tensor leak: the live tensor count is flat over many forwards and training steps", async () => {
  const rng = new Rng(6);
  const live = () => tf.memory().numTensors;
  await policy.scoreActions(PROMPTS, ACTIONS);
  await policy.ppoStep(batchOf(rng, 4), { ...TWOSOME_PPO, targetKl: null }, UPDATE);
  const start = live();
  for (let i = 0; i < 20; i++) {
    await policy.scoreActions(PROMPTS, ACTIONS);
    await policy.value(PROMPTS);
    if (i % 4 === 0) await policy.ppoStep(batchOf(rng, 4), { ...TWOSOME_PPO, targetKl: null }, UPDATE);
  }
  await policy.ppoStep(batchOf(rng, 8, -1), { ...TWOSOME_PPO, targetKl: 0.02 }, UPDATE); // the target-KL exit path too
  assert.equal(live(), start);
  const p = await TwosomePolicy.load({ tf, model: modelPath });
  p.dispose();
  assert.equal(live(), start, "a policy disposes everything it created");
});
