// The explanation panel's view of a TWOSOME run (media/src/explain-text.ts) on hand-made facts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { textPolicyMeta, textStatesNote, textStateViews } from "../../../media/src/explain-text.js";
import { facts, LONG_PROMPT } from "../explain/text-policy-fixture.js";

test("the panel's view: states most visited first, excerpt and whole prompt, π with two decimals, the greedy (most probable, first of ties) marked", () => {
  const views = textStateViews(facts, 40);
  assert.equal(views.length, 4);
  assert.equal(views[0]!.title, "State 1 · 8 of 20 steps (40%)");
  assert.equal(views[0]!.prompt, LONG_PROMPT);
  assert.equal(views[0]!.excerpt, "… hold nothing. What should you do next?");
  assert.deepEqual(views[0]!.actions.map((a) => [a.text, a.label, a.greedy]), [
    ["pick up the tomato", "0.63", true],
    ["pick up the lettuce", "0.25", false],
    ["serve nothing", "0.06", false],
    ["chop nothing", "0.06", false],
  ]);
  assert.deepEqual(views[2]!.actions.map((a) => a.greedy), [true, false], "a tie: the first listed is the greedy one");
  // The most probable is marked even where the list is not sorted (facts from another writer).
  const unsorted = textStateViews({ ...facts, states: [{ prompt: "p", visits: 1, actions: [{ text: "a", probability: 0.2 }, { text: "b", probability: 0.8 }] }] });
  assert.deepEqual(unsorted[0]!.actions.map((a) => a.greedy), [false, true]);
  // Prompts that share their framing: the collapsed line is the part that tells them apart.
  const framed = textStateViews({ ...facts, states: [0, 1].map((k) => ({ prompt: `Room. You hold ${k === 0 ? "a bowl" : "nothing"} now. Serve the dish first.`, visits: 1, actions: [{ text: "a", probability: 1 }] })) });
  assert.deepEqual(framed.map((v) => v.excerpt), ["…You hold a bowl now. Serve…", "…You hold nothing now. Serve…"]);
  assert.equal(textPolicyMeta(facts, "today"), "run salad-20260101-s1 · 1,024 training steps · LLM policy stories260K.gguf with the run's LoRA adapter · 4 greedy episodes (20 steps) · success rate 75% · today");
  assert.match(textStatesNote(facts), /the 4 most visited of 5 distinct text states/);
  assert.match(textStatesNote({ ...facts, distinctStates: 4 }), /all 4 distinct text states/);
});
