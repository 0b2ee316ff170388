import { test } from "node:test";
import assert from "node:assert/strict";
import { ExperimentError, resolveExperiment, type ResolvedExperiment } from "../../../runtime/src/experiment/resolve.js";

const TEXT = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "mc",
  env: "MountainCar-v0",
  algorithm: "ppo",
  subgoals: [
    { name: "swingLeft", achieved: ({ obs }) => obs.position < -0.9 },
    { name: "climb", achieved: ({ obs }) => obs.postion > 0 },
  ],
  selfImitation: { coef: 1, source: "subgoals" },
});
`;
const source = (): ResolvedExperiment["source"] => ({ path: "/work/x/mc.rl.ts", text: TEXT, sha256: "0".repeat(64), bundle: "" });
const BASE = { name: "mc", env: "MountainCar-v0", algorithm: "ppo" } as const;

function error(config: unknown): ExperimentError {
  try {
    resolveExperiment(config, source());
  } catch (err) {
    assert.ok(err instanceof ExperimentError, `expected an ExperimentError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected an ExperimentError");
}

test("sub-goals, their reward and self-imitation resolve with defaults", () => {
  const r = resolveExperiment(BASE, source());
  assert.deepEqual(r.subgoals, []);
  assert.equal(r.subgoalReward, 1);
  assert.equal(r.selfImitation, null);
  const s = resolveExperiment(
    { ...BASE, subgoals: [{ name: "swingLeft", description: "back up the left hill", achieved: ({ obs }: { obs: { position: number } }) => obs.position < -0.9 }], subgoalReward: 0.5, selfImitation: { coef: 2, source: "subgoals" } },
    source(),
  );
  assert.equal(s.subgoals[0]!.name, "swingLeft");
  assert.deepEqual(s.subgoals[0]!.place, { file: "/work/x/mc.rl.ts", line: 8, column: 7 });
  assert.equal(s.subgoalReward, 0.5);
  assert.deepEqual(s.selfImitation, { coef: 2, source: "subgoals", valueCoef: 0.01, updatesPerIteration: null, maxTransitions: 50_000 });
});

test("a predicate reading an unknown field fails at resolve time, at the sub-goal", () => {
  const e = error({ ...BASE, subgoals: [{ name: "swingLeft", achieved: () => true }, { name: "climb", achieved: ({ obs }: { obs: Record<string, number> }) => obs.postion! > 0 }] });
  assert.match(e.message, /mc\.rl\.ts:9:7: error: sub-goal "climb": reads obs\.postion, which MountainCar-v0 does not have: did you mean obs\.position\?/);
  assert.equal(e.line, 9);
  assert.equal(e.field, "subgoals");
});

test("non-boolean results, throws and malformed lists are clear errors", () => {
  assert.match(error({ ...BASE, subgoals: [{ name: "swingLeft", achieved: ({ obs }: { obs: { position: number } }) => obs.position }] }).message, /sub-goal "swingLeft": achieved returned -0\.\d+ \(number\); it must return true or false/);
  assert.match(error({ ...BASE, subgoals: [{ name: "swingLeft", achieved: () => { throw new Error("x"); } }] }).message, /sub-goal "swingLeft": achieved threw Error: x/);
  assert.match(error({ ...BASE, subgoals: { name: "a" } }).message, /subgoals = .* must be a list/);
  assert.match(error({ ...BASE, subgoals: [{ name: "has space", achieved: () => true }] }).message, /must be an identifier/);
  assert.match(error({ ...BASE, subgoals: [{ name: "a", achieved: () => true }, { name: "a", achieved: () => true }] }).message, /two sub-goals are named "a"/);
  assert.match(error({ ...BASE, subgoals: [{ name: "a", achived: () => true }] }).message, /unknown field "achived": did you mean "achieved"\?/);
  assert.match(error({ ...BASE, subgoals: [{ name: "a" }] }).message, /achieved = undefined must be a function/);
  assert.match(error({ ...BASE, subgoalReward: 1 }).message, /no subgoals/);
  assert.match(error({ ...BASE, subgoals: [{ name: "a", achieved: () => true }], subgoalReward: "1" }).message, /subgoalReward = "1" must be a finite number/);
  assert.match(error({ ...BASE, selfImitation: { coef: 1, source: "subgoals" } }).message, /needs subgoals/);
  assert.match(error({ ...BASE, selfImitation: { coef: -1, source: "task" } }).message, /coef = -1 must be a number ≥ 0/);
  assert.match(error({ ...BASE, selfImitation: { coef: 1, source: "best" } }).message, /source = "best" must be "task"/);
  assert.match(error({ ...BASE, selfImitation: { coef: 1, source: "task", cof: 1 } }).message, /unknown field "cof"/);
});

test("sub-goals and self-imitation with several learners are refused, naming the field", () => {
  const subgoals = [{ name: "swingLeft", achieved: ({ obs }: { obs: { position: number } }) => obs.position < -0.9 }];
  const two = { hyperparameters: { numLearners: 2 } };
  const a = error({ ...BASE, ...two, subgoals });
  assert.match(a.message, /subgoals with numLearners = 2: .* use numLearners: 1/);
  assert.equal(a.field, "subgoals");
  assert.equal(error({ ...BASE, ...two, subgoals, selfImitation: { coef: 1, source: "task" } }).field, "selfImitation");
  assert.equal(resolveExperiment({ ...BASE, subgoals, hyperparameters: { numLearners: 1 } }, source()).hyperparameters.numLearners, 1);
});

test("sub-goals and self-imitation under algorithm twosome are refused, naming the field", () => {
  const twosome = { name: "t", env: "Overcooked-TomatoSalad-v0", algorithm: "twosome", llm: { normalization: "word" } };
  let e: unknown;
  try {
    // Any existing file passes the model lookup; the sub-goal check comes after it.
    resolveExperiment({ ...twosome, subgoals: [{ name: "start", achieved: () => true }] }, source(), { model: __filename });
  } catch (err) {
    e = err;
  }
  assert.ok(e instanceof ExperimentError, String(e));
  assert.match(e.message, /subgoals with algorithm "twosome": .* part of algorithm "ppo"/);
  assert.equal(e.field, "subgoals");
});
