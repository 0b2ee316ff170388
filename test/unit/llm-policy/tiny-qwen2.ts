/**
 * A tiny qwen2-architecture GGUF with random weights and a byte-level BPE vocabulary (qwen2
 * pre-tokenizer) learned from the tokenizer corpus, written with our GGUF writer. It exercises what
 * stories260K (llama) does not: neox RoPE, q/k/v biases, a tied output embedding, BPE tokenisation;
 * llama.cpp loads it too, so both can be compared with it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../../../runtime/src/rng.js";
import { BYTE_TO_CHAR, preTokenize } from "../../../runtime/src/llm-policy/tokenizer-bpe.js";
import { BLOCK_FORMATS, GgmlType } from "../../../runtime/src/llm-policy/dequantize.js";
import { f32Bytes, writeGguf, type GgufTensorSpec, type GgufValue } from "./gguf-writer.js";
import { randomTensorBytes } from "./quant-blocks.js";
import { tokenizerCorpus } from "./tokenizer-corpus.js";

export const TINY_QWEN2 = { nEmbd: 64, nHead: 4, nHeadKv: 2, nFf: 96, nLayer: 2, merges: 400, contextLength: 512, ropeBase: 1_000_000, rmsEps: 1e-6 } as const;

export const QWEN2_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
/** A user-defined token: llama.cpp splits text on it even when special tokens are not parsed. */
export const QWEN2_USER_DEFINED = "[[chef]]";

/** Greedy BPE training on byte-mapped qwen2 pre-tokens: the most frequent adjacent pair is merged, ties to the smaller pair. */
export function trainMerges(texts: string[], count: number): string[] {
  const words = new Map<string, number>();
  for (const t of texts) {
    for (const w of preTokenize(t, "qwen2")) {
      const mapped = Array.from(Buffer.from(w, "utf8"), (b) => BYTE_TO_CHAR[b]!).join("\u0000");
      words.set(mapped, (words.get(mapped) ?? 0) + 1);
    }
  }
  let seqs = [...words].map(([w, n]) => ({ parts: w.split("\u0000"), n }));
  const merges: string[] = [];
  for (let m = 0; m < count; m++) {
    const pairs = new Map<string, number>();
    for (const { parts, n } of seqs) for (let i = 0; i + 1 < parts.length; i++) pairs.set(`${parts[i]} ${parts[i + 1]}`, (pairs.get(`${parts[i]} ${parts[i + 1]}`) ?? 0) + n);
    let best: string | null = null;
    let bestN = 0;
    for (const [p, n] of pairs) if (n > bestN || (n === bestN && best !== null && p < best)) [best, bestN] = [p, n];
    if (!best || bestN < 2) break;
    merges.push(best);
    const [a, b] = best.split(" ") as [string, string];
    seqs = seqs.map(({ parts, n }) => {
      const out: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === a && parts[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(parts[i]!);
      }
      return { parts: out, n };
    });
  }
  return merges;
}

/** Folders this process wrote models into, removed when it exits. */
const written: string[] = [];
process.once("exit", () => {
  for (const dir of written) rmSync(dir, { recursive: true, force: true });
});

/** The merges learned from the corpus, once per process. */
let corpusMerges: string[] | undefined;

export interface TinyModelFile {
  path: string;
  tokens: string[];
  merges: string[];
}

export interface TinyQwen2Options {
  seed?: number;
  /**
   * ggml type of token_embd.weight (default F32, tied to the output). Another type gets a separate F32
   * output.weight: llama.cpp then reads the embedding rows with its own dequantize_row_* and computes
   * everything else in F32, so the forward compares our dequantisation with llama.cpp's exactly.
   * K-quants widen the model to 256 so that rows are whole super-blocks.
   */
  embeddingType?: number;
}

/** Writes the tiny qwen2 model into a fresh temp folder and returns its path. */
export function writeTinyQwen2(options: TinyQwen2Options = {}): TinyModelFile {
  const seed = options.seed ?? 7;
  const embeddingType = options.embeddingType ?? GgmlType.F32;
  const wide = BLOCK_FORMATS.get(embeddingType)!.blockSize > 64;
  const { nHead, nHeadKv, nLayer } = TINY_QWEN2;
  const D = wide ? 256 : TINY_QWEN2.nEmbd;
  const F = wide ? 256 : TINY_QWEN2.nFf;
  const hd = D / nHead;
  const dkv = nHeadKv * hd;
  corpusMerges ??= trainMerges(tokenizerCorpus(), TINY_QWEN2.merges);
  const merges = corpusMerges;
  const tokens = [...BYTE_TO_CHAR];
  const seen = new Set(tokens);
  for (const m of merges) {
    const t = m.replace(" ", "");
    if (!seen.has(t)) {
      seen.add(t);
      tokens.push(t);
    }
  }
  const types = tokens.map(() => 1);
  for (const s of QWEN2_SPECIAL) {
    tokens.push(s);
    types.push(3);
  }
  tokens.push(QWEN2_USER_DEFINED);
  types.push(4);
  const V = tokens.length;
  const rng = new Rng(seed);
  const tensor = (name: string, shape: number[], scale: number, offset = 0): GgufTensorSpec => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = offset + scale * rng.normal();
    return { name, shape, type: GgmlType.F32, data: f32Bytes(v) };
  };
  // Matrix scales shrink as 1/√width so activations stay as in the 64-wide model.
  const w = Math.sqrt(64 / D);
  const tensors: GgufTensorSpec[] =
    embeddingType === GgmlType.F32
      ? [tensor("token_embd.weight", [D, V], 0.5)]
      : [{ name: "token_embd.weight", shape: [D, V], type: embeddingType, data: randomTensorBytes(embeddingType, D * V, rng) }, tensor("output.weight", [D, V], 0.5 * w)];
  tensors.push(tensor("output_norm.weight", [D], 0.1, 1));
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      tensor(`${p}attn_norm.weight`, [D], 0.1, 1),
      tensor(`${p}attn_q.weight`, [D, D], 0.3 * w),
      tensor(`${p}attn_q.bias`, [D], 0.2),
      tensor(`${p}attn_k.weight`, [D, dkv], 0.3 * w),
      tensor(`${p}attn_k.bias`, [dkv], 0.2),
      tensor(`${p}attn_v.weight`, [D, dkv], 0.3 * w),
      tensor(`${p}attn_v.bias`, [dkv], 0.2),
      tensor(`${p}attn_output.weight`, [D, D], 0.15 * w),
      tensor(`${p}ffn_norm.weight`, [D], 0.1, 1),
      tensor(`${p}ffn_gate.weight`, [D, F], 0.2 * w),
      tensor(`${p}ffn_up.weight`, [D, F], 0.2 * w),
      tensor(`${p}ffn_down.weight`, [F, D], 0.15 * w),
    );
  }
  const u32 = (value: number): GgufValue => ({ type: "u32", value });
  const metadata: Record<string, GgufValue> = {
    "general.architecture": { type: "string", value: "qwen2" },
    "general.name": { type: "string", value: "tiny-qwen2-test" },
    "qwen2.context_length": u32(TINY_QWEN2.contextLength),
    "qwen2.embedding_length": u32(D),
    "qwen2.feed_forward_length": u32(F),
    "qwen2.block_count": u32(nLayer),
    "qwen2.attention.head_count": u32(nHead),
    "qwen2.attention.head_count_kv": u32(nHeadKv),
    "qwen2.attention.layer_norm_rms_epsilon": { type: "f32", value: TINY_QWEN2.rmsEps },
    "qwen2.rope.freq_base": { type: "f32", value: TINY_QWEN2.ropeBase },
    "tokenizer.ggml.model": { type: "string", value: "gpt2" },
    "tokenizer.ggml.pre": { type: "string", value: "qwen2" },
    "tokenizer.ggml.tokens": { type: "string[]", value: tokens },
    "tokenizer.ggml.token_type": { type: "i32[]", value: types },
    "tokenizer.ggml.merges": { type: "string[]", value: merges },
    "tokenizer.ggml.eos_token_id": u32(tokens.indexOf("<|endoftext|>")),
    "tokenizer.ggml.padding_token_id": u32(tokens.indexOf("<|endoftext|>")),
    "tokenizer.ggml.bos_token_id": u32(tokens.indexOf("<|endoftext|>")),
    "tokenizer.ggml.add_bos_token": { type: "bool", value: false },
  };
  const dir = mkdtempSync(join(tmpdir(), "rl-tiny-qwen2-"));
  written.push(dir);
  const path = join(dir, "tiny-qwen2.gguf");
  writeGguf(path, metadata, tensors);
  return { path, tokens, merges };
}
