import { test } from "node:test";
import assert from "node:assert/strict";
import { subgoalFacts } from "../../../runtime/src/explain/facts.js";
import { subgoalSentence } from "../../../runtime/src/explain/summary.js";
import type { ModeRollout, RolloutEpisode } from "../../../runtime/src/explain/rollouts.js";
import type { ModeFacts } from "../../../protocol/src/explain.js";

const episode = (i: number, subgoalSteps: number[] | null): RolloutEpisode => ({
  mode: "deterministic",
  episode: i,
  seed: i,
  return: -100,
  length: 100,
  ending: { kind: "terminated", cause: "goal reached" },
  firstStep: 0,
  finalObs: new Float32Array(2),
  states: null,
  components: null,
  subgoalSteps,
});

test("sub-goal facts: achievement rate and median / range of the step each is reached at", () => {
  const r: ModeRollout = {
    mode: "deterministic",
    episodes: [episode(0, [3, 40]), episode(1, [5]), episode(2, [4, 60]), episode(3, [])],
    steps: [],
    componentNames: [],
    subgoals: [
      { name: "moving", description: "get moving" },
      { name: "left", description: "" },
      { name: "flag", description: "" },
    ],
  };
  const facts = subgoalFacts(r)!;
  assert.deepEqual(facts[0], { name: "moving", description: "get moving", reached: 3, rate: 0.75, medianStep: 4, minStep: 3, maxStep: 5 });
  assert.deepEqual(facts[1], { name: "left", description: "", reached: 2, rate: 0.5, medianStep: 50, minStep: 40, maxStep: 60 });
  assert.deepEqual(facts[2], { name: "flag", description: "", reached: 0, rate: 0, medianStep: null, minStep: null, maxStep: null });
  assert.equal(subgoalFacts({ ...r, subgoals: [] }), null);
  const sentence = subgoalSentence({ mode: "deterministic", episodes: 4, subgoals: facts } as unknown as ModeFacts)!;
  assert.match(sentence, /^Sub-goals reached, in order, over 4 deterministic episodes: moving 75% \(typically at step 4, 3–5\), left 50% \(typically at step 50, 40–60\), flag never\.$/);
});
