/**
 * TWOSOME's action scores, as pure functions (Tan et al., ICLR 2024, §4.1–4.2; WeihaoTan/TWOSOME
 * twosome/overcooked/policy_pomdp.py, `get_action_and_value`):
 *   - each valid action a is scored on the sequence prompt + " " + a, tokenized with BOS;
 *   - its tokens are the last n(a) tokens of that sequence, n(a) being the length of the action's
 *     own tokenization without BOS (there: `tokenizer(action_list)` minus the BOS column);
 *   - score(a) = Σ log P(token | preceding tokens) over those tokens, divided by n(a) ("token"),
 *     by the action's word count ("word", `len(action.split())`) or not at all ("none");
 *   - π(a | s) = softmax over the valid actions of the scores.
 * For a vocabulary without SentencePiece's space prefix (qwen2's byte-level BPE) the action's own
 * tokenization is taken of " " + action, the form it has inside the sequence, so n(a) still counts
 * exactly the action's tokens there.
 *
 * The plan also lays the batch out for one forward pass: the tokens every sequence of a prompt
 * shares are evaluated once as a prefix (its keys and values reused by all the prompt's actions),
 * the rest as a batch of suffix rows; with `sharedPrefix: false` every row is the whole sequence
 * (the reference layout, what the paper's code runs).
 */
import type { Tokenizer } from "./tokenizer.js";
import { logSumExp } from "../nn/log-sum-exp.js";

export const NORMALIZATIONS = ["token", "word", "none"] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

/** Words as Python's str.split() counts them (runs of whitespace separate; none at the ends). */
export function wordCount(text: string): number {
  const t = text.trim();
  return t === "" ? 0 : t.split(/\s+/u).length;
}

/** score / divisor per action, the divisor by the normalisation mode. */
export function normalizeScores(sums: ArrayLike<number>, tokenCounts: ArrayLike<number>, wordCounts: ArrayLike<number>, mode: Normalization): Float64Array {
  const out = new Float64Array(sums.length);
  for (let i = 0; i < sums.length; i++) {
    const d = mode === "token" ? tokenCounts[i]! : mode === "word" ? wordCounts[i]! : 1;
    out[i] = sums[i]! / d;
  }
  return out;
}

/** log-softmax of a vector, in float64. */
export function logSoftmax(x: ArrayLike<number>): Float64Array {
  const lse = logSumExp(x);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! - lse;
  return out;
}

/** One forward batch: `batch` rows of `length` tokens, right-padded. */
export interface TokenBatch {
  tokens: Int32Array;
  batch: number;
  length: number;
  lengths: Int32Array;
}

export interface ActionBatchPlan {
  /** Number of prompts and, per prompt, its number of actions (rows are prompt-major). */
  actionCounts: number[];
  /** Shared prefixes, one row per prompt (null when no prompt shares anything). */
  prefix: TokenBatch | null;
  /** One row per action: the tokens after its prompt's prefix. */
  rows: TokenBatch & { pastRow: Int32Array };
  /** For each scored token: its flat position r·length + t in `rows` whose hidden state predicts it, and the token. */
  scoredPosition: Int32Array;
  scoredToken: Int32Array;
  /** The action (row) each scored token belongs to. */
  scoredAction: Int32Array;
  tokenCounts: Int32Array;
  wordCounts: Int32Array;
  /** Total tokens the forward evaluates (prefix rows + suffix rows, padding excluded). */
  evaluatedTokens: number;
}

export interface PlanOptions {
  /** Evaluate each prompt's common prefix once (default true). */
  sharedPrefix?: boolean;
  /** Longest sequence allowed (the model's context). */
  contextLength: number;
}

export function planActionBatch(tokenizer: Tokenizer, prompts: readonly string[], actionLists: readonly (readonly string[])[], options: PlanOptions): ActionBatchPlan {
  if (prompts.length !== actionLists.length) throw new RangeError(`${prompts.length} prompts but ${actionLists.length} action lists`);
  const spacePrefix = tokenizer.vocab.kind === "spm" && tokenizer.vocab.addSpacePrefix;
  const sequences: number[][][] = [];
  const counts: number[] = [];
  const words: number[] = [];
  prompts.forEach((prompt, p) => {
    const actions = actionLists[p]!;
    if (actions.length === 0) throw new RangeError(`prompt ${p} has no valid actions`);
    sequences.push(
      actions.map((action) => {
        if (action.trim() === "") throw new RangeError(`action ${JSON.stringify(action)} of prompt ${p} is empty; every action needs at least one word`);
        const n = tokenizer.tokenize(spacePrefix ? action : ` ${action}`).length;
        if (n === 0) throw new RangeError(`action ${JSON.stringify(action)} tokenizes to nothing; every action needs at least one token`);
        const seq = tokenizer.tokenize(`${prompt} ${action}`, { addSpecial: true });
        if (seq.length > options.contextLength) {
          throw new RangeError(`prompt ${p} with action ${JSON.stringify(action)} is ${seq.length} tokens, ${seq.length - options.contextLength} more than the context of ${options.contextLength}`);
        }
        if (n >= seq.length) throw new RangeError(`action ${JSON.stringify(action)} has ${n} tokens but its sequence only ${seq.length}: nothing precedes it to predict it from`);
        counts.push(n);
        words.push(wordCount(action));
        return seq;
      }),
    );
  });
  const shared = options.sharedPrefix ?? true;
  let row = 0;
  const prefixLengths = sequences.map((seqs) => {
    if (!shared) return 0;
    // The common prefix, cut so that every action's first token is still predicted from a suffix row.
    let s = seqs[0]!.length;
    for (const seq of seqs) {
      let i = 0;
      while (i < s && i < seq.length && seq[i] === seqs[0]![i]) i++;
      s = i;
    }
    for (let a = 0; a < seqs.length; a++) s = Math.min(s, seqs[a]!.length - counts[row + a]! - 1);
    row += seqs.length;
    return Math.max(0, s);
  });
  const R = counts.length;
  const suffixes = sequences.flatMap((seqs, p) => seqs.map((seq) => seq.slice(prefixLengths[p]!)));
  const T = Math.max(...suffixes.map((s) => s.length));
  const rows = { tokens: new Int32Array(R * T), batch: R, length: T, lengths: new Int32Array(R), pastRow: new Int32Array(R) };
  const scoredPosition: number[] = [];
  const scoredToken: number[] = [];
  const scoredAction: number[] = [];
  let r = 0;
  sequences.forEach((seqs, p) => {
    for (const seq of seqs) {
      const suffix = seq.slice(prefixLengths[p]!);
      rows.tokens.set(suffix, r * T);
      rows.lengths[r] = suffix.length;
      rows.pastRow[r] = p;
      const n = counts[r]!;
      for (let k = suffix.length - n; k < suffix.length; k++) {
        scoredPosition.push(r * T + k - 1);
        scoredToken.push(suffix[k]!);
        scoredAction.push(r);
      }
      r++;
    }
  });
  const Smax = Math.max(...prefixLengths);
  let prefix: TokenBatch | null = null;
  if (Smax > 0) {
    prefix = { tokens: new Int32Array(prompts.length * Smax), batch: prompts.length, length: Smax, lengths: Int32Array.from(prefixLengths) };
    // A prompt whose prefix is empty has a cache row of padding only; its suffix rows mask all of it.
    sequences.forEach((seqs, p) => prefix!.tokens.set(seqs[0]!.slice(0, prefixLengths[p]!), p * Smax));
  }
  const evaluatedTokens = prefixLengths.reduce((s, x) => s + x, 0) + suffixes.reduce((s, x) => s + x.length, 0);
  return {
    actionCounts: actionLists.map((a) => a.length),
    prefix,
    rows,
    scoredPosition: Int32Array.from(scoredPosition),
    scoredToken: Int32Array.from(scoredToken),
    scoredAction: Int32Array.from(scoredAction),
    tokenCounts: Int32Array.from(counts),
    wordCounts: Int32Array.from(words),
    evaluatedTokens,
  };
}

/** Prompts tokenized with BOS for the critic, right-padded; their last real token's hidden state is the critic's input. */
export function planPrompts(tokenizer: Tokenizer, prompts: readonly string[], contextLength: number): TokenBatch {
  const seqs = prompts.map((p, i) => {
    const s = tokenizer.tokenize(p, { addSpecial: true });
    if (s.length === 0) throw new RangeError(`prompt ${i} tokenizes to nothing`);
    if (s.length > contextLength) throw new RangeError(`prompt ${i} is ${s.length} tokens, ${s.length - contextLength} more than the context of ${contextLength}`);
    return s;
  });
  const T = Math.max(...seqs.map((s) => s.length));
  const tokens = new Int32Array(prompts.length * T);
  seqs.forEach((s, i) => tokens.set(s, i * T));
  return { tokens, batch: prompts.length, length: T, lengths: Int32Array.from(seqs, (s) => s.length) };
}
