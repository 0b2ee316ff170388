/**
 * The transformer's pieces on hand-computed numbers (RoPE rotation and angles in both layouts,
 * the attention mask) and its invariances on a tiny qwen2 GGUF: a right-padded batch equals each
 * row alone, a forward continued from a key/value cache equals the whole forward. Equality with
 * llama.cpp itself is in test/integration/llm-policy-parity.test.ts.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as tfTypes from "@tensorflow/tfjs-core";
import { loadTfjs } from "../../../runtime/src/backends/select.js";
import { attentionMask, ropeRotationMatrix, ropeTables, Transformer } from "../../../runtime/src/llm-policy/transformer.js";
import { readGgufHeader } from "../../../runtime/src/llm-policy/gguf.js";
import { modelConfigFromGguf } from "../../../runtime/src/llm-policy/model-config.js";
import { f32Bytes, writeGguf } from "./gguf-writer.js";
import { TINY_QWEN2, writeTinyQwen2 } from "./tiny-qwen2.js";

const matVec = (r: Float32Array, x: number[]) => x.map((_, j) => x.reduce((s, xi, i) => s + xi * r[i * x.length + j]!, 0));

test("RoPE rotation: adjacent pairs for llama's normal layout, halves for neox, unrotated tail", () => {
  const x = [1, 2, 3, 4];
  assert.deepEqual(matVec(ropeRotationMatrix({ headDim: 4, nRot: 4, ropeLayout: "normal" }), x), [-2, 1, -4, 3]);
  assert.deepEqual(matVec(ropeRotationMatrix({ headDim: 4, nRot: 4, ropeLayout: "neox" }), x), [-3, -4, 1, 2]);
  assert.deepEqual(matVec(ropeRotationMatrix({ headDim: 4, nRot: 2, ropeLayout: "normal" }), x), [-2, 1, 0, 0]);
});

test("RoPE angles: θ = p · base^(−2i/nRot), per pair, from each row's start position", () => {
  const cfg = { headDim: 4, nRot: 4, ropeBase: 10000, ropeFreqScale: 1 };
  // Row 0 starts at 0, row 1 at 2; one position each. Pair 0 turns by p, pair 1 by p/100.
  const normal = ropeTables({ ...cfg, ropeLayout: "normal" }, Int32Array.from([0, 2]), 1);
  const f = Math.fround;
  assert.deepEqual(Array.from(normal.cos), [1, 1, 1, 1, f(Math.cos(2)), f(Math.cos(2)), f(Math.cos(0.02)), f(Math.cos(0.02))]);
  assert.deepEqual(Array.from(normal.sin.subarray(4)), [f(Math.sin(2)), f(Math.sin(2)), f(Math.sin(0.02)), f(Math.sin(0.02))]);
  const neox = ropeTables({ ...cfg, ropeLayout: "neox" }, Int32Array.from([2]), 1);
  assert.deepEqual(Array.from(neox.cos), [f(Math.cos(2)), f(Math.cos(0.02)), f(Math.cos(2)), f(Math.cos(0.02))]);
  // Linear scaling (factor 4) and llama3's per-pair frequency divisors.
  const scaled = ropeTables({ ...cfg, ropeFreqScale: 0.25, ropeLayout: "normal" }, Int32Array.from([2]), 1, Float32Array.from([1, 2]));
  assert.deepEqual(Array.from(scaled.sin), [f(Math.sin(0.5)), f(Math.sin(0.5)), f(Math.sin(0.0025)), f(Math.sin(0.0025))]);
});

test("attention mask: causal within the row, padding masked, cached positions by their row's length", () => {
  const N = -1e9;
  // One row of 2 tokens (1 real) after a cache of 2 positions of which 1 is valid; 2 query heads per key head.
  const m = attentionMask(1, 2, 2, 2, Int32Array.from([1]), Int32Array.from([1]), Int32Array.from([0]));
  // Every (t, g) row: cached [valid, padding], own [real, padding or future] → [0, N, 0, N].
  assert.deepEqual(Array.from(m), [0, N, 0, N, 0, N, 0, N, 0, N, 0, N, 0, N, 0, N]);
  const plain = attentionMask(1, 3, 1, 0, Int32Array.from([3]), null, Int32Array.from([0]));
  assert.deepEqual(Array.from(plain), [0, N, N, 0, 0, N, 0, 0, 0]);
});

let tf: typeof tfTypes;
let model: Transformer;

before(async () => {
  tf = await loadTfjs("wasm");
  model = await Transformer.load(tf, writeTinyQwen2().path);
});
after(() => model?.dispose());

function hiddenOf(tokens: number[][], lengths?: number[]): Float32Array[] {
  const T = Math.max(...tokens.map((t) => t.length));
  const flat = new Int32Array(tokens.length * T);
  tokens.forEach((t, i) => flat.set(t, i * T));
  const h = tf.tidy(() => model.forward({ tokens: flat, batch: tokens.length, length: T, lengths: Int32Array.from(lengths ?? tokens.map((t) => t.length)) }).hidden);
  const data = h.dataSync() as Float32Array;
  h.dispose();
  const D = model.config.nEmbd;
  return tokens.map((t, i) => data.slice(i * T * D, (i * T + t.length) * D));
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

test("qwen2 GGUF: config read as llama.cpp reads it (neox RoPE, GQA, tied output)", () => {
  const c = model.config;
  assert.equal(c.architecture, "qwen2");
  assert.equal(c.ropeLayout, "neox");
  assert.equal(c.nHead / c.nHeadKv, TINY_QWEN2.nHead / TINY_QWEN2.nHeadKv);
  assert.equal(c.ropeBase, TINY_QWEN2.ropeBase);
  assert.equal(model.weights.output, model.weights.tokenEmbedding);
  assert.ok(model.weights.layers[0]!.bqkv, "q/k/v biases loaded");
});

test("a right-padded batch gives each row what it gives alone", () => {
  const a = [5, 17, 99, 3, 42, 8, 250];
  const b = [7, 300, 11];
  const [ha, hb] = hiddenOf([a, b]);
  const [aloneA] = hiddenOf([a]);
  const [aloneB] = hiddenOf([b]);
  assert.ok(maxDiff(ha!, aloneA!) < 1e-5, `row a: ${maxDiff(ha!, aloneA!)}`);
  assert.ok(maxDiff(hb!, aloneB!) < 1e-5, `row b: ${maxDiff(hb!, aloneB!)}`);
});

test("continuing from a key/value cache equals the whole forward, also with one cache row shared by several rows", () => {
  const prefix = [5, 17, 99, 3];
  const suffixes = [
    [42, 8, 250],
    [6, 7],
  ];
  const D = model.config.nEmbd;
  const out = tf.tidy(() => {
    const { cache } = model.forward({ tokens: Int32Array.from(prefix), batch: 1, length: 4, keepCache: true });
    const T = 3;
    const tokens = new Int32Array(2 * T);
    suffixes.forEach((s, i) => tokens.set(s, i * T));
    return model.forward({ tokens, batch: 2, length: T, lengths: Int32Array.from([3, 2]), past: cache!, pastRow: Int32Array.from([0, 0]) }).hidden;
  });
  const data = out.dataSync() as Float32Array;
  out.dispose();
  suffixes.forEach((s, i) => {
    const [full] = hiddenOf([[...prefix, ...s]]);
    const want = full!.slice(prefix.length * D);
    const got = data.slice(i * 3 * D, (i * 3 + s.length) * D);
    assert.ok(maxDiff(got, want) < 1e-5, `suffix ${i}: ${maxDiff(got, want)}`);
  });
});

test("an unsupported architecture or tensor type is named in the error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-gguf-bad-"));
  const meta = (arch: string) => ({
    "general.architecture": { type: "string" as const, value: arch },
    [`${arch}.embedding_length`]: { type: "u32" as const, value: 32 },
    [`${arch}.block_count`]: { type: "u32" as const, value: 1 },
    [`${arch}.attention.head_count`]: { type: "u32" as const, value: 2 },
    [`${arch}.feed_forward_length`]: { type: "u32" as const, value: 64 },
    [`${arch}.context_length`]: { type: "u32" as const, value: 64 },
    [`${arch}.attention.layer_norm_rms_epsilon`]: { type: "f32" as const, value: 1e-5 },
  });
  const embd = { name: "token_embd.weight", shape: [32, 8], type: 0, data: f32Bytes(new Float32Array(256)) };
  writeGguf(join(dir, "gpt2.gguf"), meta("gpt2"), [embd]);
  const gpt2 = await readGgufHeader(join(dir, "gpt2.gguf"));
  assert.throws(() => modelConfigFromGguf(gpt2), /architecture 'gpt2' is not supported \(supported: llama, qwen2\)/);
  // IQ4_XS (ggml type 23): 136 bytes per 256 weights.
  writeGguf(join(dir, "iq4.gguf"), meta("llama"), [embd, { name: "blk.0.attn_q.weight", shape: [256, 1], type: 23, data: new Uint8Array(136) }]);
  await assert.rejects(async () => modelConfigFromGguf(await readGgufHeader(join(dir, "iq4.gguf"))), /tensor blk\.0\.attn_q\.weight has type IQ4_XS, which RL Studio cannot dequantise/);
  rmSync(dir, { recursive: true, force: true });
});
