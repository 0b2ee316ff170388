/**
 * A decoder-only transformer (llama / qwen2) in TensorFlow.js, built from a GGUF file, computing
 * what llama.cpp's graphs compute (src/models/llama.cpp, qwen2.cpp): token embedding; per layer
 * x += Wo·attention(RoPE(Wq·n(x)+bq), RoPE(Wk·n(x)+bk), Wv·n(x)+bv) with n = RMSNorm, grouped-query
 * attention (query head h reads key/value head ⌊h / (n_head/n_head_kv)⌋) and causal masking, then
 * x += W_down·(SiLU(W_gate·n(x)) ⊙ W_up·n(x)); a final RMSNorm; logits = W_out·x (+ b_out), W_out
 * being token_embd when the file has no output.weight.
 *
 * The frozen weights are uploaded once as plain tensors (never tf.Variables, so no gradient is
 * ever taken for them); q/k/v and gate/up are each fused into one matrix at load to halve the op
 * count. A forward over a right-padded batch takes per-row lengths; a forward may continue from a
 * key/value cache of an earlier forward (shared prompt prefixes), gradients flowing through it.
 * Every op is differentiable on every tfjs backend the runtime uses (no gather on a gradient path:
 * tfjs-wasm has no UnsortedSegmentSum, gather's gradient, so row selections are one-hot matMuls).
 */
import type * as tfTypes from "@tensorflow/tfjs-core";
import { GgufTensorReader, readGgufHeader, type GgufFile } from "./gguf.js";
import { modelConfigFromGguf, type ModelConfig } from "./model-config.js";
import { matMulsFor, type MatMuls } from "./matmul.js";

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type Tensor2D = tfTypes.Tensor2D;

export interface LayerWeights {
  attnNorm: tfTypes.Tensor1D;
  /** [nEmbd, q + k + v widths], input-major (x · W). */
  wqkv: Tensor2D;
  bqkv: tfTypes.Tensor1D | null;
  wo: Tensor2D;
  bo: tfTypes.Tensor1D | null;
  ffnNorm: tfTypes.Tensor1D;
  /** [nEmbd, 2·nFf]: gate then up. */
  wGateUp: Tensor2D;
  wDown: Tensor2D;
}

export interface TransformerWeights {
  /** [nVocab, nEmbd]. */
  tokenEmbedding: Tensor2D;
  layers: LayerWeights[];
  outputNorm: tfTypes.Tensor1D;
  /** [nVocab, nEmbd] (the token embedding itself when tied). */
  output: Tensor2D;
  outputBias: tfTypes.Tensor1D | null;
  /** llama3's rope_freqs: per rotated pair, the divisor of its frequency. */
  ropeFreqFactors: Float32Array | null;
}

/** What a forward adds to the q, k and v projections (LoRA); see lora.ts. */
export interface ProjectionAdapter {
  /** Extra q, k or v for layer `layer` from the attention's normalised input x [N, nEmbd], with the forward's products. */
  delta(layer: number, x: Tensor2D, mm: MatMuls): Partial<Record<"q" | "k" | "v", Tensor2D>>;
}

/** Keys (after RoPE) and values of every layer for a batch of sequences: [batch, nHeadKv, length, headDim]. */
export interface KvCache {
  keys: Tensor[];
  values: Tensor[];
  /** Valid positions per row (the rest is padding). */
  lengths: Int32Array;
  length: number;
}

export interface ForwardInput {
  /** Token ids, row-major [batch, length]; positions past a row's length are padding. */
  tokens: Int32Array;
  batch: number;
  length: number;
  /** Real tokens per row (default: all). */
  lengths?: Int32Array;
  /** Continue from this cache: row r attends to cache row `pastRow[r]` (its valid positions), and its tokens start at that row's cached length. */
  past?: KvCache;
  pastRow?: Int32Array;
  adapter?: ProjectionAdapter | null;
  /** Return this forward's keys and values (to continue from). */
  keepCache?: boolean;
  /** A gradient will be taken through this forward (picks products that are fast backwards; matmul.ts). */
  gradients?: boolean;
}

export interface ForwardOutput {
  /** Final-norm hidden states [batch, length, nEmbd] (llama.cpp's result_norm). */
  hidden: tfTypes.Tensor3D;
  cache?: KvCache;
}

const NEG = -1e9;

export interface LoadOptions {
  signal?: AbortSignal;
  /** Called after each group of tensors is uploaded: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export class Transformer {
  private disposed = false;
  /** Per-head RoPE rotation: x·R gives the partner of each rotated dimension with its sign. */
  private readonly rotation: Tensor2D;
  /** Products shaped for the backend (matmul.ts), for forwards without and with gradients. */
  private readonly mmInference: MatMuls;
  private readonly mmTraining: MatMuls;
  /** On wasm, W_out transposed to [nEmbd, nVocab], so the logits are a 2-D product without transposes. */
  private readonly outputInputMajor: Tensor2D | null;

  constructor(
    readonly tf: Tf,
    readonly config: ModelConfig,
    readonly weights: TransformerWeights,
  ) {
    this.rotation = tf.tensor2d(ropeRotationMatrix(config), [config.headDim, config.headDim]);
    this.mmInference = matMulsFor(tf, false);
    this.mmTraining = matMulsFor(tf, true);
    this.outputInputMajor = tf.getBackend() === "wasm" ? (tf.transpose(weights.output) as Tensor2D) : null;
  }

  /** Loads `path` (llama or qwen2 GGUF) onto the active tfjs backend. */
  static async load(tf: Tf, path: string, options: LoadOptions = {}): Promise<Transformer> {
    return Transformer.fromGguf(tf, await readGgufHeader(path), options);
  }

  /** Builds the transformer of an already parsed GGUF file, reading its tensors. */
  static async fromGguf(tf: Tf, file: GgufFile, options: LoadOptions = {}): Promise<Transformer> {
    const config = modelConfigFromGguf(file);
    const weights = await uploadWeights(tf, file, config, options);
    return new Transformer(tf, config, weights);
  }

  /** Runs the layers; returns the final-norm hidden states (and the cache when asked). Call inside tf.tidy or dispose the result. */
  forward(input: ForwardInput): ForwardOutput {
    this.checkLive();
    const { tf, config, weights } = this;
    const { batch: B, length: T, tokens } = input;
    if (tokens.length !== B * T) throw new RangeError(`forward: ${tokens.length} tokens for a [${B}, ${T}] batch`);
    const lengths = input.lengths ?? new Int32Array(B).fill(T);
    const past = input.past;
    const pastRow = input.pastRow ?? new Int32Array(B).map((_, i) => (past && past.lengths.length === 1 ? 0 : i));
    const S = past?.length ?? 0;
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i]! < 0 || tokens[i]! >= config.nVocab) throw new RangeError(`forward: token id ${tokens[i]} outside the vocabulary (0–${config.nVocab - 1})`);
    }
    const startPos = Int32Array.from({ length: B }, (_, r) => (past ? past.lengths[pastRow[r]!]! : 0));
    const { nHead, nHeadKv, headDim } = config;
    const mm = input.gradients ? this.mmTraining : this.mmInference;
    const G = nHead / nHeadKv;
    const dq = nHead * headDim;
    const dkv = nHeadKv * headDim;
    const { cos, sin } = this.ropeTables(startPos, T);
    // The attention scale folded into the queries' RoPE (RoPE is linear): one multiply of [B, T, 1, hd]
    // instead of one over every [B, heads, T, S + T] score.
    const cosQ = tf.mul(cos, config.attentionScale);
    const sinQ = tf.mul(sin, config.attentionScale);
    const mask = tf.tensor4d(attentionMask(B, T, G, S, lengths, past?.lengths ?? null, pastRow), [B, 1, T * G, S + T]);
    // Rows of the cache each batch row reads, as a one-hot [B, cacheBatch] matrix (see the header).
    const pastSelect = past ? oneHotRows(tf, pastRow, past.lengths.length) : null;
    let x: Tensor2D = tf.gather(weights.tokenEmbedding, tf.tensor1d(tokens, "int32"));
    const keys: Tensor[] = [];
    const values: Tensor[] = [];
    for (let l = 0; l < config.nLayer; l++) {
      const w = weights.layers[l]!;
      const h = this.rmsNorm(x, w.attnNorm);
      let qkv = mm.frozen(h, w.wqkv);
      if (w.bqkv) qkv = tf.add(qkv, w.bqkv);
      let [q, k, v] = tf.split(qkv, [dq, dkv, dkv], 1) as [Tensor2D, Tensor2D, Tensor2D];
      const delta = input.adapter?.delta(l, h, mm);
      if (delta?.q) q = tf.add(q, delta.q);
      if (delta?.k) k = tf.add(k, delta.k);
      if (delta?.v) v = tf.add(v, delta.v);
      const qr = this.rope(q, B, T, nHead, cosQ, sinQ, mm);
      const kr = this.rope(k, B, T, nHeadKv, cos, sin, mm);
      // [B, T, Hkv, hd] → [B, Hkv, T, hd]
      let kh: Tensor = tf.transpose(tf.reshape(kr, [B, T, nHeadKv, headDim]), [0, 2, 1, 3]);
      let vh: Tensor = tf.transpose(tf.reshape(v, [B, T, nHeadKv, headDim]), [0, 2, 1, 3]);
      if (input.keepCache) {
        keys.push(kh);
        values.push(vh);
      }
      if (past && pastSelect) {
        const pick = (t: Tensor) => tf.reshape(tf.matMul(pastSelect, tf.reshape(t, [past.lengths.length, -1])), [B, nHeadKv, S, headDim]);
        kh = tf.concat([pick(past.keys[l]!), kh], 2);
        vh = tf.concat([pick(past.values[l]!), vh], 2);
      }
      // Queries grouped by their key/value head, rows ordered (t, g): [B·Hkv, T·G, hd].
      const n = B * nHeadKv;
      const width = S + T;
      const qh = tf.reshape(tf.transpose(tf.reshape(qr, [B, T, nHeadKv, G * headDim]), [0, 2, 1, 3]), [n, T * G, headDim]) as tfTypes.Tensor3D;
      const scores = tf.add(tf.reshape(mm.productTransposed(qh, tf.reshape(kh, [n, width, headDim]) as tfTypes.Tensor3D), [B, nHeadKv, T * G, width]), mask);
      const probs = tf.reshape(tf.softmax(scores), [n, T * G, width]) as tfTypes.Tensor3D;
      const attn = mm.batched(probs, tf.reshape(vh, [n, width, headDim]) as tfTypes.Tensor3D); // [B·Hkv, T·G, hd]
      const merged = tf.reshape(tf.transpose(tf.reshape(attn, [B, nHeadKv, T, G * headDim]), [0, 2, 1, 3]), [B * T, dq]) as Tensor2D;
      let out = mm.frozen(merged, w.wo);
      if (w.bo) out = tf.add(out, w.bo);
      x = tf.add(x, out);
      const f = this.rmsNorm(x, w.ffnNorm);
      const [gate, up] = tf.split(mm.frozen(f, w.wGateUp), 2, 1) as [Tensor2D, Tensor2D];
      x = tf.add(x, mm.frozen(tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as Tensor2D, w.wDown));
    }
    const hidden = tf.reshape(this.rmsNorm(x, weights.outputNorm), [B, T, config.nEmbd]) as tfTypes.Tensor3D;
    if (!input.keepCache) return { hidden };
    return { hidden, cache: { keys, values, lengths: Int32Array.from(lengths), length: T } };
  }

  /** Logits [N, nVocab] of hidden rows [N, nEmbd]. */
  logits(hidden: Tensor2D): Tensor2D {
    const { tf, weights } = this;
    // A frozen product either way: under a gradient, custom-grad's transpose of W_out is what makes dh 2-D.
    const z: Tensor2D = this.outputInputMajor ? this.mmTraining.frozen(hidden, this.outputInputMajor) : tf.matMul(hidden, weights.output, false, true);
    return weights.outputBias ? (tf.add(z, weights.outputBias) as Tensor2D) : z;
  }

  /**
   * log P(target_i | hidden_i) for rows of hidden [N, nEmbd]: logit(target) − logsumexp(logits).
   * The target logit comes from the target's output row, so no [N, nVocab] one-hot is built.
   */
  tokenLogProbs(hidden: Tensor2D, targets: Int32Array): tfTypes.Tensor1D {
    const { tf, weights } = this;
    const idx = tf.tensor1d(targets, "int32");
    let target = tf.sum(tf.mul(hidden, tf.gather(weights.output, idx)), 1);
    if (weights.outputBias) target = tf.add(target, tf.gather(weights.outputBias, idx));
    return tf.sub(target, tf.logSumExp(this.logits(hidden), 1)) as tfTypes.Tensor1D;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const w = this.weights;
    const all: (Tensor | null)[] = [w.tokenEmbedding, w.outputNorm, w.outputBias, this.rotation, this.outputInputMajor];
    if (w.output !== w.tokenEmbedding) all.push(w.output);
    for (const l of w.layers) all.push(l.attnNorm, l.wqkv, l.bqkv, l.wo, l.bo, l.ffnNorm, l.wGateUp, l.wDown);
    for (const t of all) t?.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private checkLive(): void {
    if (this.disposed) throw new Error("the transformer was disposed");
  }

  private rmsNorm(x: Tensor2D, weight: tfTypes.Tensor1D): Tensor2D {
    const { tf } = this;
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, this.config.rmsEps))), weight);
  }

  /** RoPE as x·cos + (x·R)·sin per head, with cos/sin [B, T, 1, hd] per row and position. */
  private rope(x: Tensor2D, B: number, T: number, heads: number, cos: Tensor, sin: Tensor, mm: MatMuls): Tensor {
    const { tf, config } = this;
    const flat = tf.reshape(x, [B * T * heads, config.headDim]) as Tensor2D;
    const rotated = tf.reshape(mm.frozen(flat, this.rotation), [B, T, heads, config.headDim]);
    return tf.add(tf.mul(tf.reshape(x, [B, T, heads, config.headDim]), cos), tf.mul(rotated, sin));
  }

  private ropeTables(startPos: Int32Array, T: number): { cos: Tensor; sin: Tensor } {
    const { cos, sin } = ropeTables(this.config, startPos, T, this.weights.ropeFreqFactors);
    const shape: [number, number, number, number] = [startPos.length, T, 1, this.config.headDim];
    return { cos: this.tf.tensor4d(cos, shape), sin: this.tf.tensor4d(sin, shape) };
  }
}

/** A [indices.length, depth] float matrix with a 1 at (i, indices[i]): row selection by matMul. */
export function oneHotRows(tf: Tf, indices: ArrayLike<number>, depth: number): Tensor2D {
  const m = new Float32Array(indices.length * depth);
  for (let i = 0; i < indices.length; i++) m[i * depth + indices[i]!] = 1;
  return tf.tensor2d(m, [indices.length, depth]);
}

/**
 * R with (x·R)[i] = the value rotated into dimension i: for each rotated pair (a, b),
 * (x·R)[a] = −x[b], (x·R)[b] = x[a]; pairs are (2i, 2i+1) for "normal" and (i, i + nRot/2) for "neox"
 * (ggml's rope modes); dimensions past nRot are not rotated.
 */
export function ropeRotationMatrix(config: Pick<ModelConfig, "headDim" | "nRot" | "ropeLayout">): Float32Array {
  const { headDim: d, nRot } = config;
  const r = new Float32Array(d * d);
  for (let i = 0; i < nRot / 2; i++) {
    const [a, b] = ropePair(config, i);
    r[b * d + a] = -1; // out[a] += -x[b]
    r[a * d + b] = 1; // out[b] += x[a]
  }
  return r;
}

function ropePair(config: Pick<ModelConfig, "nRot" | "ropeLayout">, i: number): [number, number] {
  return config.ropeLayout === "normal" ? [2 * i, 2 * i + 1] : [i, i + config.nRot / 2];
}

/**
 * cos/sin per row, position and head dimension ([rows, T, headDim] row-major): pair i at position p
 * turns by θ = p · freqScale · base^(−2i/nRot) / freqFactor[i] (ggml_rope_cache_init with no YaRN);
 * unrotated dimensions get cos 1, sin 0.
 */
export function ropeTables(
  config: Pick<ModelConfig, "headDim" | "nRot" | "ropeLayout" | "ropeBase" | "ropeFreqScale">,
  startPos: Int32Array,
  T: number,
  freqFactors: Float32Array | null = null,
): { cos: Float32Array; sin: Float32Array } {
  const d = config.headDim;
  const cos = new Float32Array(startPos.length * T * d).fill(1);
  const sin = new Float32Array(startPos.length * T * d);
  for (let r = 0; r < startPos.length; r++) {
    for (let t = 0; t < T; t++) {
      const p = startPos[r]! + t;
      const base = (r * T + t) * d;
      for (let i = 0; i < config.nRot / 2; i++) {
        const theta = (p * config.ropeFreqScale * Math.pow(config.ropeBase, (-2 * i) / config.nRot)) / (freqFactors?.[i] ?? 1);
        const [a, b] = ropePair(config, i);
        cos[base + a] = cos[base + b] = Math.cos(theta);
        sin[base + a] = sin[base + b] = Math.sin(theta);
      }
    }
  }
  return { cos, sin };
}

/**
 * Additive attention mask [B, 1, T·G, S + T] (0 allowed, −1e9 masked), query rows ordered (t, g):
 * a query at t sees the valid cached positions of its cache row and its own row's positions j ≤ t
 * that are real tokens (j < length).
 */
export function attentionMask(B: number, T: number, G: number, S: number, lengths: Int32Array, pastLengths: Int32Array | null, pastRow: Int32Array): Float32Array {
  const width = S + T;
  const m = new Float32Array(B * T * G * width);
  for (let b = 0; b < B; b++) {
    const pastValid = pastLengths ? pastLengths[pastRow[b]!]! : 0;
    for (let t = 0; t < T; t++) {
      for (let g = 0; g < G; g++) {
        const row = ((b * T + t) * G + g) * width;
        for (let j = 0; j < S; j++) if (j >= pastValid) m[row + j] = NEG;
        for (let j = 0; j < T; j++) if (j > t || j >= lengths[b]!) m[row + S + j] = NEG;
      }
    }
  }
  return m;
}

/** Reads every tensor the architecture needs, dequantised, uploaded once. */
async function uploadWeights(tf: Tf, file: GgufFile, config: ModelConfig, options: LoadOptions): Promise<TransformerWeights> {
  const reader = await GgufTensorReader.open(file);
  const created: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => {
    created.push(t);
    return t;
  };
  const { nEmbd: D, nVocab: V, nHead, nHeadKv, headDim, nFf: F } = config;
  const dq = nHead * headDim;
  const dkv = nHeadKv * headDim;
  const total = 3 + config.nLayer;
  let done = 0;
  const step = () => {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error("loading the model was cancelled");
    options.onProgress?.(++done, total);
  };
  const vector = async (name: string, n: number) => keep(tf.tensor1d(await reader.read(name, [n])));
  const optionalVector = async (name: string, n: number) => (reader.has(name) ? vector(name, n) : null);
  /** Linear layers given as ggml [in, out] (rows of `in` per output), stacked side by side input-major: [in, Σ out]. */
  const inputMajor = async (parts: { name: string; out: number }[], inDim: number) => {
    const width = parts.reduce((s, p) => s + p.out, 0);
    const dst = new Float32Array(inDim * width);
    let col = 0;
    for (const p of parts) {
      const src = await reader.read(p.name, [inDim, p.out]);
      for (let o = 0; o < p.out; o++) for (let i = 0; i < inDim; i++) dst[i * width + col + o] = src[o * inDim + i]!;
      col += p.out;
    }
    return keep(tf.tensor2d(dst, [inDim, width]));
  };
  try {
    const tokenEmbedding = keep(tf.tensor2d(await reader.read("token_embd.weight", [D, V]), [V, D]));
    step();
    const outputNorm = await vector("output_norm.weight", D);
    const output = reader.has("output.weight") ? keep(tf.tensor2d(await reader.read("output.weight", [D, V]), [V, D])) : tokenEmbedding;
    const outputBias = await optionalVector("output.bias", V);
    const ropeFreqFactors = reader.has("rope_freqs.weight") ? await reader.read("rope_freqs.weight", [config.nRot / 2]) : null;
    step();
    const layers: LayerWeights[] = [];
    for (let l = 0; l < config.nLayer; l++) {
      const p = `blk.${l}.`;
      if (reader.has(`${p}attn_qkv.weight`)) throw new Error(`${file.path}: tensor ${p}attn_qkv.weight (fused q/k/v) is not supported; RL Studio reads separate attn_q/attn_k/attn_v`);
      const biases = await Promise.all([`${p}attn_q.bias`, `${p}attn_k.bias`, `${p}attn_v.bias`].map((n, i) => (reader.has(n) ? reader.read(n, [[dq, dkv, dkv][i]!]) : null)));
      let bqkv: tfTypes.Tensor1D | null = null;
      if (biases.some((b) => b)) {
        const all = new Float32Array(dq + 2 * dkv);
        biases.forEach((b, i) => b && all.set(b, [0, dq, dq + dkv][i]!));
        bqkv = keep(tf.tensor1d(all));
      }
      layers.push({
        attnNorm: await vector(`${p}attn_norm.weight`, D),
        wqkv: await inputMajor(
          [
            { name: `${p}attn_q.weight`, out: dq },
            { name: `${p}attn_k.weight`, out: dkv },
            { name: `${p}attn_v.weight`, out: dkv },
          ],
          D,
        ),
        bqkv,
        wo: await inputMajor([{ name: `${p}attn_output.weight`, out: D }], dq),
        bo: await optionalVector(`${p}attn_output.bias`, D),
        ffnNorm: await vector(`${p}ffn_norm.weight`, D),
        wGateUp: await inputMajor(
          [
            { name: `${p}ffn_gate.weight`, out: F },
            { name: `${p}ffn_up.weight`, out: F },
          ],
          D,
        ),
        wDown: await inputMajor([{ name: `${p}ffn_down.weight`, out: D }], F),
      });
      step();
    }
    step();
    return { tokenEmbedding, layers, outputNorm, output, outputBias, ropeFreqFactors };
  } catch (err) {
    for (const t of created) t.dispose();
    throw err;
  } finally {
    await reader.close();
  }
}
