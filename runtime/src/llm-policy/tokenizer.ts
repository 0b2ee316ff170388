/**
 * Text → token ids exactly as llama.cpp's `llama_tokenize` does it for the same model
 * (`llama_vocab::impl::tokenize`, src/llama-vocab.cpp):
 *   1. special-token partition: user-defined tokens (and, with `parseSpecial`, control and unknown
 *      tokens) found in the text, longest first, become fragments of their own;
 *   2. each text fragment goes through the vocabulary's tokenizer — SentencePiece-BPE for llama
 *      vocabularies (spaces escaped to "▁", one "▁" prepended at the start and after a special
 *      token), byte-level BPE for gpt2 vocabularies (qwen2/llama3 pre-tokenizers);
 *   3. with `addSpecial`, BOS in front when the vocabulary asks for it (and EOS after, likewise).
 * node-llama-cpp's `LlamaModel.tokenize(text)` is `addSpecial = false, parseSpecial = false`.
 */
import { bpeTokenize } from "./tokenizer-bpe.js";
import { spmTokenize } from "./tokenizer-spm.js";
import { TokenType, type Vocabulary } from "./vocabulary.js";

export interface TokenizeOptions {
  /** Add BOS/EOS as the vocabulary asks (llama.cpp's add_special). Default false. */
  addSpecial?: boolean;
  /** Recognise control tokens such as `<s>` written in the text (llama.cpp's parse_special). Default false. */
  parseSpecial?: boolean;
}

type Fragment = { text: string } | { token: number };

export class Tokenizer {
  constructor(readonly vocab: Vocabulary) {}

  get bos(): number | null {
    return this.vocab.bos;
  }

  tokenize(text: string, options: TokenizeOptions = {}): number[] {
    const { vocab } = this;
    const addSpecial = options.addSpecial ?? false;
    const fragments = text === "" ? [] : this.partition(text, options.parseSpecial ?? false);
    const output: number[] = [];
    if (addSpecial && vocab.addBos) output.push(vocab.bos!);
    if (vocab.kind === "spm") {
      let prevSpecial = true;
      for (const f of fragments) {
        if ("token" in f) {
          output.push(f.token);
          prevSpecial = true;
          continue;
        }
        const prefixed = vocab.addSpacePrefix && prevSpecial ? ` ${f.text}` : f.text;
        spmTokenize(vocab, prefixed.replaceAll(" ", "\u2581"), output);
        prevSpecial = false;
      }
    } else {
      for (const f of fragments) {
        if ("token" in f) output.push(f.token);
        else bpeTokenize(vocab, f.text, output);
      }
    }
    if (addSpecial && vocab.addEos && vocab.eos !== null) output.push(vocab.eos);
    return output;
  }

  /** The token's text as stored in the vocabulary (for messages and tests). */
  tokenText(id: number): string {
    return this.vocab.tokens[id] ?? `<invalid ${id}>`;
  }

  /** llama.cpp's tokenizer_st_partition (without the lstrip/rstrip attributes, which GGUF token types do not carry). */
  private partition(text: string, parseSpecial: boolean): Fragment[] {
    let fragments: Fragment[] = [{ text }];
    for (const id of this.vocab.specialTokens) {
      const type = this.vocab.types[id]!;
      if (!parseSpecial && (type === TokenType.control || type === TokenType.unknown)) continue;
      const special = this.vocab.tokens[id]!;
      const next: Fragment[] = [];
      for (const f of fragments) {
        if (!("text" in f)) {
          next.push(f);
          continue;
        }
        let rest = f.text;
        for (let at = rest.indexOf(special); at >= 0; at = rest.indexOf(special)) {
          if (at > 0) next.push({ text: rest.slice(0, at) });
          next.push({ token: id });
          rest = rest.slice(at + special.length);
        }
        if (rest.length > 0) next.push({ text: rest });
      }
      fragments = next;
    }
    return fragments;
  }
}
