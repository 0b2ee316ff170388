/**
 * The TensorFlow.js transformer against llama.cpp (node-llama-cpp) on the same token sequences:
 * at every position of each sequence, the next-token log-probabilities over the WHOLE vocabulary.
 * llama.cpp's side: `LlamaContextSequence.controlledEvaluate` with `generateNext.logits: true`
 * (all raw logits; log-softmax taken here in float64) and `generateNext.probabilities: true` with
 * sampling options that leave the distribution untouched (temperature 1, topK 0, topP 1, minP 0),
 * whose logarithm is compared too. The context keeps keys and values in F32 without flash
 * attention, so the comparison is of the arithmetic, not of llama.cpp's default F16 KV-cache
 * rounding (which alone moves log-probs by ~1e-2 on stories260K; reported as a diagnostic).
 *
 * Also: TWOSOME's action scores from the policy (shared-prefix layout, zero-initialised adapter)
 * equal the sums of llama.cpp's log-probabilities of the action tokens; and for each quantisation
 * type, a tiny qwen2 whose token embedding is stored in that type (everything else F32, output
 * untied) gives the same log-probabilities, i.e. our dequantisation equals llama.cpp's
 * dequantize_row_* (its embedding lookup dequantises the rows exactly; its quantised matmuls would
 * quantise the activations too, so the matrices stay F32 here).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type * as L from "node-llama-cpp" with { "resolution-mode": "import" };
import type * as tfTypes from "@tensorflow/tfjs-core";
import { loadTfjs } from "../../runtime/src/backends/select.js";
import { TwosomePolicy } from "../../runtime/src/llm-policy/policy.js";
import { TWOSOME_ACTIONS, TWOSOME_SENTENCES } from "../unit/llm-policy/tokenizer-corpus.js";
import { writeTinyQwen2 } from "../unit/llm-policy/tiny-qwen2.js";
import { GgmlType } from "../../runtime/src/llm-policy/dequantize.js";
import { requireTestModel } from "../test-model.mjs";
import { requireNodeLlamaCpp, withLlamaModel } from "./llm-policy-llama.js";

const TOLERANCE = 1e-3;

const TEXTS = [
  TWOSOME_SENTENCES.slice(0, 6).join(" ") + " " + TWOSOME_ACTIONS[4],
  "Once upon a time, there was a little girl named Lily. She liked to play in the park with her dog, Max!",
  TWOSOME_SENTENCES[8] + " " + TWOSOME_SENTENCES[9] + " " + TWOSOME_ACTIONS[21],
  "pick up the tomato",
];

/** llama.cpp's log-softmax (from raw logits) and log-probabilities at every position of `tokens`. */
async function llamaLogProbs(model: L.LlamaModel, tokens: number[], kv: "F32" | "F16"): Promise<{ fromLogits: Float64Array[]; fromProbabilities: Float64Array[] }> {
  const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1, flashAttention: kv === "F16" ? "auto" : false, experimentalKvCacheKeyType: kv, experimentalKvCacheValueType: kv });
  try {
    const sequence = context.getSequence();
    try {
      const options = { temperature: 1, topK: 0, topP: 1, minP: 0 };
      const results = await sequence.controlledEvaluate(tokens.map((t) => [t as L.Token, { generateNext: { logits: true, probabilities: true, options } }]));
      const fromLogits: Float64Array[] = [];
      const fromProbabilities: Float64Array[] = [];
      for (let i = 0; i < tokens.length; i++) {
        const next = results[i]?.next;
        if (!next?.logits || !next.probabilities) throw new Error(`llama.cpp returned no distribution at position ${i}`);
        const n = next.logits.size;
        const logits = new Float64Array(n);
        for (const [k, v] of next.logits) logits[k] = v;
        let max = -Infinity;
        for (const v of logits) max = Math.max(max, v);
        let sum = 0;
        for (const v of logits) sum += Math.exp(v - max);
        const lse = max + Math.log(sum);
        fromLogits.push(logits.map((v) => v - lse));
        const lp = new Float64Array(n).fill(-Infinity);
        for (const [k, p] of next.probabilities) lp[k] = Math.log(p);
        fromProbabilities.push(lp);
      }
      return { fromLogits, fromProbabilities };
    } finally {
      await sequence.dispose();
    }
  } finally {
    await context.dispose();
  }
}

async function compare(path: string, t: { diagnostic: (m: string) => void }, options: { texts?: string[]; extras?: boolean } = {}): Promise<void> {
  const texts = options.texts ?? TEXTS;
  const extras = options.extras ?? true;
  const tf: typeof tfTypes = await loadTfjs("wasm");
  const policy = await TwosomePolicy.load({ tf, model: path, normalization: "none" });
  try {
    await withLlamaModel(path, async (model) => {
      let worstLogits = 0;
      let worstProbabilities = 0;
      let worstF16 = 0;
      let positions = 0;
      for (const text of texts) {
        const tokens = policy.tokenizer.tokenize(text, { addSpecial: true });
        const ours = tf.tidy(() => {
          const { hidden } = policy.model.forward({ tokens: Int32Array.from(tokens), batch: 1, length: tokens.length });
          return tf.logSoftmax(policy.model.logits(tf.reshape(hidden, [tokens.length, -1]) as tfTypes.Tensor2D));
        });
        const rows = ours.arraySync() as number[][];
        ours.dispose();
        const ref = await llamaLogProbs(model, tokens, "F32");
        const f16 = extras ? await llamaLogProbs(model, tokens, "F16") : null;
        for (let i = 0; i < tokens.length; i++) {
          const row = rows[i]!;
          assert.equal(ref.fromLogits[i]!.length, row.length, "llama.cpp returned the whole vocabulary");
          for (let k = 0; k < row.length; k++) {
            worstLogits = Math.max(worstLogits, Math.abs(row[k]! - ref.fromLogits[i]![k]!));
            worstProbabilities = Math.max(worstProbabilities, Math.abs(row[k]! - ref.fromProbabilities[i]![k]!));
            if (f16) worstF16 = Math.max(worstF16, Math.abs(row[k]! - f16.fromLogits[i]![k]!));
          }
        }
        positions += tokens.length;
      }
      t.diagnostic(
        `${texts.length} sequences, ${positions} positions × ${policy.config.nVocab} tokens: max |Δ log p| ${worstLogits.toExponential(2)} (from logits), ${worstProbabilities.toExponential(2)} (from probabilities)` +
          (extras ? `; llama.cpp's default F16 KV cache: ${worstF16.toExponential(2)}` : ""),
      );
      assert.ok(worstLogits < TOLERANCE, `max |Δ log p| from logits ${worstLogits}`);
      assert.ok(worstProbabilities < TOLERANCE, `max |Δ log p| from probabilities ${worstProbabilities}`);
      if (!extras) return;

      // Action scores: Σ llama.cpp log p(action tokens | prompt) = the policy's unnormalised score.
      const prompt = `${TWOSOME_SENTENCES[0]} ${TWOSOME_SENTENCES[1]} ${TWOSOME_SENTENCES[6]}`;
      const actions = TWOSOME_ACTIONS.slice(0, 8);
      const [dist] = await policy.scoreActions([prompt], [actions]);
      let worstScore = 0;
      for (let a = 0; a < actions.length; a++) {
        const seq = policy.tokenizer.tokenize(`${prompt} ${actions[a]}`, { addSpecial: true });
        const n = dist!.tokenCounts[a]!;
        const ref = await llamaLogProbs(model, seq, "F32");
        let sum = 0;
        for (let k = seq.length - n; k < seq.length; k++) sum += ref.fromLogits[k - 1]![seq[k]!]!;
        worstScore = Math.max(worstScore, Math.abs(sum - dist!.scores[a]!));
      }
      t.diagnostic(`${actions.length} action scores (Σ log p of the action tokens): max |Δ| ${worstScore.toExponential(2)}`);
      assert.ok(worstScore < TOLERANCE * 4, `action score difference ${worstScore}`);
    });
  } finally {
    policy.dispose();
  }
}

test("stories260K (llama): next-token log-probabilities equal llama.cpp's over the whole vocabulary", async (t) => {
  const model = requireTestModel(t);
  if (!model || !requireNodeLlamaCpp(t)) return;
  await compare(model, t);
});

test("tiny qwen2 (neox RoPE, q/k/v biases, tied output): next-token log-probabilities equal llama.cpp's", async (t) => {
  if (!requireNodeLlamaCpp(t)) return;
  await compare(writeTinyQwen2().path, t);
});

for (const type of ["F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"] as const) {
  test(`${type} token embedding: our dequantisation gives llama.cpp's log-probabilities`, async (t) => {
    if (!requireNodeLlamaCpp(t)) return;
    await compare(writeTinyQwen2({ embeddingType: GgmlType[type] }).path, t, { texts: TEXTS.slice(1, 2), extras: false });
  });
}
