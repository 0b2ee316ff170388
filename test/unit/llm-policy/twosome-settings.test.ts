/**
 * The pure parts of `algorithm: "twosome"`: the llm block's checks, TWOSOME's hyperparameter
 * defaults and cross-field rules, the action choice, the sizes and the checkpoint's checks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { validateLlmSettings } from "../../../runtime/src/experiment/llm-settings.js";
import { checkHyperparameterValue, validateHyperparameters } from "../../../runtime/src/experiment/validate.js";
import { defaultHyperparameters } from "../../../runtime/src/experiment/hyperparameters.js";
import { chooseAction } from "../../../runtime/src/llm-policy/act.js";
import { twosomeSizes } from "../../../runtime/src/llm-policy/twosome-sizes.js";
import { checkTwosomeCheckpoint } from "../../../runtime/src/llm-policy/twosome-checkpoint.js";
import { CheckpointError, type Checkpoint } from "../../../runtime/src/runs/checkpoint.js";
import { Rng } from "../../../runtime/src/rng.js";

test("llm block: TWOSOME's defaults, and every bad field named with what is allowed", () => {
  assert.deepEqual(validateLlmSettings(undefined).settings, { model: null, normalization: "word", lora: { rank: 8, alpha: 16, dropout: 0, targets: ["q", "v"] } });
  const ok = validateLlmSettings({ model: "m.gguf", normalization: "token", lora: { rank: 4, alpha: 8, dropout: 0.1, targets: ["q", "k", "v"] } });
  assert.deepEqual(ok.settings, { model: "m.gguf", normalization: "token", lora: { rank: 4, alpha: 8, dropout: 0.1, targets: ["q", "k", "v"] } });
  const { settings, problems } = validateLlmSettings({ normalization: "words", lora: { rank: 0, alpha: -1, dropout: 1, targets: ["q", "q"], rnak: 3 }, modle: "x" });
  assert.equal(settings, null);
  const byField = Object.fromEntries(problems.map((p) => [p.field, p.message]));
  assert.match(byField["llm.modle"]!, /unknown field "llm\.modle": did you mean "model"\?/);
  assert.match(byField["llm.normalization"]!, /"words": must be one of "token", "word", "none"/);
  assert.match(byField["llm.lora.rank"]!, /= 0: must be an integer ≥ 1/);
  assert.match(byField["llm.lora.alpha"]!, /= -1: must be a finite number > 0/);
  assert.match(byField["llm.lora.dropout"]!, /= 1: must be a number ≥ 0 and < 1/);
  assert.match(byField["llm.lora.targets"]!, /without repeats/);
  assert.match(byField["llm.lora.rnak"]!, /did you mean "rank"/);
  assert.match(validateLlmSettings("x").problems[0]!.message, /llm = "x": must be an object/);
});

test("hyperparameters: TWOSOME's defaults from its scripts; keys of the other algorithm are errors", () => {
  const h = defaultHyperparameters("discrete", "twosome");
  assert.deepEqual(
    [h.learningRate, h.valueLearningRate, h.numEnvs, h.numSteps, h.numMinibatches, h.valueNumMinibatches, h.updateEpochs, h.targetKl, h.gradientAccumulationSteps, h.gamma],
    [5e-7, 1e-5, 4, 32, 32, 4, 1, 0.02, 8, 0.99],
  );
  assert.equal(validateHyperparameters(undefined, "discrete", "twosome").hyperparameters?.learningRate, 5e-7);
  assert.match(checkHyperparameterValue("hiddenSizes", [64], "twosome")!.message, /read only by algorithm "ppo", not by "twosome"/);
  assert.match(validateHyperparameters({ valueLearningRate: 1e-4 }, "discrete", "ppo").problems[0]!.message, /valueLearningRate is read only by algorithm "twosome"/);
  const cross = validateHyperparameters({ valueNumMinibatches: 5, gradientAccumulationSteps: 3 }, "discrete", "twosome").problems.map((p) => p.field).sort();
  assert.deepEqual(cross, ["gradientAccumulationSteps", "valueNumMinibatches"]);
  assert.equal(validateHyperparameters({ numEnvs: 2, numSteps: 4, numMinibatches: 2, valueNumMinibatches: 2, gradientAccumulationSteps: 1, totalTimesteps: 16 }, "discrete", "twosome").problems.length, 0);
});

test("sizes as ppo_llm_pomdp.py derives them", () => {
  assert.deepEqual(twosomeSizes(defaultHyperparameters("discrete", "twosome")), {
    batchSize: 128,
    numIterations: 3906,
    policyMinibatchSize: 4,
    valueMinibatchSize: 32,
    policyStepsPerIteration: 4,
    valueStepsPerIteration: 4,
  });
});

test("chooseAction: greedy takes the most likely (first on ties); sampling follows π by inverse CDF", () => {
  const lp = [Math.log(0.2), Math.log(0.5), Math.log(0.3)];
  assert.equal(chooseAction(lp, null), 1);
  assert.equal(chooseAction([Math.log(0.5), Math.log(0.5)], null), 0);
  const rng = new Rng(5);
  const counts = [0, 0, 0];
  for (let i = 0; i < 20_000; i++) counts[chooseAction(lp, rng)]!++;
  for (const [i, p] of [0.2, 0.5, 0.3].entries()) assert.ok(Math.abs(counts[i]! / 20_000 - p) < 0.015, `action ${i}: ${counts[i]}`);
  assert.throws(() => chooseAction([], null), /no valid action/);
});

test("a TWOSOME checkpoint is refused, naming the field, when it could not restore a sound policy", () => {
  const counters = { iteration: 2 } as Parameters<typeof checkTwosomeCheckpoint>[1];
  const layout = { loraRank: 2, loraTargets: ["q", "v"], nLayer: 1, nEmbd: 4, valueHiddenSizes: [1] };
  const good = (): Checkpoint => ({
    meta: { layout, policyAdamStep: 4, valueAdamStep: 8, rngs: { actionRng: [1, 2, 3, 4, null], shuffleRng: [5, 6, 7, 8, 0.5] } },
    arrays: { lora: new Float32Array(6), "policyAdam.m": new Float32Array(6), "policyAdam.v": new Float32Array(6), valueHead: new Float32Array(3), "valueAdam.m": new Float32Array(3), "valueAdam.v": new Float32Array(3) },
  });
  const expect = { layout, loraSize: 6, valueHeadSize: 3, policyStepsPerIteration: 2, valueStepsPerIteration: 4 };
  checkTwosomeCheckpoint(good(), counters, "ck.bin", expect);
  checkTwosomeCheckpoint(good(), counters, "ck.bin", { ...expect, layout: null, loraSize: null, valueHeadSize: null });
  const refuse = (mutate: (c: Checkpoint) => void, pattern: RegExp) => {
    const c = good();
    mutate(c);
    assert.throws(() => checkTwosomeCheckpoint(c, counters, "ck.bin", expect), (e: unknown) => e instanceof CheckpointError && pattern.test(e.message));
  };
  refuse((c) => (c.arrays.lora![2] = Number.NaN), /array "lora"\[2\] = NaN/);
  refuse((c) => (c.arrays["valueAdam.v"]![0] = -1), /"valueAdam\.v"\[0\] = -1.*≥ 0/);
  refuse((c) => (c.arrays["policyAdam.m"] = new Float32Array(5)), /"policyAdam\.m" has 5 values, "lora" has 6/);
  refuse((c) => (c.meta.policyAdamStep = 5), /meta\.policyAdamStep = 5: must be an integer from 0 to 4/);
  refuse((c) => (c.meta.layout = { ...layout, loraRank: 8 }), /meta\.layout .*does not match this run's policy/);
  refuse((c) => delete c.arrays.valueHead, /no 'valueHead' array/);
  refuse((c) => ((c.meta.rngs as Record<string, unknown>).shuffleRng = [1]), /meta\.rngs\.shuffleRng/);
});
