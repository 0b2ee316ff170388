import { test } from "node:test";
import assert from "node:assert/strict";
import { ExperimentError, findField, resolveExperiment, type ResolvedExperiment } from "../../../runtime/src/experiment/resolve.js";
import { Box, Discrete, Rng, type Env, type EnvSpec } from "../../../runtime/src/api.js";
import { TimeLimit } from "../../../runtime/src/envs/time-limit.js";

const SOURCE_TEXT = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "t",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 10_000, learningRate: -1 },
  seed: 1,
});
`;

function source(text = SOURCE_TEXT): ResolvedExperiment["source"] {
  return { path: "/work/x/t.rl.ts", text, sha256: "0".repeat(64), bundle: "" };
}

function resolveError(config: unknown, text?: string, overrides = {}): ExperimentError {
  try {
    resolveExperiment(config, source(text), overrides);
  } catch (err) {
    assert.ok(err instanceof ExperimentError, `expected an ExperimentError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected an ExperimentError");
}

const BASE = { name: "t", env: "CartPole-v1", algorithm: "ppo" } as const;

test("a built-in env resolves with defaults for its action kind, seed 1 and no reward", () => {
  const r = resolveExperiment(BASE, source());
  assert.equal(r.name, "t");
  assert.equal(r.envId, "CartPole-v1");
  assert.equal(r.spec.observationFields.length, 4);
  assert.equal(r.hyperparameters.numSteps, 128);
  assert.equal(r.seed, 1);
  assert.equal(r.reward, null);
  assert.equal(r.task, null);
  const env = r.makeEnv();
  assert.ok(env instanceof TimeLimit);
  assert.notEqual(r.makeEnv(), env, "each call makes a fresh env");
  // Pendulum is continuous: CleanRL's continuous defaults apply.
  assert.equal(resolveExperiment({ ...BASE, env: "Pendulum-v1" }, source()).hyperparameters.numSteps, 2048);
});

test("overrides win over the file and are validated too", () => {
  const r = resolveExperiment({ ...BASE, seed: 3, hyperparameters: { totalTimesteps: 10_000 } }, source(), {
    seed: 7,
    totalTimesteps: 20_000,
    hyperparameters: { learningRate: 1e-3 },
  });
  assert.equal(r.seed, 7);
  assert.equal(r.hyperparameters.totalTimesteps, 20_000);
  assert.equal(r.hyperparameters.learningRate, 1e-3);
  const err = resolveError(BASE, undefined, { totalTimesteps: 10 });
  assert.match(err.message, /totalTimesteps = 10 is smaller than one rollout.*\(given as an override\)/);
});

test("the default export must be an object", () => {
  for (const bad of [undefined, null, 42, "cartpole", [BASE]]) {
    const err = resolveError(bad);
    assert.match(err.detail, /the default export must be an experiment object/);
    assert.equal(err.file, "/work/x/t.rl.ts");
  }
});

test("a missing or empty name is an error at defineExperiment / the name field", () => {
  const missing = resolveError({ env: "CartPole-v1", algorithm: "ppo" });
  assert.match(missing.detail, /the experiment has no name/);
  assert.equal(missing.field, "name");
  const empty = resolveError({ ...BASE, name: "  " });
  assert.match(empty.detail, /name = "  " must be a non-empty string/);
  assert.equal(empty.line, 4);
  assert.equal(empty.column, 3);
});

test("an unknown env id lists the known ids and suggests the closest", () => {
  const err = resolveError({ ...BASE, env: "CartPol-v1" });
  assert.equal(err.field, "env");
  assert.match(err.detail, /unknown env id "CartPol-v1": did you mean "CartPole-v1"\?/);
  assert.match(err.detail, /Known ids: CartPole-v1, Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0, Pendulum-v1/);
  assert.equal(err.line, 5);
  assert.equal(err.column, 3);
  assert.match(err.message, /^t\.rl\.ts:5:3: error: unknown env id/);
  const far = resolveError({ ...BASE, env: "Breakout" });
  assert.doesNotMatch(far.detail, /did you mean/);
  assert.match(resolveError({ name: "t", algorithm: "ppo" }).detail, /the experiment has no env/);
  assert.match(resolveError({ ...BASE, env: 3 }).detail, /env = 3 must be a built-in env id/);
});

test("algorithm other than ppo is rejected; a missing algorithm means ppo", () => {
  const err = resolveError({ ...BASE, algorithm: "dqn" });
  assert.match(err.detail, /algorithm = "dqn" is not supported: allowed: "ppo", "twosome"/);
  assert.equal(err.line, 6);
  assert.equal(resolveExperiment({ name: "t", env: "CartPole-v1" }, source()).algorithm, "ppo");
});

test("seed must be a non-negative integer", () => {
  for (const bad of [1.5, -1, "1", Number.NaN]) {
    const err = resolveError({ ...BASE, seed: bad });
    assert.match(err.detail, /seed = .* must be a non-negative integer/);
    assert.equal(err.field, "seed");
    assert.equal(err.line, 8);
  }
});

test("hyperparameter problems are all reported, each naming its field, at the first one's key", () => {
  const err = resolveError({ ...BASE, hyperparameters: { totalTimesteps: 10_000, learningRate: -1, gama: 0.9 } });
  assert.match(err.detail, /^2 invalid hyperparameters:/);
  assert.match(err.detail, /learningRate = -1 is out of range: must be > 0 and ≤ 1/);
  assert.match(err.detail, /unknown hyperparameter "gama": did you mean "gamma"\?/);
  // ajv reports additionalProperties first, so the first problem is "gama"; it is not in the source text.
  assert.equal(err.field, "hyperparameters.gama");
  const one = resolveError({ ...BASE, hyperparameters: { totalTimesteps: 10_000, learningRate: -1 } });
  assert.equal(one.detail, "invalid hyperparameter: learningRate = -1 is out of range: must be > 0 and ≤ 1");
  assert.equal(one.field, "hyperparameters.learningRate");
  assert.equal(one.line, 7);
  assert.equal(one.column, 46);
});

test("reward must be a function; task must be a string; unknown fields get a did-you-mean", () => {
  assert.match(resolveError({ ...BASE, reward: 1 }).detail, /reward = 1 must be a function/);
  assert.match(resolveError({ ...BASE, task: 5 }).detail, /task = 5 must be a string/);
  const typo = resolveError({ ...BASE, hyperparams: {} });
  assert.match(typo.detail, /unknown experiment field "hyperparams": did you mean "hyperparameters"\?/);
  const reward = () => 1;
  assert.equal(resolveExperiment({ ...BASE, reward, task: "Balance." }, source()).reward, reward);
});

const SPEC: EnvSpec = {
  id: "Line-v0",
  description: "A point on a line.",
  observationFields: [{ name: "position", description: "position (m)", low: -1, high: 1 }],
  actionMeanings: ["left", "right"],
  docs: { actionSpace: "", observationSpace: "", rewards: "", startingState: "", episodeEnd: "" },
  maxEpisodeSteps: 10,
  terminationCauses: [],
  actionSpace: { kind: "discrete", n: 2 },
};

class LineEnv implements Env<number> {
  readonly spec = SPEC;
  readonly observationSpace = Box.uniform(1, -1, 1);
  readonly actionSpace = new Discrete(2);
  private readonly rng = new Rng(0);
  private position = 0;
  reset(options: { seed?: number } = {}) {
    if (options.seed !== undefined) this.rng.seed(options.seed);
    this.position = this.rng.uniform(-0.5, 0.5);
    return { obs: new Float32Array([this.position]), info: {} };
  }
  step(action: number) {
    this.position = Math.max(-1, Math.min(1, this.position + (action === 1 ? 0.1 : -0.1)));
    return { obs: new Float32Array([this.position]), reward: 0, terminated: false, truncated: false, info: {} };
  }
}

test("a custom env class or factory is accepted, wrapped in TimeLimit(spec.maxEpisodeSteps)", () => {
  for (const env of [LineEnv, () => new LineEnv()]) {
    const r = resolveExperiment({ ...BASE, env }, source());
    assert.equal(r.envId, "Line-v0");
    assert.equal(r.spec, SPEC);
    const e = r.makeEnv();
    assert.ok(e instanceof TimeLimit);
    e.reset({ seed: 0 });
    let truncated = false;
    for (let i = 0; i < 10; i++) truncated = e.step(1).truncated;
    assert.equal(truncated, true, "truncated at spec.maxEpisodeSteps = 10");
  }
});

test("a custom env missing a member is rejected, naming the member", () => {
  class NoStep {
    readonly spec = SPEC;
    readonly observationSpace = Box.uniform(1, -1, 1);
    readonly actionSpace = new Discrete(2);
    reset() {
      return { obs: new Float32Array(1), info: {} };
    }
  }
  const err = resolveError({ ...BASE, env: NoStep });
  assert.match(err.detail, /custom env NoStep is missing step\(\): an Env needs spec, observationSpace, actionSpace, reset, step/);
  assert.equal(err.field, "env");
  const noSpaces = resolveError({ ...BASE, env: () => ({ spec: SPEC, reset() {}, step() {} }) });
  assert.match(noSpaces.detail, /is missing observationSpace, actionSpace/);
});

test("a custom env with inconsistent spaces or spec is rejected with the reason", () => {
  const wrongSpace = () => Object.assign(new LineEnv(), { observationSpace: { low: [0], high: [1] } });
  assert.match(resolveError({ ...BASE, env: wrongSpace }).detail, /observationSpace must be a Box/);
  const twoFields = () => Object.assign(new LineEnv(), { observationSpace: Box.uniform(2, -1, 1) });
  assert.match(resolveError({ ...BASE, env: twoFields }).detail, /observationFields names 1 field\(s\) but observationSpace has 2 element\(s\)/);
  const badLimit = () => Object.assign(new LineEnv(), { spec: { ...SPEC, maxEpisodeSteps: 0 } });
  assert.match(resolveError({ ...BASE, env: badLimit }).detail, /spec\.maxEpisodeSteps must be a positive integer/);
  const kindMismatch = () => Object.assign(new LineEnv(), { actionSpace: new Discrete(3) });
  assert.match(resolveError({ ...BASE, env: kindMismatch }).detail, /actionSpace is \{ kind: "discrete", n: 2 \} but the env's actionSpace is Discrete\(3\)/);
  const badReset = () => Object.assign(new LineEnv(), { reset: () => ({ obs: [0], info: {} }) });
  assert.match(resolveError({ ...BASE, env: badReset }).detail, /reset\(\) must return \{ obs, info \} with obs a Float32Array of 1 elements/);
  const throws = () => {
    throw new Error("no display");
  };
  assert.match(resolveError({ ...BASE, env: throws }).detail, /custom env throws: the factory threw: no display/);
  assert.match(resolveError({ ...BASE, env: new LineEnv() }).detail, /not an env instance/);
});

test("findField locates keys, inside an object when asked, and falls back to defineExperiment", () => {
  assert.deepEqual(findField(SOURCE_TEXT, "env"), { line: 5, column: 3 });
  assert.deepEqual(findField(SOURCE_TEXT, "learningRate", "hyperparameters"), { line: 7, column: 46 });
  assert.deepEqual(findField(SOURCE_TEXT, "reward"), { line: 3, column: 16 });
  // "name" inside the import line is not taken: the scan starts at defineExperiment/export default.
  assert.deepEqual(findField(`const name = 1;\nexport default { "name": 2 }`, "name"), { line: 2, column: 18 });
  assert.deepEqual(findField("", "env"), {});
});
