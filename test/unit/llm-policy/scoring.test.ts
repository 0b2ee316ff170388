/**
 * TWOSOME's scoring maths on hand-computed numbers: word counts, the three normalisations, the
 * softmax over actions, and the batch layout (shared prefix, which tokens are scored from where),
 * plus the errors for an empty action and a sequence longer than the context.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { logSoftmax, normalizeScores, planActionBatch, planPrompts, wordCount } from "../../../runtime/src/llm-policy/scoring.js";
import { Tokenizer } from "../../../runtime/src/llm-policy/tokenizer.js";
import { TokenType, Vocabulary } from "../../../runtime/src/llm-policy/vocabulary.js";

const close = (a: ArrayLike<number>, b: number[], tol = 1e-12) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

test("word counts as Python's str.split()", () => {
  assert.equal(wordCount("pick up the tomato"), 4);
  assert.equal(wordCount("  serve   nothing \t"), 2);
  assert.equal(wordCount("chop"), 1);
  assert.equal(wordCount("   "), 0);
});

test("the three normalisations and the softmax, by hand", () => {
  // Summed log-likelihoods of three actions with 3, 2, 1 tokens and 2, 2, 1 words.
  const sums = [-6, -4, -3];
  const tokens = [3, 2, 1];
  const words = [2, 2, 1];
  close(normalizeScores(sums, tokens, words, "token"), [-2, -2, -3]);
  close(normalizeScores(sums, tokens, words, "word"), [-3, -2, -3]);
  close(normalizeScores(sums, tokens, words, "none"), [-6, -4, -3]);
  // token: π ∝ (e⁻², e⁻², e⁻³) → 1/(2 + e⁻¹) twice, e⁻¹/(2 + e⁻¹).
  const z = 2 + Math.exp(-1);
  close(Array.from(logSoftmax([-2, -2, -3]), Math.exp), [1 / z, 1 / z, Math.exp(-1) / z]);
  // word: (e⁻³, e⁻², e⁻³) → e⁻¹/(1 + 2e⁻¹), 1/(1 + 2e⁻¹), e⁻¹/(1 + 2e⁻¹).
  const w = 1 + 2 * Math.exp(-1);
  close(Array.from(logSoftmax([-3, -2, -3]), Math.exp), [Math.exp(-1) / w, 1 / w, Math.exp(-1) / w]);
  // none: (e⁻⁶, e⁻⁴, e⁻³) → e⁻³/(e⁻³ + e⁻¹ + 1), e⁻¹/…, 1/….
  const n = Math.exp(-3) + Math.exp(-1) + 1;
  close(Array.from(logSoftmax([-6, -4, -3]), Math.exp), [Math.exp(-3) / n, Math.exp(-1) / n, 1 / n]);
});

/** Words as single SentencePiece pieces: ▁x, ▁y, ▁a, ▁b, ▁c (ids 3–7 after <unk>, <s>, </s>). */
function wordTokenizer(): Tokenizer {
  const pieces = ["▁x", "▁y", "▁a", "▁b", "▁c"];
  const tokens = ["<unk>", "<s>", "</s>", ...pieces, "▁", "x", "y", "a", "b", "c"];
  const types = tokens.map((_, i) => (i === 0 ? TokenType.unknown : i < 3 ? TokenType.control : TokenType.normal));
  // Whole-word pieces score highest so "▁x" forms before anything else.
  const scores = tokens.map((t) => (t.length === 2 && t.startsWith("▁") ? 0 : -10));
  return new Tokenizer(new Vocabulary({ kind: "spm", tokens, types, scores }));
}

test("batch plan: shared prefix, suffix rows, scored positions and targets", () => {
  const tok = wordTokenizer();
  const [x, y, a, b, c] = [3, 4, 5, 6, 7];
  // "x y a b" = [BOS x y a b] (action: 2 tokens), "x y c" = [BOS x y c] (1 token).
  const plan = planActionBatch(tok, ["x y"], [["a b", "c"]], { contextLength: 16 });
  assert.deepEqual(plan.tokenCounts, Int32Array.from([2, 1]));
  assert.deepEqual(plan.wordCounts, Int32Array.from([2, 1]));
  // Common prefix [BOS x y] cut by one so that y (which predicts each action's first token) is in the rows.
  assert.deepEqual(plan.prefix, { tokens: Int32Array.from([1, x]), batch: 1, length: 2, lengths: Int32Array.from([2]) });
  assert.deepEqual(plan.rows.tokens, Int32Array.from([y, a, b, y, c, 0]));
  assert.deepEqual(plan.rows.lengths, Int32Array.from([3, 2]));
  assert.deepEqual(plan.rows.pastRow, Int32Array.from([0, 0]));
  // a is predicted from row 0 position 0 (y), b from row 0 position 1 (a), c from row 1 position 0 (y).
  assert.deepEqual(plan.scoredPosition, Int32Array.from([0, 1, 3]));
  assert.deepEqual(plan.scoredToken, Int32Array.from([a, b, c]));
  assert.deepEqual(plan.scoredAction, Int32Array.from([0, 0, 1]));
  assert.equal(plan.evaluatedTokens, 2 + 3 + 2);

  const reference = planActionBatch(tok, ["x y"], [["a b", "c"]], { contextLength: 16, sharedPrefix: false });
  assert.equal(reference.prefix, null);
  assert.deepEqual(reference.rows.tokens, Int32Array.from([1, x, y, a, b, 1, x, y, c, 0]));
  assert.deepEqual(reference.scoredPosition, Int32Array.from([2, 3, 7]));
  assert.deepEqual(reference.scoredToken, Int32Array.from([a, b, c]));
});

test("batch plan: several prompts with different action counts, rows prompt-major", () => {
  const tok = wordTokenizer();
  const plan = planActionBatch(tok, ["x", "y y"], [["a"], ["b", "c", "a b"]], { contextLength: 16 });
  assert.deepEqual(plan.actionCounts, [1, 3]);
  assert.deepEqual(plan.rows.pastRow, Int32Array.from([0, 1, 1, 1]));
  assert.deepEqual(plan.prefix?.lengths, Int32Array.from([1, 2]));
});

test("an empty action or one with no tokens is rejected by name; an overlong sequence says by how much", () => {
  const tok = wordTokenizer();
  assert.throws(() => planActionBatch(tok, ["x"], [["a", "  "]], { contextLength: 16 }), /action "  " of prompt 0 is empty/);
  // A byte-level vocabulary of just "a" and "b": " \u0007" has no token (llama.cpp drops such pieces).
  const bpe = new Tokenizer(new Vocabulary({ kind: "bpe", tokens: ["a", "b"], merges: [], preTokenizer: "qwen2", addBos: false }));
  assert.throws(() => planActionBatch(bpe, ["a"], [["\u0007"]], { contextLength: 16 }), /action "\\u0007" tokenizes to nothing/);
  assert.throws(() => planActionBatch(tok, ["x y x y"], [["a b"]], { contextLength: 6 }), /prompt 0 with action "a b" is 7 tokens, 1 more than the context of 6/);
  assert.throws(() => planPrompts(tok, ["x y x y x y"], 5), /prompt 0 is 7 tokens, 2 more than the context of 5/);
  assert.throws(() => planActionBatch(tok, ["x"], [[]], { contextLength: 16 }), /prompt 0 has no valid actions/);
});
