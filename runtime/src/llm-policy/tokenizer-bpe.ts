/**
 * llama.cpp's byte-level BPE ("gpt2" vocab type; `llm_tokenizer_bpe_session` in src/llama-vocab.cpp):
 * the text is split into words by the model's pre-tokenizer, each word's UTF-8 bytes are mapped to
 * printable characters (GPT-2's bytes_to_unicode), and adjacent pieces are merged by merge rank
 * (lowest first; ties: leftmost first) until no pair has a rank. Pieces that are not tokens fall back
 * to one-byte tokens where they exist and are dropped otherwise, as there.
 */
import { BinaryHeap, codePointPieces, mergePieces, type Piece } from "./pieces.js";
import type { PreTokenizer, Vocabulary } from "./vocabulary.js";

/** GPT-2's reversible byte → character map: printable Latin-1 bytes map to themselves, the rest to U+0100 onwards. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const map = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    map[b] = String.fromCodePoint(printable ? b : next++);
  }
  return map;
})();

/** Code points llama.cpp counts as whitespace (`unicode_set_whitespace`, src/unicode-data.cpp). */
const WHITESPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);
const LETTER = /\p{L}/u;
const NUMBER = /\p{N}/u;

const isLetter = (cp: number | undefined): boolean => cp !== undefined && LETTER.test(String.fromCodePoint(cp));
const isNumber = (cp: number | undefined): boolean => cp !== undefined && NUMBER.test(String.fromCodePoint(cp));
const isSpace = (cp: number | undefined): boolean => cp !== undefined && WHITESPACE.has(cp);
const CR = 0x0d;
const LF = 0x0a;

/**
 * Splits `text` into words by the qwen2 or llama3 pre-tokenizer regex
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,k}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * with k = 1 for qwen2 and 3 for llama3, matched the way llama.cpp's hand-written matchers do
 * (`unicode_regex_split_custom_qwen2` / `_llama3` in src/unicode.cpp).
 */
export function preTokenize(text: string, pre: PreTokenizer): string[] {
  const cps = Array.from(text, (c) => c.codePointAt(0)!);
  const n = cps.length;
  const at = (i: number): number | undefined => (i < n ? cps[i] : undefined);
  const maxDigits = pre === "qwen2" ? 1 : 3;
  const words: string[] = [];
  let prevEnd = 0;
  const add = (end: number): number => {
    const len = end - prevEnd;
    if (len > 0) words.push(String.fromCodePoint(...cps.slice(prevEnd, end)));
    prevEnd = end;
    return len;
  };
  const lower = (cp: number | undefined): string => (cp === undefined ? "" : String.fromCodePoint(cp).toLowerCase());

  for (let pos = 0; pos < n; ) {
    const cp = cps[pos]!;
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (cp === 0x27 && pos + 1 < n) {
      const c1 = lower(at(pos + 1));
      if (c1 === "s" || c1 === "t" || c1 === "m" || c1 === "d") {
        pos += add(pos + 2);
        continue;
      }
      if (pos + 2 < n) {
        const c2 = lower(at(pos + 2));
        if ((c1 === "r" && c2 === "e") || (c1 === "v" && c2 === "e") || (c1 === "l" && c2 === "l")) {
          pos += add(pos + 3);
          continue;
        }
      }
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!(cp === CR || cp === LF || isNumber(cp)) && (isLetter(cp) || isLetter(at(pos + 1)))) {
      pos++;
      while (isLetter(at(pos))) pos++;
      add(pos);
      continue;
    }
    // \p{N}{1,k}
    if (isNumber(cp)) {
      let start = pos;
      while (isNumber(at(pos))) {
        if (++pos - start >= maxDigits) {
          add(pos);
          start = pos;
        }
      }
      add(pos);
      continue;
    }
    // <space>?[^\s\p{L}\p{N}]+[\r\n]*   (a position past the end has no flags and ends the run)
    const other = (i: number): boolean => i < n && !(isSpace(cps[i]) || isLetter(cps[i]) || isNumber(cps[i]));
    const next = cp === 0x20 ? pos + 1 : pos;
    if (other(next) || (cp === 0x20 && next >= n)) {
      pos = next;
      while (other(pos)) pos++;
      while (at(pos) === CR || at(pos) === LF) pos++;
      add(pos);
      continue;
    }
    let spaces = 0;
    let lastNewlineEnd = 0;
    while (isSpace(at(pos + spaces))) {
      const c = at(pos + spaces);
      if (c === CR || c === LF) lastNewlineEnd = pos + spaces + 1;
      spaces++;
    }
    // \s*[\r\n]+
    if (lastNewlineEnd > 0) {
      pos = lastNewlineEnd;
      add(pos);
      continue;
    }
    // \s+(?!\S)
    if (spaces > 1 && pos + spaces < n) {
      pos += spaces - 1;
      add(pos);
      continue;
    }
    // \s+
    if (spaces > 0) {
      pos += spaces;
      add(pos);
      continue;
    }
    add(++pos);
  }
  return words;
}

interface Bigram {
  left: number;
  right: number;
  rank: number;
  text: string;
}

/** Tokenizes one raw text fragment into `output`. */
export function bpeTokenize(vocab: Vocabulary, text: string, output: number[]): void {
  for (const word of preTokenize(text, vocab.preTokenizer!)) {
    const mapped = Array.from(Buffer.from(word, "utf8"), (b) => BYTE_TO_CHAR[b]!).join("");
    const pieces = codePointPieces(mapped);
    const text = (p: Piece) => mapped.substr(p.start, p.length);
    const queue = new BinaryHeap<Bigram>((a, b) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left));
    const addBigram = (left: number, right: number): void => {
      if (left === -1 || right === -1) return;
      const l = text(pieces[left]!);
      const r = text(pieces[right]!);
      const rank = vocab.mergeRank(l, r);
      if (rank === undefined) return;
      queue.push({ left, right, rank, text: l + r });
    };
    for (let i = 1; i < pieces.length; i++) addBigram(i - 1, i);
    while (queue.size > 0) {
      const bigram = queue.pop()!;
      const left = pieces[bigram.left]!;
      const right = pieces[bigram.right]!;
      if (left.length === 0 || right.length === 0 || text(left) + text(right) !== bigram.text) continue;
      mergePieces(pieces, bigram.left, bigram.right);
      addBigram(left.prev, bigram.left);
      addBigram(bigram.left, left.next);
    }
    for (const p of pieces) {
      if (p.length === 0) continue;
      const s = text(p);
      const id = vocab.tokenId(s);
      if (id !== undefined) {
        output.push(id);
        continue;
      }
      // llama.cpp looks each byte of the piece's UTF-8 up as a one-byte token and drops misses.
      for (const byte of Buffer.from(s, "utf8")) {
        const single = vocab.tokenId(String.fromCharCode(byte));
        if (single !== undefined && byte < 0x80) output.push(single);
      }
    }
  }
}
