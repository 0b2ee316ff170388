// A TWOSOME run's saved explanation on hand-made facts: the hover markdown (compact: success rate,
// top states with their most probable actions), the terminal report, and reading explanation.json (the text variant parses, a damaged one is refused naming the field,
// an older behaviour file still reads).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TextPolicyExplanation } from "../../../protocol/src/explain.js";
import { facts } from "./text-policy-fixture.js";
import { formatComponentHover, formatExplanationText, formatHover } from "../../../runtime/src/explain/hover.js";
import { parseExplanation } from "../../../runtime/src/explain/read.js";
import { summarizeTextPolicy } from "../../../runtime/src/explain/text-policy.js";

const explanation: TextPolicyExplanation = {
  format: "rl-studio/text-policy-explanation@1",
  createdAt: "2026-01-01T00:00:00.000Z",
  facts,
  summary: summarizeTextPolicy(facts),
  narrative: null,
  narrativeNote: "no narrative for an LLM policy: its summary states the measured action probabilities",
};

test("text-policy hover: success rate with its sample, the top 3 states with their 3 most probable actions (the greedy one bold), the link", () => {
  const md = formatHover(explanation, { openLink: "command:rlStudio.openExplanation?x" });
  assert.equal(
    md,
    [
      "**tomato-salad** · Overcooked-TomatoSalad-v0 · run `salad-20260101-s1` at 1,024 steps",
      "",
      "LLM policy (`stories260K.gguf` with the run's LoRA adapter): success rate **75%** over 4 greedy evaluation episodes (n = 20 steps, 5 distinct text states).",
      "",
      '- State 1 (n = 8), "…ou see a counter. You see a counter. You hold nothing. What should you do next?": π = **"pick up the tomato" 0.63**, "pick up the lettuce" 0.25, "serve nothing" 0.06 (+1 more)',
      '- State 2 (n = 6), "You hold a chopped tomato.": π = **"serve" 0.88**, "wait" 0.13',
      '- State 3 (n = 3), "You hold a \\[tomato\\](command:x).": π = **"chop \\*it\\*" 0.50**, "wait" 0.50',
      "",
      "_2 more states in the explanation; the most probable action (bold) is the one the greedy policy takes._",
      "",
      "[Open explanation](command:rlStudio.openExplanation?x)",
    ].join("\n"),
  );
  // Fewer states than asked for: all shown, no "more" line.
  const two = formatHover({ ...explanation, facts: { ...facts, distinctStates: 2, states: facts.states.slice(0, 2) } }, { maxStates: 5 });
  assert.doesNotMatch(two, /more states/);
  assert.match(two, /State 2 .*\n\n_The most probable action \(bold\) is the one the greedy policy takes\._$/);
});

test("text-policy hover: prompts that share their framing show the words that tell them apart", () => {
  const room = "There is a fixed cutting board in the room. You notice a tomato on the table.";
  const task = "To serve the dish of a bowl only containing chopped tomato, you should first";
  const states = [
    { prompt: `${room} Currently you are carrying a bowl in hand. ${task}`, visits: 5, actions: [{ text: "put the tomato in the bowl", probability: 0.5 }, { text: "wait", probability: 0.5 }] },
    { prompt: `${room} Currently you don't have anything in hand. ${task}`, visits: 2, actions: [{ text: "take the bowl", probability: 1 }] },
  ];
  const md = formatHover({ ...explanation, facts: { ...facts, distinctStates: 2, states } });
  assert.match(md, /- State 1 \(n = 5\), "…Currently you are carrying a bowl in hand\.…": π = \*\*"put the tomato in the bowl" 0\.50\*\*, "wait" 0\.50\n/);
  assert.match(md, /- State 2 \(n = 2\), "…Currently you don't have anything in hand\.…": π = \*\*"take the bowl" 1\.00\*\*\n/);
});

test("text-policy explanation: no reward-component hover; the terminal report names the LLM policy and lists the summary", () => {
  assert.equal(formatComponentHover(explanation, "upright"), null);
  const text = formatExplanationText(explanation, "/runs/r/explanation.json");
  assert.match(text, /^salad-20260101-s1 \(Overcooked-TomatoSalad-v0, 1,024 training steps; LLM policy stories260K\.gguf with the run's LoRA adapter\)/);
  assert.ok(text.includes(`  • ${explanation.summary[1]}`));
  assert.match(text, /\(no narrative for an LLM policy: .*\)\n\nsaved: \/runs\/r\/explanation\.json$/);
});

test("explanation.json: the text-policy variant reads back whole; older behaviour files still read", () => {
  assert.deepEqual(parseExplanation(JSON.stringify(explanation), "e.json"), explanation);
  const older = { format: "rl-studio/explanation@1", createdAt: "", facts: { runId: "r" }, summary: ["Deterministic policy: mean return 9.5"], narrative: null };
  assert.deepEqual(parseExplanation(JSON.stringify(older), "e.json"), older);
});

test("explanation.json: a damaged text-policy explanation is refused, naming the file and the field", () => {
  const damaged = (mutate: (e: Record<string, unknown> & { facts: Record<string, unknown> & { states: Record<string, unknown>[] } }) => void): string => {
    const e = JSON.parse(JSON.stringify(explanation));
    mutate(e);
    return JSON.stringify(e);
  };
  const cases: [string, RegExp][] = [
    [damaged((e) => (e.facts.states = undefined as never)), /facts\.states: not a list/],
    [damaged((e) => (e.facts.successRate = 1.5)), /facts\.successRate: not a fraction in \[0, 1\]/],
    [damaged((e) => (e.facts.episodes = "4")), /facts\.episodes: not a whole number/],
    [damaged((e) => (e.facts.model = null)), /facts\.model: not a string/],
    [damaged((e) => (e.facts.states[1]!.actions = [])), /facts\.states\[1\]\.actions: not a non-empty list/],
    [damaged((e) => ((e.facts.states[0]!.actions as { probability: unknown }[])[2]!.probability = "0.06")), /facts\.states\[0\]\.actions\[2\]\.probability: not a probability/],
    [damaged((e) => ((e.facts.states[2]!.actions as { text: unknown }[])[0]!.text = 7)), /facts\.states\[2\]\.actions\[0\]\.text: not a string/],
    [damaged((e) => (e.facts.states[3]!.prompt = undefined)), /facts\.states\[3\]\.prompt: not a string/],
    [damaged((e) => (e.summary = [1, 2])), /its facts or summary sentences are missing/],
    [damaged((e) => (e.format = "rl-studio/text-policy-explanation@2")), /not an RL Studio explanation \(format must be "rl-studio\/explanation@1" or "rl-studio\/text-policy-explanation@1"\)/],
  ];
  for (const [text, error] of cases) {
    assert.throws(() => parseExplanation(text, "/runs/r/explanation.json"), (err: Error) => err.message.startsWith("/runs/r/explanation.json: ") && error.test(err.message), String(error));
  }
});
