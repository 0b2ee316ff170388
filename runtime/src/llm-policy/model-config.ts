/**
 * The hyperparameters of a decoder-only transformer, read from GGUF metadata the way llama.cpp
 * reads them (`llama_model::load_hparams` in src/llama-model.cpp): keys under `<arch>.`, n_head_kv
 * defaulting to n_head, the head size to n_embd / n_head, the rotary dimension to the head size,
 * RoPE base 10000 and linear scale 1 unless given.
 */
import type { GgufFile } from "./gguf.js";
import { GgufMetadata } from "./gguf.js";
import { typeName } from "./dequantize.js";

/** Architectures this transformer builds (llama.cpp's names). */
export const SUPPORTED_ARCHITECTURES = ["llama", "qwen2"] as const;
export type Architecture = (typeof SUPPORTED_ARCHITECTURES)[number];

/**
 * How RoPE pairs the dimensions of a head (ggml's rope modes): "normal" rotates adjacent pairs
 * (x[2i], x[2i+1]) — llama.cpp's choice for llama, whose converter permutes q/k weights to match;
 * "neox" rotates (x[i], x[i + n_rot/2]) — qwen2 and GPT-NeoX.
 */
export type RopeLayout = "normal" | "neox";

export interface ModelConfig {
  architecture: Architecture;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  nFf: number;
  nVocab: number;
  /** Training context length (`<arch>.context_length`). */
  contextLength: number;
  rmsEps: number;
  ropeBase: number;
  /** Position scale (1 / `rope.scaling.factor` for linear scaling, else 1). */
  ropeFreqScale: number;
  /** Dimensions rotated per head (`rope.dimension_count`, default the head size). */
  nRot: number;
  ropeLayout: RopeLayout;
  /** Attention logit scale: `attention.scale` when set, else 1/√headDim. */
  attentionScale: number;
}

const ROPE_LAYOUT: Record<Architecture, RopeLayout> = { llama: "normal", qwen2: "neox" };

export function modelConfigFromGguf(file: GgufFile): ModelConfig {
  const meta = new GgufMetadata(file.path, file.metadata);
  const arch = meta.string("general.architecture");
  if (!(SUPPORTED_ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new Error(`${file.path}: architecture '${arch}' is not supported (supported: ${SUPPORTED_ARCHITECTURES.join(", ")})`);
  }
  const architecture = arch as Architecture;
  const k = (key: string) => `${architecture}.${key}`;
  if (meta.number(k("expert_count"), 0) > 0) throw new Error(`${file.path}: mixture-of-experts models are not supported (${k("expert_count")} = ${meta.number(k("expert_count"))})`);
  const nEmbd = meta.number(k("embedding_length"));
  const nHead = perLayerScalar(meta, k("attention.head_count"));
  const nHeadKv = meta.has(k("attention.head_count_kv")) ? perLayerScalar(meta, k("attention.head_count_kv")) : nHead;
  const headDim = meta.number(k("attention.key_length"), Math.floor(nEmbd / nHead));
  const valueDim = meta.number(k("attention.value_length"), headDim);
  if (valueDim !== headDim) throw new Error(`${file.path}: key and value head sizes differ (${headDim} vs ${valueDim}); not supported`);
  if (nHead % nHeadKv !== 0) throw new Error(`${file.path}: ${nHead} attention heads are not a multiple of ${nHeadKv} key/value heads`);
  const nRot = meta.number(k("rope.dimension_count"), headDim);
  if (nRot > headDim || nRot % 2 !== 0) throw new Error(`${file.path}: rope.dimension_count ${nRot} does not fit head size ${headDim}`);
  const scaling = meta.string(k("rope.scaling.type"), "linear");
  if (scaling !== "linear" && scaling !== "none") throw new Error(`${file.path}: RoPE scaling '${scaling}' is not supported (linear or none)`);
  const factor = meta.has(k("rope.scaling.factor")) ? meta.number(k("rope.scaling.factor")) : meta.number(k("rope.scale_linear"), 0);
  const embd = file.tensors.get("token_embd.weight");
  if (!embd) throw new Error(`${file.path}: tensor token_embd.weight is missing`);
  const attentionScale = meta.number(k("attention.scale"), 0);
  const config: ModelConfig = {
    architecture,
    nLayer: meta.number(k("block_count")),
    nEmbd,
    nHead,
    nHeadKv,
    headDim,
    nFf: perLayerScalar(meta, k("feed_forward_length")),
    nVocab: embd.shape[1] ?? 0,
    contextLength: meta.number(k("context_length")),
    rmsEps: meta.number(k("attention.layer_norm_rms_epsilon")),
    ropeBase: meta.number(k("rope.freq_base"), 10000),
    ropeFreqScale: scaling === "none" || factor === 0 ? 1 : 1 / factor,
    nRot,
    ropeLayout: ROPE_LAYOUT[architecture],
    attentionScale: attentionScale === 0 ? 1 / Math.sqrt(headDim) : attentionScale,
  };
  if (embd.shape[0] !== nEmbd) throw new Error(`${file.path}: token_embd.weight has shape [${embd.shape.join(", ")}], expected [${nEmbd}, n_vocab]`);
  for (const t of file.tensors.values()) {
    if (t.byteLength < 0 && isUsedTensor(t.name)) {
      throw new Error(`${file.path}: tensor ${t.name} has type ${typeName(t.type)}, which RL Studio cannot dequantise (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)`);
    }
  }
  return config;
}

/** Tensors the transformer reads (an unsupported type elsewhere in the file does not matter). */
function isUsedTensor(name: string): boolean {
  return /^(token_embd|output_norm|output|rope_freqs)\.weight$|^output\.bias$|^blk\.\d+\.(attn_norm|attn_q|attn_k|attn_v|attn_qkv|attn_output|ffn_norm|ffn_gate|ffn_up|ffn_down)\.(weight|bias)$/.test(name);
}

/** A per-layer array of equal values is accepted as that value (llama.cpp's get_key_or_arr); different values are not supported. */
function perLayerScalar(meta: GgufMetadata, key: string): number {
  if (!Array.isArray(meta.value(key))) return meta.number(key);
  const v = meta.array(key, (x): x is number => typeof x === "number", "a number")!;
  const first = v[0];
  if (first === undefined || v.some((x) => x !== first)) throw new Error(`${meta.path}: ${key} varies per layer; not supported`);
  return first;
}
