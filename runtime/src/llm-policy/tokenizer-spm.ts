/**
 * llama.cpp's SentencePiece-BPE tokenizer ("llama" vocab type, `llm_tokenizer_spm_session` in
 * src/llama-vocab.cpp): the text, with spaces escaped to U+2581 "▁", is split into characters;
 * adjacent pairs whose concatenation is a vocabulary token are merged, highest score first (ties:
 * leftmost first), until no pair is a token; each remaining piece is emitted as its token, or
 * re-split along the merges that built it, or as byte tokens `<0xXX>` (byte fallback).
 */
import { BinaryHeap, codePointPieces, mergePieces, type Piece } from "./pieces.js";
import type { Vocabulary } from "./vocabulary.js";

interface Bigram {
  left: number;
  right: number;
  score: number;
  /** Length of the concatenation when it was queued: a later mismatch means the entry is stale. */
  length: number;
}

/** Tokenizes one text fragment (already escaped, with any space prefix) into `output`. */
export function spmTokenize(vocab: Vocabulary, text: string, output: number[]): void {
  const symbols = codePointPieces(text);
  if (symbols.length === 0) return;

  const queue = new BinaryHeap<Bigram>((a, b) => a.score > b.score || (a.score === b.score && a.left < b.left));
  /** Piece text → the two symbols it was last queued from (llama.cpp's rev_merge). */
  const revMerge = new Map<string, [number, number]>();
  const piece = (s: Piece): string => text.substr(s.start, s.length);

  const tryAddBigram = (left: number, right: number): void => {
    if (left === -1 || right === -1) return;
    const l = symbols[left]!;
    const r = symbols[right]!;
    const joined = text.substr(l.start, l.length + r.length);
    const id = vocab.tokenId(joined);
    if (id === undefined) return;
    queue.push({ left, right, score: vocab.scores[id]!, length: joined.length });
    revMerge.set(joined, [left, right]);
  };

  for (let i = 1; i < symbols.length; i++) tryAddBigram(i - 1, i);

  while (queue.size > 0) {
    const bigram = queue.pop()!;
    const left = symbols[bigram.left]!;
    const right = symbols[bigram.right]!;
    if (left.length === 0 || right.length === 0 || left.length + right.length !== bigram.length) continue;
    mergePieces(symbols, bigram.left, bigram.right);
    tryAddBigram(left.prev, bigram.left);
    tryAddBigram(bigram.left, left.next);
  }

  const resegment = (s: Piece): void => {
    const text = piece(s);
    const id = vocab.tokenId(text);
    if (id !== undefined) {
      output.push(id);
      return;
    }
    const parts = revMerge.get(text);
    if (!parts) {
      for (const byte of Buffer.from(text, "utf8")) output.push(vocab.byteToken(byte));
      return;
    }
    resegment(symbols[parts[0]]!);
    resegment(symbols[parts[1]]!);
  };
  for (let i = 0; i !== -1; i = symbols[i]!.next) resegment(symbols[i]!);
}
