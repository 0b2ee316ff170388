/**
 * A model's vocabulary as GGUF stores it (`tokenizer.ggml.*`) and llama.cpp loads it
 * (`llama_vocab::impl::load`, src/llama-vocab.cpp): token texts, scores, token types, the
 * text → id map (a later duplicate wins, as there), BPE merge ranks, special token ids and flags.
 */
import { GgufMetadata, isNumber, isString, type GgufFile } from "./gguf.js";

/** GGUF token types (llama.cpp's `llama_token_type`). */
export const TokenType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export type VocabularyKind = "spm" | "bpe";

/** BPE pre-tokenizers implemented (llama.cpp's `tokenizer.ggml.pre` names). */
export type PreTokenizer = "qwen2" | "llama3";

export interface VocabularyData {
  kind: VocabularyKind;
  tokens: string[];
  scores?: number[];
  types?: number[];
  merges?: string[];
  bos?: number | null;
  eos?: number | null;
  addBos?: boolean;
  addEos?: boolean;
  /** SPM: prepend "▁" to text at the start and after a special token (default true for spm). */
  addSpacePrefix?: boolean;
  preTokenizer?: PreTokenizer;
}

export class Vocabulary {
  readonly kind: VocabularyKind;
  readonly tokens: readonly string[];
  readonly scores: Float32Array;
  readonly types: Int32Array;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly addSpacePrefix: boolean;
  readonly preTokenizer: PreTokenizer | null;
  private readonly ids = new Map<string, number>();
  private readonly mergeRanks = new Map<string, number>();
  /** Control, user-defined and unknown tokens, longest text first (llama.cpp's cache_special_tokens). */
  readonly specialTokens: readonly number[];

  constructor(data: VocabularyData, where = "vocabulary") {
    const n = data.tokens.length;
    if (n === 0) throw new Error(`${where}: the vocabulary is empty`);
    this.kind = data.kind;
    this.tokens = data.tokens.map((t, i) => (t === "" ? `[EMPTY_${i}]` : t));
    this.scores = Float32Array.from(data.scores ?? new Array<number>(n).fill(0));
    this.types = Int32Array.from(data.types ?? new Array<number>(n).fill(TokenType.normal));
    if (this.scores.length < n || this.types.length < n) throw new Error(`${where}: ${n} tokens but ${this.scores.length} scores and ${this.types.length} token types`);
    this.tokens.forEach((t, i) => this.ids.set(t, i));
    const spm = data.kind === "spm";
    // llama.cpp's defaults when the file names none: 1 and 2 for llama vocabularies, 11 for gpt2 ones.
    this.bos = checkId(data.bos === undefined ? (spm ? 1 : 11) : data.bos, n);
    this.eos = checkId(data.eos === undefined ? (spm ? 2 : 11) : data.eos, n);
    this.addBos = data.addBos ?? spm;
    this.addEos = data.addEos ?? false;
    this.addSpacePrefix = data.addSpacePrefix ?? spm;
    this.preTokenizer = data.preTokenizer ?? null;
    if (this.addBos && this.bos === null) throw new Error(`${where}: the vocabulary asks for a BOS token but has none`);
    if (data.kind === "bpe") {
      if (!data.merges) throw new Error(`${where}: BPE vocabulary without tokenizer.ggml.merges`);
      if (!this.preTokenizer) throw new Error(`${where}: BPE vocabulary without a pre-tokenizer`);
      data.merges.forEach((m, rank) => {
        // llama.cpp splits at the first space after position 0 ("  " merges keep a leading space).
        const at = m.indexOf(" ", 1);
        if (at < 0) return;
        const key = `${m.slice(0, at)} ${m.slice(at + 1)}`;
        if (!this.mergeRanks.has(key)) this.mergeRanks.set(key, rank);
      });
    }
    const special: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = this.types[i]!;
      if (t === TokenType.control || t === TokenType.userDefined || t === TokenType.unknown) special.push(i);
    }
    const bytes = (i: number) => Buffer.byteLength(this.tokens[i]!, "utf8");
    this.specialTokens = special.sort((a, b) => bytes(b) - bytes(a) || a - b);
  }

  get size(): number {
    return this.tokens.length;
  }

  tokenId(text: string): number | undefined {
    return this.ids.get(text);
  }

  /** Rank of merging `left` and `right` (lower merges first), or undefined. */
  mergeRank(left: string, right: string): number | undefined {
    return this.mergeRanks.get(`${left} ${right}`);
  }

  /** SPM byte fallback: the `<0xXX>` token of a byte, else the one-character token (llama.cpp's byte_to_token). */
  byteToken(byte: number): number {
    const hex = byte.toString(16).toUpperCase().padStart(2, "0");
    const id = this.ids.get(`<0x${hex}>`) ?? this.ids.get(String.fromCharCode(byte));
    if (id === undefined) throw new Error(`the vocabulary has no token for byte 0x${hex} (no <0x${hex}> byte-fallback token)`);
    return id;
  }
}

function checkId(id: number | null, n: number): number | null {
  if (id === null || id < 0 || id >= n || id === 0xffffffff) return null;
  return id;
}

/** The vocabulary of a GGUF file, read as llama.cpp reads it. */
export function vocabularyFromGguf(file: GgufFile): Vocabulary {
  const meta = new GgufMetadata(file.path, file.metadata);
  const model = meta.string("tokenizer.ggml.model");
  let kind: VocabularyKind;
  if (model === "llama") kind = "spm";
  else if (model === "gpt2") kind = "bpe";
  else throw new Error(`${file.path}: tokenizer '${model}' is not supported (llama's SentencePiece or gpt2-style BPE)`);
  const tokens = meta.array("tokenizer.ggml.tokens", isString, "a string");
  if (!tokens) throw new Error(`${file.path}: metadata key tokenizer.ggml.tokens is missing`);
  let preTokenizer: PreTokenizer | undefined;
  if (kind === "bpe") {
    const pre = meta.string("tokenizer.ggml.pre", "default");
    if (pre === "qwen2" || pre === "deepseek-r1-qwen" || pre === "megrez") preTokenizer = "qwen2";
    else if (pre === "llama3" || pre === "llama-v3" || pre === "llama-bpe" || pre === "falcon3") preTokenizer = "llama3";
    else throw new Error(`${file.path}: BPE pre-tokenizer '${pre}' is not supported (qwen2, llama3)`);
  }
  const optionalId = (key: string): number | null | undefined => (meta.has(key) ? meta.number(key) : undefined);
  return new Vocabulary(
    {
      kind,
      tokens,
      scores: meta.array("tokenizer.ggml.scores", isNumber, "a number"),
      types: meta.array("tokenizer.ggml.token_type", isNumber, "a number"),
      merges: meta.array("tokenizer.ggml.merges", isString, "a string"),
      bos: optionalId("tokenizer.ggml.bos_token_id"),
      eos: optionalId("tokenizer.ggml.eos_token_id"),
      ...(meta.has("tokenizer.ggml.add_bos_token") ? { addBos: meta.boolean("tokenizer.ggml.add_bos_token", false) } : {}),
      ...(meta.has("tokenizer.ggml.add_eos_token") ? { addEos: meta.boolean("tokenizer.ggml.add_eos_token", false) } : {}),
      ...(meta.has("tokenizer.ggml.add_space_prefix") ? { addSpacePrefix: meta.boolean("tokenizer.ggml.add_space_prefix", true) } : {}),
      ...(preTokenizer ? { preTokenizer } : {}),
    },
    file.path,
  );
}
