/**
 * LoRA: PEFT's initialisation (B = 0, so the adapted model starts as the base; A within ±1/√in),
 * configuration errors, and the analytic gradients of the policy's log-probabilities with respect
 * to every A and B against central finite differences on a tiny qwen2 (float32: step 0.03, agreement
 * within 1e-3 absolute where the largest gradient is of order 1; measured error ≈ 1.3e-4), through
 * both the products made for training and tfjs's own.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type * as tfTypes from "@tensorflow/tfjs-core";
import { loadTfjs } from "../../../runtime/src/backends/select.js";
import { LoraAdapter, validateLoraConfig } from "../../../runtime/src/llm-policy/lora.js";
import { TwosomePolicy } from "../../../runtime/src/llm-policy/policy.js";
import { planActionBatch } from "../../../runtime/src/llm-policy/scoring.js";
import { Rng } from "../../../runtime/src/rng.js";
import { writeTinyQwen2 } from "./tiny-qwen2.js";

let tf: typeof tfTypes;
let policy: TwosomePolicy;

before(async () => {
  tf = await loadTfjs("wasm");
  policy = await TwosomePolicy.load({ tf, model: writeTinyQwen2().path, normalization: "token", lora: { rank: 2, alpha: 4, targets: ["q", "k", "v"] } });
});
after(() => policy?.dispose());

test("configuration errors name the field", () => {
  const ok = { rank: 8, alpha: 16, dropout: 0, targets: ["q", "v"] as ("q" | "v")[] };
  assert.throws(() => validateLoraConfig({ ...ok, rank: 0 }), /lora\.rank must be a positive integer, got 0/);
  assert.throws(() => validateLoraConfig({ ...ok, alpha: -1 }), /lora\.alpha must be positive/);
  assert.throws(() => validateLoraConfig({ ...ok, dropout: 1 }), /lora\.dropout must be in \[0, 1\)/);
  assert.throws(() => validateLoraConfig({ ...ok, targets: ["o" as "q"] }), /lora\.targets: unknown projection 'o'/);
  assert.throws(() => validateLoraConfig({ ...ok, targets: [] }), /at least one projection/);
});

test("PEFT initialisation: A uniform within ±1/√n_embd, B zero; scale α/r", async () => {
  const adapter = new LoraAdapter(tf, policy.config, { rank: 4, alpha: 16, dropout: 0, targets: ["q", "v"] }, new Rng(1));
  assert.equal(adapter.scale, 4);
  assert.equal(adapter.variables.length, policy.config.nLayer * 2 * 2);
  const bound = 1 / Math.sqrt(policy.config.nEmbd);
  const [a, b] = [adapter.variables[0]!.dataSync(), adapter.variables[1]!.dataSync()];
  assert.ok(a.every((x) => Math.abs(x) <= bound) && a.some((x) => Math.abs(x) > bound / 2));
  assert.ok(b.every((x) => x === 0));
  adapter.dispose();
});

for (const gradients of [true, false]) {
  // true: the products made for training (on wasm, custom gradients over explicit transposes; matmul.ts); false: tfjs's own.
  test(`LoRA gradients of log π agree with central finite differences on every A and B (${gradients ? "training products" : "tfjs products"})`, async () => {
    const rng = new Rng(9);
    const flat = await policy.lora.getFlat();
    for (let i = 0; i < flat.length; i++) flat[i] = 0.05 * rng.normal(); // B ≠ 0, so A has gradients too
    policy.lora.setFlat(flat);
    const plan = planActionBatch(policy.tokenizer, ["pick up the", "You notice a tomato"], [["tomato", "bowl now"], ["on the table", "here"]], { contextLength: 512 });
    const objective = () => tf.sum(tf.mul(policy.logPolicy(plan, gradients).logPi, tf.tensor2d([1, 0, 0, 1], [2, 2]))) as tfTypes.Scalar;
    const { value, grads } = tf.variableGrads(objective, policy.lora.variables);
    value.dispose();
    const analytic = new Float32Array(flat.length);
    const starts: number[] = [];
    let at = 0;
    for (const v of policy.lora.variables) {
      starts.push(at);
      analytic.set(grads[v.name]!.dataSync() as Float32Array, at);
      grads[v.name]!.dispose();
      at += v.size;
    }
    const lossAt = (x: Float32Array) => {
      policy.lora.setFlat(x);
      return tf.tidy(() => objective().dataSync()[0]!);
    };
    const h = 0.03;
    let worst = 0;
    let largest = 0;
    // Three entries of every A and B matrix (every layer, every target).
    policy.lora.variables.forEach((v, k) => {
      for (let j = 0; j < 3; j++) {
        const i = starts[k]! + rng.integer(v.size);
        const x = Float32Array.from(flat);
        x[i] = flat[i]! + h;
        const up = lossAt(x);
        x[i] = flat[i]! - h;
        const down = lossAt(x);
        const numeric = (up - down) / (2 * h);
        worst = Math.max(worst, Math.abs(numeric - analytic[i]!));
        largest = Math.max(largest, Math.abs(numeric));
      }
    });
    policy.lora.setFlat(flat);
    assert.ok(largest > 0.05, `the checked gradients are not all tiny (largest ${largest})`);
    assert.ok(worst < 1e-3, `worst |finite difference − analytic| = ${worst}`);
  });
}
