import { test } from "node:test";
import assert from "node:assert/strict";
import { ENV_SPECS, envIds, getEnvSpec, makeEnv, suggestEnvId } from "../../../runtime/src/envs/registry.js";
import { TimeLimit } from "../../../runtime/src/envs/time-limit.js";
import { levenshtein } from "../../../runtime/src/util/levenshtein.js";
import { defineExperiment, type BuiltinActions, type BuiltinEnvId, type BuiltinObservations } from "../../../runtime/src/api.js";

test("levenshtein: textbook distances", () => {
  assert.equal(levenshtein("kitten", "sitting"), 3); // k→s, e→i, +g
  assert.equal(levenshtein("flaw", "lawn"), 2); // −f, +n
  assert.equal(levenshtein("", "abc"), 3);
  assert.equal(levenshtein("abc", ""), 3);
  assert.equal(levenshtein("same", "same"), 0);
  assert.equal(levenshtein("ab", "ba"), 2); // no transpositions in plain Levenshtein
  assert.equal(levenshtein("Case", "case"), 1, "case-sensitive");
  assert.equal(levenshtein("sitting", "kitten"), levenshtein("kitten", "sitting"), "symmetric");
});

const TEXT_ENV_IDS = ["Overcooked-TomatoSalad-v0", "Overcooked-TomatoLettuceSalad-v0", "VirtualHome-FoodPreparation-v0", "VirtualHome-Entertainment-v0"];

test("registry: the Gymnasium ids with Gymnasium's limits and thresholds, then TWOSOME's text tasks", () => {
  assert.deepEqual(envIds(), ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1", ...TEXT_ENV_IDS]);
  assert.deepEqual(
    ENV_SPECS.map((s) => [s.id, s.maxEpisodeSteps, s.rewardThreshold]),
    [
      ["CartPole-v1", 500, 475],
      ["Acrobot-v1", 500, -100],
      ["MountainCar-v0", 200, -110],
      ["MountainCarContinuous-v0", 999, 90],
      ["Pendulum-v1", 200, undefined],
      // Overcooked: 200 primitive steps (the env truncates itself; 200 macro-steps never bind first); VirtualHome: 50 steps.
      ["Overcooked-TomatoSalad-v0", 200, undefined],
      ["Overcooked-TomatoLettuceSalad-v0", 200, undefined],
      ["VirtualHome-FoodPreparation-v0", 50, undefined],
      ["VirtualHome-Entertainment-v0", 50, undefined],
    ],
  );
  assert.equal(getEnvSpec("Pendulum-v1")?.id, "Pendulum-v1");
  assert.equal(getEnvSpec("pendulum-v1"), undefined, "ids are exact");
});

test("registry: makeEnv wraps in TimeLimit(spec.maxEpisodeSteps) and gives a fresh env each call", () => {
  for (const spec of ENV_SPECS) {
    const env = makeEnv(spec.id);
    assert.ok(env instanceof TimeLimit);
    assert.equal((env as TimeLimit).maxEpisodeSteps, spec.maxEpisodeSteps);
    assert.equal(env.spec, spec);
    assert.notEqual(makeEnv(spec.id), env);
  }
});

test("registry: an unknown id names the known ones and the closest", () => {
  assert.throws(
    () => makeEnv("CartPole-v0"),
    (e: Error) =>
      e.message.includes('Unknown environment id "CartPole-v0"') &&
      e.message.includes('Did you mean "CartPole-v1"?') &&
      e.message.includes("Known ids: CartPole-v1, Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0, Pendulum-v1, Overcooked-TomatoSalad-v0"),
  );
  assert.throws(() => makeEnv("HalfCheetah-v4"), (e: Error) => !e.message.includes("Did you mean") && e.message.includes("Known ids"));
});

test("suggestEnvId: case-insensitive, version optional, nothing when far", () => {
  assert.equal(suggestEnvId("cartpole"), "CartPole-v1");
  assert.equal(suggestEnvId("CARTPOLE-V1"), "CartPole-v1");
  assert.equal(suggestEnvId("Cartpol-v1"), "CartPole-v1");
  assert.equal(suggestEnvId("acrobot-v0"), "Acrobot-v1");
  assert.equal(suggestEnvId("mountaincar"), "MountainCar-v0");
  assert.equal(suggestEnvId("MountainCarContinous-v0"), "MountainCarContinuous-v0");
  assert.equal(suggestEnvId("Pendulum-v0"), "Pendulum-v1");
  assert.equal(suggestEnvId("HalfCheetah-v4"), undefined);
  assert.equal(suggestEnvId(""), undefined);
});

const KITCHEN_TASK_FIELDS = [
  "taskTomatoSalad", "taskLettuceSalad", "taskOnionSalad", "taskLettuceTomatoSalad", "taskOnionTomatoSalad", "taskLettuceOnionSalad", "taskLettuceOnionTomatoSalad",
] as const;

test("registry: observation field names match the rl-studio API's BuiltinObservations", () => {
  // Typed by BuiltinObservations: a name the API does not declare fails the type check.
  const expected: { [Id in BuiltinEnvId]: (keyof BuiltinObservations[Id])[] } = {
    "CartPole-v1": ["x", "xDot", "theta", "thetaDot"],
    "Acrobot-v1": ["cosTheta1", "sinTheta1", "cosTheta2", "sinTheta2", "thetaDot1", "thetaDot2"],
    "MountainCar-v0": ["position", "velocity"],
    "MountainCarContinuous-v0": ["position", "velocity"],
    "Pendulum-v1": ["cosTheta", "sinTheta", "thetaDot"],
    "Overcooked-TomatoSalad-v0": [
      "tomatoRow", "tomatoCol", "tomatoChops", "plateRow", "plateCol", "knifeRow", "knifeCol", "deliveryRow", "deliveryCol", "agentRow", "agentCol", ...KITCHEN_TASK_FIELDS,
    ],
    "Overcooked-TomatoLettuceSalad-v0": [
      "tomatoRow", "tomatoCol", "tomatoChops", "lettuceRow", "lettuceCol", "lettuceChops", "onionRow", "onionCol", "onionChops",
      "plateRow", "plateCol", "knife1Row", "knife1Col", "knife2Row", "knife2Col", "deliveryRow", "deliveryCol", "agentRow", "agentCol", ...KITCHEN_TASK_FIELDS,
    ],
    "VirtualHome-FoodPreparation-v0": [
      "inKitchen", "inBathroom", "inBedroom", "inLivingroom", "seePancake", "closeToPancake", "holdPancake", "seeMicrowave", "closeToMicrowave", "isMicrowaveOpen", "pancakeInMicrowave",
    ],
    "VirtualHome-Entertainment-v0": [
      "inKitchen", "inBathroom", "inBedroom", "inLivingroom", "seeChips", "closeToChips", "holdChips", "chipsOnCoffeetable", "seeMilk", "closeToMilk", "holdMilk", "milkOnCoffeetable",
      "seeTv", "closeToTv", "isFaceTv", "isTvOn", "seeSofa", "closeToSofa", "isSitSofa", "seeCoffeetable", "closeToCoffeetable",
    ],
  };
  assert.deepEqual(Object.keys(expected).sort(), envIds().sort());
  for (const spec of ENV_SPECS) {
    assert.deepEqual(spec.observationFields.map((f) => f.name), expected[spec.id as BuiltinEnvId], spec.id);
    for (const field of spec.observationFields) assert.ok(field.description.length > 10, `${spec.id}.${field.name} has a description`);
    for (const section of Object.values(spec.docs)) assert.ok(section.length > 10, `${spec.id} docs`);
  }
});

test("registry: each env's action space kind matches the rl-studio API's BuiltinActions (number vs number[])", () => {
  // Typed by BuiltinActions: a wrong kind here fails the type check (npm test runs tsc first).
  const declared: { [Id in BuiltinEnvId]: BuiltinActions[Id] extends number ? "discrete" : "box" } = {
    "CartPole-v1": "discrete",
    "Acrobot-v1": "discrete",
    "MountainCar-v0": "discrete",
    "MountainCarContinuous-v0": "box",
    "Pendulum-v1": "box",
    "Overcooked-TomatoSalad-v0": "discrete",
    "Overcooked-TomatoLettuceSalad-v0": "discrete",
    "VirtualHome-FoodPreparation-v0": "discrete",
    "VirtualHome-Entertainment-v0": "discrete",
  };
  for (const spec of ENV_SPECS) assert.equal(spec.actionSpace.kind, declared[spec.id as BuiltinEnvId], spec.id);
  // What the declarations let a reward write: arithmetic on a discrete action, indexing a continuous one.
  const cartpole = defineExperiment({ name: "t", env: "CartPole-v1", algorithm: "ppo", reward: ({ action, nextObs }) => ({ push: action - 0.5 - nextObs.x }) });
  const pendulum = defineExperiment({ name: "t", env: "Pendulum-v1", algorithm: "ppo", reward: ({ action }) => ({ effort: -action[0]! * action[0]! }) });
  const t = { obs: {}, nextObs: {}, envReward: 0, terminated: false, truncated: false, episodeStep: 0 };
  assert.deepEqual(cartpole.reward!({ ...t, action: 1, obs: { x: 0, xDot: 0, theta: 0, thetaDot: 0 }, nextObs: { x: 0.25, xDot: 0, theta: 0, thetaDot: 0 } }), { push: 0.25 });
  assert.deepEqual(pendulum.reward!({ ...t, action: [2], obs: { cosTheta: 1, sinTheta: 0, thetaDot: 0 }, nextObs: { cosTheta: 1, sinTheta: 0, thetaDot: 0 } }), { effort: -4 });
});
