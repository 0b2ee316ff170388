/**
 * The tokenizers on hand-built vocabularies with expectations worked out by hand (llama.cpp's
 * algorithms: SentencePiece-BPE by score, byte-level BPE by merge rank, the qwen2/llama3 word split,
 * special-token partition, BOS). The corpus comparison with llama.cpp itself is in
 * test/integration/llm-policy-tokenizer.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tokenizer } from "../../../runtime/src/llm-policy/tokenizer.js";
import { BYTE_TO_CHAR, preTokenize } from "../../../runtime/src/llm-policy/tokenizer-bpe.js";
import { TokenType, Vocabulary } from "../../../runtime/src/llm-policy/vocabulary.js";

test("GPT-2 byte map: printable bytes are themselves, space is Ġ, newline Ċ, 0xAD is U+0143", () => {
  assert.equal(BYTE_TO_CHAR[0x61], "a");
  assert.equal(BYTE_TO_CHAR[0x20], "Ġ");
  assert.equal(BYTE_TO_CHAR[0x0a], "Ċ");
  assert.equal(BYTE_TO_CHAR[0xad], "\u0143");
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
});

test("qwen2 word split: single digits, contractions, whitespace runs, punctuation, newlines", () => {
  assert.deepEqual(preTokenize("abc 12345 x", "qwen2"), ["abc", " ", "1", "2", "3", "4", "5", " x"]);
  assert.deepEqual(preTokenize("It's 'RE they'll", "qwen2"), ["It", "'s", " '", "RE", " they", "'ll"]);
  assert.deepEqual(preTokenize("a   b", "qwen2"), ["a", "  ", " b"]);
  assert.deepEqual(preTokenize("a\n\n b", "qwen2"), ["a", "\n\n", " b"]);
  assert.deepEqual(preTokenize("hi!! ...\nok", "qwen2"), ["hi", "!!", " ...\n", "ok"]);
  assert.deepEqual(preTokenize("end  ", "qwen2"), ["end", "  "]);
  assert.deepEqual(preTokenize("\tword", "qwen2"), ["\tword"]);
  assert.deepEqual(preTokenize("naïve 日本", "qwen2"), ["naïve", " 日本"]);
});

test("llama3 word split groups digits by three", () => {
  assert.deepEqual(preTokenize("abc 12345 x", "llama3"), ["abc", " ", "123", "45", " x"]);
});

/** A byte-level BPE vocabulary: the 256 byte characters, then merged tokens, then specials. */
function bpeVocab(merges: string[], extra: { text: string; type: number }[] = []): Vocabulary {
  const tokens = [...BYTE_TO_CHAR];
  for (const m of merges) tokens.push(m.replace(" ", ""));
  const types: number[] = tokens.map(() => TokenType.normal);
  for (const e of extra) {
    tokens.push(e.text);
    types.push(e.type);
  }
  return new Vocabulary({ kind: "bpe", tokens, types, merges, preTokenizer: "qwen2", addBos: false });
}

test("byte-level BPE merges by rank, leftmost first on ties", () => {
  const merges = ["Ġ t", "h e", "Ġt he", "a t", "c at"];
  const vocab = bpeVocab(merges);
  const tok = new Tokenizer(vocab);
  const id = (t: string) => vocab.tokenId(t)!;
  // " the" → Ġ t h e → (Ġ t) rank 0 → Ġt h e → (h e) rank 1 → Ġt he → (Ġt he) rank 2 → Ġthe.
  // " cat" → Ġ c a t → (a t) rank 3 → Ġ c at → (c at) rank 4 → Ġ cat (no Ġ cat merge).
  assert.deepEqual(tok.tokenize("the the cat"), [id("t"), id("he"), id("Ġthe"), id("Ġ"), id("cat")]);
  // "hehe": both (h e) pairs have rank 1; the leftmost merges first, then the other: he he.
  assert.deepEqual(tok.tokenize("hehe"), [id("he"), id("he")]);
  // "é" is bytes C3 A9, characters Ã and © in the byte map: no merge applies.
  assert.deepEqual(tok.tokenize("é"), [id("Ã"), id("©")]);
});

test("special tokens: user-defined always split out, control only when parsing special tokens", () => {
  const vocab = bpeVocab(["a b"], [
    { text: "<|im_start|>", type: TokenType.control },
    { text: "[[chef]]", type: TokenType.userDefined },
  ]);
  const tok = new Tokenizer(vocab);
  const id = (t: string) => vocab.tokenId(t)!;
  assert.deepEqual(tok.tokenize("ab[[chef]]ab"), [id("ab"), id("[[chef]]"), id("ab")]);
  const plain = tok.tokenize("<|im_start|>ab");
  assert.ok(!plain.includes(id("<|im_start|>")));
  assert.deepEqual(tok.tokenize("<|im_start|>ab", { parseSpecial: true }), [id("<|im_start|>"), id("ab")]);
});

/** An SPM vocabulary: <unk>, <s>, </s>, the 256 byte tokens, then pieces with scores. */
function spmVocab(pieces: [string, number][], extra: Partial<ConstructorParameters<typeof Vocabulary>[0]> = {}): Vocabulary {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TokenType.unknown, TokenType.control, TokenType.control];
  const scores = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TokenType.byte);
    scores.push(0);
  }
  for (const [p, s] of pieces) {
    tokens.push(p);
    types.push(TokenType.normal);
    scores.push(s);
  }
  return new Vocabulary({ kind: "spm", tokens, types, scores, ...extra });
}

test("SentencePiece-BPE: the highest-scoring pair merges first; ▁ prefix; byte fallback; BOS", () => {
  const vocab = spmVocab([
    ["▁", -1],
    ["a", -2],
    ["b", -3],
    ["c", -4],
    ["▁a", -5],
    ["ab", -1.5],
    ["▁ab", -6],
    ["bc", -0.5],
  ]);
  const tok = new Tokenizer(vocab);
  const id = (t: string) => vocab.tokenId(t)!;
  // "ab" → "▁ab": pairs (▁ a) −5 and (a b) −1.5; "ab" first, then (▁ ab) = "▁ab".
  assert.deepEqual(tok.tokenize("ab"), [id("▁ab")]);
  // "abc" → ▁ a b c: (b c) −0.5 beats (a b) −1.5, so ▁ a bc; then (▁ a) −5 → ▁a bc ("abc" never forms).
  assert.deepEqual(tok.tokenize("abc"), [id("▁a"), id("bc")]);
  // "é" has no piece: its UTF-8 bytes C3 A9 become <0xC3> <0xA9>; the space becomes ▁.
  assert.deepEqual(tok.tokenize("é"), [id("▁"), id("<0xC3>"), id("<0xA9>")]);
  assert.deepEqual(tok.tokenize("a a"), [id("▁a"), id("▁a")]);
  // BOS with addSpecial (the vocabulary adds BOS by default), nothing else for empty text.
  assert.deepEqual(tok.tokenize("", { addSpecial: true }), [1]);
  assert.deepEqual(tok.tokenize("ab", { addSpecial: true }), [1, id("▁ab")]);
  // A "<s>" in the text is a control token only when parsing special tokens; the ▁ prefix comes back after it.
  assert.deepEqual(tok.tokenize("<s>ab", { parseSpecial: true }), [1, id("▁ab")]);
});

test("SentencePiece without the space prefix (add_space_prefix false)", () => {
  const vocab = spmVocab([["a", -1], ["b", -1], ["ab", -0.5]], { addSpacePrefix: false });
  assert.deepEqual(new Tokenizer(vocab).tokenize("ab"), [vocab.tokenId("ab")]);
});
