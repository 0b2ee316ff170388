import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkHyperparameterValue,
  hyperparametersSchema,
  validateHyperparameters,
} from "../../../runtime/src/experiment/validate.js";
import { HYPERPARAMETERS, defaultHyperparameters } from "../../../runtime/src/experiment/hyperparameters.js";

function problemsOf(raw: unknown, kind: "discrete" | "box" = "discrete") {
  const r = validateHyperparameters(raw, kind);
  if (r.problems.length > 0) assert.equal(r.hyperparameters, null, "no hyperparameters are returned alongside problems");
  return r.problems;
}

test("undefined and {} give CleanRL's defaults for the action kind", () => {
  assert.deepEqual(validateHyperparameters(undefined, "discrete"), { hyperparameters: defaultHyperparameters("discrete"), problems: [] });
  const box = validateHyperparameters({}, "box").hyperparameters!;
  assert.equal(box.numSteps, 2048);
  assert.equal(box.numMinibatches, 32);
  assert.equal(box.normalizeObservations, true);
  const discrete = validateHyperparameters({}, "discrete").hyperparameters!;
  assert.equal(discrete.numSteps, 128);
  assert.equal(discrete.learningRate, 2.5e-4);
});

test("given values override the defaults and the rest are filled", () => {
  const h = validateHyperparameters({ totalTimesteps: 100_000, numEnvs: 8, numSteps: 32, learningRate: 1e-3 }, "discrete").hyperparameters!;
  assert.equal(h.totalTimesteps, 100_000);
  assert.equal(h.numEnvs, 8);
  assert.equal(h.learningRate, 1e-3);
  assert.equal(h.gamma, 0.99);
  assert.equal(h.numMinibatches, 4);
});

test("a key present with value undefined counts as not given", () => {
  const h = validateHyperparameters({ learningRate: undefined }, "discrete").hyperparameters!;
  assert.equal(h.learningRate, 2.5e-4);
});

test("the schema has one property per table row and rejects extra keys", () => {
  const schema = hyperparametersSchema() as { properties: Record<string, unknown>; additionalProperties: boolean };
  assert.deepEqual(Object.keys(schema.properties).sort(), HYPERPARAMETERS.map((h) => h.key).sort());
  assert.equal(schema.additionalProperties, false);
});

test("out-of-range number names the field, the value and the range", () => {
  const [p, ...rest] = problemsOf({ learningRate: -0.001 });
  assert.equal(rest.length, 0);
  assert.equal(p!.field, "learningRate");
  assert.equal(p!.value, -0.001);
  assert.equal(p!.message, "learningRate = -0.001 is out of range: must be > 0 and ≤ 1");
});

test("exclusive and inclusive bounds: gamma in (0, 1], gaeLambda in [0, 1], clipCoef ≥ 0", () => {
  assert.match(checkHyperparameterValue("gamma", 0)!.message, /^gamma = 0 is out of range: must be > 0 and ≤ 1$/);
  assert.match(checkHyperparameterValue("gamma", 1.01)!.message, /must be > 0 and ≤ 1/);
  assert.equal(checkHyperparameterValue("gamma", 1), null);
  assert.equal(checkHyperparameterValue("gaeLambda", 0), null);
  assert.match(checkHyperparameterValue("gaeLambda", -0.1)!.message, /gaeLambda = -0.1 is out of range: must be ≥ 0 and ≤ 1/);
  assert.match(checkHyperparameterValue("clipCoef", -0.2)!.message, /clipCoef = -0.2 is out of range: must be ≥ 0$/);
  assert.equal(checkHyperparameterValue("clipCoef", 0), null);
});

test("wrong types name the expected type", () => {
  assert.equal(
    checkHyperparameterValue("gamma", "0.99")!.message,
    'gamma = "0.99" has the wrong type (a string): must be a finite number > 0 and ≤ 1',
  );
  assert.equal(checkHyperparameterValue("annealLr", 1)!.message, "annealLr = 1 has the wrong type (a number): must be true or false");
  assert.equal(checkHyperparameterValue("numEnvs", 2.5)!.message, "numEnvs = 2.5 is not an integer: must be an integer ≥ 1 and ≤ 4096");
  assert.match(checkHyperparameterValue("numEnvs", 5000)!.message, /numEnvs = 5000 is out of range: must be ≥ 1 and ≤ 4096/);
});

test("NaN and Infinity are rejected as numbers", () => {
  assert.match(checkHyperparameterValue("learningRate", Number.NaN)!.message, /learningRate = NaN has the wrong type \(NaN\)/);
  assert.match(checkHyperparameterValue("maxGradNorm", Infinity)!.message, /maxGradNorm = Infinity has the wrong type/);
});

test("nullable targetKl accepts null and a positive number only", () => {
  assert.equal(checkHyperparameterValue("targetKl", null), null);
  assert.equal(checkHyperparameterValue("targetKl", 0.015), null);
  assert.match(checkHyperparameterValue("targetKl", 0)!.message, /targetKl = 0 is out of range: must be > 0/);
  assert.match(checkHyperparameterValue("learningRate", null)!.message, /learningRate = null has the wrong type \(null\)/);
});

test("hiddenSizes: list of positive integers, element named by index", () => {
  assert.equal(checkHyperparameterValue("hiddenSizes", [64, 64]), null);
  assert.equal(
    checkHyperparameterValue("hiddenSizes", [64, 0])!.message,
    "hiddenSizes[1] = 0 is out of range: each element must be an integer ≥ 1 and ≤ 4096",
  );
  assert.match(checkHyperparameterValue("hiddenSizes", [32.5])!.message, /hiddenSizes\[0\] = 32.5 is not an integer/);
  assert.match(checkHyperparameterValue("hiddenSizes", [])!.message, /hiddenSizes = \[\] has 0 layers: must be a list of 1–8 integers/);
  assert.match(checkHyperparameterValue("hiddenSizes", 64)!.message, /hiddenSizes = 64 has the wrong type \(a number\)/);
});

test("unknown keys get a did-you-mean suggestion, also across snake_case", () => {
  const p = checkHyperparameterValue("gama", 0.9)!;
  assert.equal(p.field, "gama");
  assert.equal(p.suggestion, "gamma");
  assert.equal(p.message, 'unknown hyperparameter "gama": did you mean "gamma"?');
  assert.equal(checkHyperparameterValue("learning_rate", 1e-3)!.suggestion, "learningRate");
  assert.equal(checkHyperparameterValue("num_minibatches", 4)!.suggestion, "numMinibatches");
  const far = checkHyperparameterValue("banana", 1)!;
  assert.equal(far.suggestion, undefined);
  assert.match(far.message, /known: totalTimesteps, learningRate, /);
});

test("every problem is reported at once, each naming its field", () => {
  const problems = problemsOf({ learningRate: 0, gamma: 2, gama: 0.9, updateEpochs: 0 });
  assert.deepEqual(problems.map((p) => p.field).sort(), ["gama", "gamma", "learningRate", "updateEpochs"]);
  for (const p of problems) assert.ok(p.message.includes(p.field), p.message);
});

test("numMinibatches must divide numEnvs × numSteps", () => {
  const [p, ...rest] = problemsOf({ numEnvs: 8, numSteps: 32, numMinibatches: 3, totalTimesteps: 10_000 });
  assert.equal(rest.length, 0);
  assert.equal(p!.field, "numMinibatches");
  assert.match(p!.message, /batch of 256 \(numEnvs 8 × numSteps 32\) is not divisible into 3 minibatches/);
  assert.match(p!.message, /divisor of 256 such as 1, 2, 4, 8/);
  // A divisor is fine, including the whole batch as one minibatch per sample.
  assert.deepEqual(problemsOf({ numEnvs: 8, numSteps: 32, numMinibatches: 256, totalTimesteps: 10_000 }), []);
});

test("divisibility is checked against defaults for keys not given", () => {
  // discrete defaults: numEnvs 4 × numSteps 128 = 512; 5 does not divide it.
  const [p] = problemsOf({ numMinibatches: 5 });
  assert.match(p!.message, /batch of 512 \(numEnvs 4 × numSteps 128\) is not divisible into 5 minibatches/);
  // box defaults: 1 × 2048 into 32 minibatches is fine; 3 is not.
  assert.deepEqual(problemsOf({}, "box"), []);
  assert.match(problemsOf({ numMinibatches: 3 }, "box")[0]!.message, /batch of 2048 \(numEnvs 1 × numSteps 2048\)/);
});

test("totalTimesteps must cover at least one batch", () => {
  const [p, ...rest] = problemsOf({ numEnvs: 8, numSteps: 32, numMinibatches: 4, totalTimesteps: 100 });
  assert.equal(rest.length, 0);
  assert.equal(p!.field, "totalTimesteps");
  assert.equal(p!.message, "totalTimesteps = 100 is smaller than one rollout, a batch of 256 (numEnvs 8 × numSteps 32): must be ≥ 256");
  assert.deepEqual(problemsOf({ numEnvs: 8, numSteps: 32, totalTimesteps: 256 }), []);
});

test("numLearners: a positive integer; all learners' rollouts must fit in totalTimesteps; not with observation or reward normalisation", () => {
  assert.match(checkHyperparameterValue("numLearners", 0)!.message, /numLearners = 0 is out of range: must be ≥ 1 and ≤ 64/);
  assert.match(checkHyperparameterValue("numLearners", 1.5)!.message, /numLearners = 1.5/);
  assert.deepEqual(problemsOf({ numEnvs: 4, numSteps: 32, numMinibatches: 2, numLearners: 2, totalTimesteps: 256 }), []);
  const [p, ...rest] = problemsOf({ numEnvs: 4, numSteps: 32, numMinibatches: 2, numLearners: 2, totalTimesteps: 200 });
  assert.equal(rest.length, 0);
  assert.equal(p!.message, "totalTimesteps = 200 is smaller than one rollout of 2 learners, each a batch of 128 (numEnvs 4 × numSteps 32): must be ≥ 256");
  const norm = problemsOf({ numLearners: 2, normalizeObservations: true });
  assert.deepEqual(norm.map((q) => q.field), ["numLearners"]);
  assert.match(norm[0]!.message, /numLearners = 2 with normalizeObservations: each learner would normalise with its own running statistics/);
});

test("cross-field rules are skipped when one of their fields is itself invalid", () => {
  const problems = problemsOf({ numEnvs: 0, numMinibatches: 3 });
  assert.deepEqual(problems.map((p) => p.field), ["numEnvs"]);
});

test("a non-object hyperparameters value is one problem on the field 'hyperparameters'", () => {
  for (const raw of [null, 5, "fast", [1, 2]]) {
    const [p, ...rest] = problemsOf(raw);
    assert.equal(rest.length, 0);
    assert.equal(p!.field, "hyperparameters");
    assert.match(p!.message, /must be an object/);
  }
});

test("the returned hyperparameters do not alias the defaults table", () => {
  const a = validateHyperparameters({}, "discrete").hyperparameters!;
  a.hiddenSizes.push(7);
  assert.deepEqual(validateHyperparameters({}, "discrete").hyperparameters!.hiddenSizes, [64, 64]);
});
