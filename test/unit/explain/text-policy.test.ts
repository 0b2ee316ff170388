import { test } from "node:test";
import assert from "node:assert/strict";
import { distinguishingExcerpts, promptExcerpt, summarizeTextPolicy, textStateFacts, type TextStep } from "../../../runtime/src/explain/text-policy.js";

const L = Math.log;
const kitchen: TextStep = { prompt: "You are in the kitchen.", actions: ["pick up the tomato", "wait", "go to the cutting board"], logProbs: [L(0.3), L(0.2), L(0.5)] };
const board: TextStep = { prompt: "You hold a tomato.", actions: ["chop", "serve"], logProbs: [L(0.9), L(0.1)] };

test("text states: counted per prompt and action list, most visited first, actions by probability", () => {
  const { distinctStates, states } = textStateFacts([kitchen, board, board, kitchen, board]);
  assert.equal(distinctStates, 2);
  assert.deepEqual(states.map((s) => [s.prompt, s.visits]), [["You hold a tomato.", 3], ["You are in the kitchen.", 2]]);
  const probs = states[1]!.actions.map((a) => [a.text, Number(a.probability.toFixed(12))]);
  assert.deepEqual(probs, [["go to the cutting board", 0.5], ["pick up the tomato", 0.3], ["wait", 0.2]]);
});

test("text states: equal visits keep the first visited first, equal probabilities the env's order; the same prompt with other actions is another state", () => {
  const other = { ...kitchen, actions: ["wait", "serve", "chop"], logProbs: [L(1 / 3), L(1 / 3), L(1 / 3)] };
  const { distinctStates, states } = textStateFacts([board, kitchen, other]);
  assert.equal(distinctStates, 3);
  assert.deepEqual(states.map((s) => s.prompt), ["You hold a tomato.", "You are in the kitchen.", "You are in the kitchen."]);
  assert.deepEqual(states[2]!.actions.map((a) => a.text), ["wait", "serve", "chop"]);
});

test("text states: at most maxStates listed, all counted; mismatched lengths refused", () => {
  const { distinctStates, states } = textStateFacts([kitchen, board], 1);
  assert.equal(distinctStates, 2);
  assert.equal(states.length, 1);
  assert.throws(() => textStateFacts([{ ...board, logProbs: [0] }]), /2 actions but 1 log-probabilities/);
});

test("text policy summary: the sample with its n, then each state's action probabilities", () => {
  const { distinctStates, states } = textStateFacts([kitchen, board, board, kitchen, board]);
  assert.deepEqual(summarizeTextPolicy({ runId: "r", experimentName: "salad", envId: "Overcooked-TomatoSalad-v0", globalStep: 64, model: "/m/stories260K.gguf", episodes: 2, steps: 5, successRate: 0.5, distinctStates, states }), [
    "Over 2 greedy evaluation episodes (n = 5 steps) the policy succeeded in 50 % of episodes and visited 2 distinct text states.",
    'State 1 (n = 3 of 5 steps, "You hold a tomato."): π = "chop" 0.90, "serve" 0.10.',
    'State 2 (n = 2 of 5 steps, "You are in the kitchen."): π = "go to the cutting board" 0.50, "pick up the tomato" 0.30, "wait" 0.20.',
  ]);
});

test("prompt excerpt: whitespace collapsed, a long prompt keeps its end", () => {
  assert.equal(promptExcerpt("a\n  b"), "a b");
  assert.equal(promptExcerpt("0123456789", 5), "…6789");
});

// Overcooked's prompts (obs2textWrapper's template) differ only in the middle: the start describes the room, the end is the task.
const ROOM = "There is a fixed cutting board in the room. You notice a tomato on the table.";
const TASK = "To serve the dish of a bowl only containing chopped tomato, you should first";
const carrying = `${ROOM} Currently you are carrying a bowl in hand. ${TASK}`;
const empty = `${ROOM}\n Currently you don't have anything in hand. ${TASK}`;

test("distinguishing excerpts: the shared start and end are cut but for two words either side of the difference", () => {
  assert.deepEqual(distinguishingExcerpts([carrying, empty, carrying]), [
    "…Currently you are carrying a bowl in hand.…",
    "…Currently you don't have anything in hand.…",
    "…Currently you are carrying a bowl in hand.…",
  ]);
  assert.deepEqual(distinguishingExcerpts(["x y z a1 b c d", "x y z a2 b c d"]), ["…y z a1 b c…", "…y z a2 b c…"]);
  // What is left is kept from its start, max characters in all.
  assert.deepEqual(distinguishingExcerpts([carrying, empty], 20), ["…Currently you are…", "…Currently you don'…"]);
});

test("distinguishing excerpts: one prompt, nothing shared, or nothing different fall back to promptExcerpt", () => {
  assert.deepEqual(distinguishingExcerpts([carrying], 30), [promptExcerpt(carrying, 30)]);
  assert.deepEqual(distinguishingExcerpts(["You are in the kitchen.", "You hold a tomato."]), ["You are in the kitchen.", "You hold a tomato."]);
  assert.deepEqual(distinguishingExcerpts(["abc def", "abc"]), ["abc def", "abc"]);
  assert.deepEqual(distinguishingExcerpts([carrying, carrying.replace(/ /g, "  ")], 30), [promptExcerpt(carrying, 30), promptExcerpt(carrying, 30)]);
  assert.deepEqual(distinguishingExcerpts([]), []);
});
