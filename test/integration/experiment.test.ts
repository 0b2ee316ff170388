/**
 * Experiment files end to end: written to a temp dir, compiled with esbuild, evaluated against the
 * runtime's own `rl-studio` module, resolved, and their envs and rewards exercised.
 */
import { requireTestModel } from "../test-model.mjs";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compileExperiment, evaluateExperiment, locateError } from "../../runtime/src/experiment/compile.js";
import { ExperimentError, loadExperiment, resolveExperiment } from "../../runtime/src/experiment/resolve.js";
import { RewardError, RewardShaper } from "../../runtime/src/experiment/reward-shaper.js";
import { Box, Discrete } from "../../runtime/src/envs/spaces.js";
import { Rng } from "../../runtime/src/rng.js";
import type { Env } from "../../runtime/src/envs/types.js";

const EXAMPLES_DIR = resolve(__dirname, "../../examples");
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "rl-studio-experiment-"));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

async function loadError(path: string): Promise<ExperimentError> {
  try {
    await loadExperiment(path);
  } catch (err) {
    assert.ok(err instanceof ExperimentError, `expected an ExperimentError, got ${String((err as Error).stack)}`);
    return err;
  }
  assert.fail(`expected ${path} to fail`);
}

/** Steps `env` with actions sampled from its action space; returns the observations seen. */
function rollout(env: Env, seed: number, steps: number, shaper?: RewardShaper): Float32Array[] {
  const rng = new Rng(seed);
  let { obs } = env.reset({ seed });
  const seen = [obs];
  let episodeStep = 0;
  for (let i = 0; i < steps; i++) {
    const action = env.actionSpace.sample(rng);
    const r = env.step(action);
    if (shaper) {
      const shaped = shaper.shape(0, obs, action, r.obs, r.reward, r.terminated, r.truncated, episodeStep);
      assert.ok(Number.isFinite(shaped));
    }
    seen.push(r.obs);
    episodeStep++;
    obs = r.obs;
    if (r.terminated || r.truncated) {
      if (shaper) shaper.takeEpisodeSums(0);
      obs = env.reset().obs;
      episodeStep = 0;
    }
  }
  return seen;
}

const EXAMPLES = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith(".rl.ts")).sort();

test("the examples folder holds the experiments the README lists", () => {
  assert.deepEqual(EXAMPLES, ["acrobot.rl.ts", "cartpole.rl.ts", "custom-env.rl.ts", "mountaincar-subgoals.rl.ts", "mountaincar.rl.ts", "pendulum.rl.ts", "tomato-salad-twosome.rl.ts", "tomato-salad.rl.ts"]);
});

for (const file of EXAMPLES) {
  test(`example ${file} loads, resolves, and its env and reward run (from examples/ and from a temp dir)`, async (t) => {
    const copy = write(`examples/${file}`, readFileSync(join(EXAMPLES_DIR, file), "utf8"));
    // The TWOSOME example names no model: the user's --model / rlStudio.llm.model gives it; here the test model.
    const twosome = file.includes("twosome");
    const model = twosome ? requireTestModel(t) : null;
    if (twosome && !model) return;
    for (const path of [join(EXAMPLES_DIR, file), copy]) {
      const e = await loadExperiment(path, model ? { model } : {});
      assert.equal(e.algorithm, twosome ? "twosome" : "ppo");
      if (twosome) assert.equal(e.llm?.model, model);
      assert.equal(e.source.path, path);
      assert.match(e.source.sha256, /^[0-9a-f]{64}$/);
      assert.ok(e.source.bundle.includes("sourceMappingURL=data:application/json;base64,"));
      assert.ok(e.name.length > 0);
      const env = e.makeEnv();
      assert.ok(env.observationSpace instanceof Box, "spaces are the runtime's own classes");
      assert.ok(env.actionSpace instanceof Discrete || env.actionSpace instanceof Box);
      assert.equal(env.spec.observationFields.length, env.observationSpace.size);
      const shaper = e.reward ? new RewardShaper(e.reward, e.spec, 1) : undefined;
      rollout(env, 3, 300, shaper);
      if (shaper) assert.ok(shaper.componentNames.length >= 1);
    }
  });
}

test("MountainCar's energy shaping rewards pumping energy over idling and over pushing against the motion", async () => {
  const e = await loadExperiment(join(EXAMPLES_DIR, "mountaincar.rl.ts"));
  const policies: Record<string, (position: number, velocity: number) => number> = {
    pump: (_p, v) => (v >= 0 ? 2 : 0),
    idle: () => 1,
    against: (_p, v) => (v >= 0 ? 0 : 2),
  };
  const energy: Record<string, number> = {};
  for (const [name, policy] of Object.entries(policies)) {
    const shaper = new RewardShaper(e.reward!, e.spec, 1);
    const env = e.makeEnv();
    let { obs } = env.reset({ seed: 0 });
    for (let step = 0; ; step++) {
      const action = policy(obs[0]!, obs[1]!);
      const r = env.step(action);
      shaper.shape(0, obs, action, r.obs, r.reward, r.terminated, r.truncated, step);
      obs = r.obs;
      if (r.terminated || r.truncated) break;
    }
    energy[name] = shaper.takeEpisodeSums(0).energy!;
  }
  assert.deepEqual(Object.keys(await shaperComponents(e)), ["time", "energy"]);
  assert.ok(energy.pump! > 1, `pumping gains energy: ${energy.pump}`);
  assert.ok(energy.pump! > energy.idle! && energy.pump! > energy.against!, JSON.stringify(energy));
});

async function shaperComponents(e: Awaited<ReturnType<typeof loadExperiment>>): Promise<Record<string, number>> {
  const shaper = new RewardShaper(e.reward!, e.spec, 1);
  const obs = e.makeEnv().reset({ seed: 0 }).obs;
  shaper.shape(0, obs, 1, obs, -1, false, false, 0);
  return shaper.takeEpisodeSums(0);
}

test("the custom env example is deterministic under a seed and refuses a step after the episode ended", async () => {
  const e = await loadExperiment(join(EXAMPLES_DIR, "custom-env.rl.ts"));
  assert.equal(e.envId, "GoToTarget-v0");
  const a = rollout(e.makeEnv(), 11, 200);
  const b = rollout(e.makeEnv(), 11, 200);
  assert.deepEqual(a, b);
  const env = e.makeEnv();
  env.reset({ seed: 0 });
  let ended = false;
  // Walking towards the target always reaches it within 20 steps of 0.1 on [−1, 1].
  for (let i = 0; i < 40 && !ended; i++) {
    const obs = env.step(1).obs; // stay, to read the observation
    const r = env.step(obs[1]! > obs[0]! ? 2 : 0);
    ended = r.terminated || r.truncated;
  }
  assert.ok(ended);
  assert.throws(() => env.step(1), /reset\(\)/);
});

test("a syntax error carries file:line:col from esbuild", async () => {
  const path = write(
    "syntax.rl.ts",
    ['import { defineExperiment } from "rl-studio";', "export default defineExperiment({", '  name: "x"', '  env: "CartPole-v1",', "});", ""].join("\n"),
  );
  const err = await loadError(path);
  assert.equal(err.file, path);
  assert.equal(err.line, 4);
  assert.equal(err.column, 3);
  assert.equal(err.message, 'syntax.rl.ts:4:3: error: Expected "}" but found "env"');
});

test("an import that does not resolve is located at the import", async () => {
  const path = write("missing-import.rl.ts", ['import { defineExperiment } from "rl-studio";', 'import { Grid } from "./envs/grid";', "export default defineExperiment({ name: 'x', env: Grid, algorithm: 'ppo' });", ""].join("\n"));
  const err = await loadError(path);
  assert.equal(err.line, 2);
  assert.match(err.detail, /Could not resolve "\.\/envs\/grid"/);
});

test("a throw at top level is located at the source line that threw", async () => {
  const path = write(
    "throws.rl.ts",
    [
      'import { defineExperiment } from "rl-studio";',
      "",
      "function table(): number[] {",
      '  throw new RangeError("table is empty");',
      "}",
      "const t = table();",
      'export default defineExperiment({ name: "x" + t.length, env: "CartPole-v1", algorithm: "ppo" });',
      "",
    ].join("\n"),
  );
  const err = await loadError(path);
  assert.equal(err.file, path);
  assert.equal(err.line, 4);
  assert.equal(err.column, 9);
  assert.match(err.message, /^throws\.rl\.ts:4:9: error: the experiment threw while loading: RangeError: table is empty$/);
});

test("no default export is an error", async () => {
  const path = write("nodefault.rl.ts", 'import { defineExperiment } from "rl-studio";\nexport const e = defineExperiment({ name: "x", env: "CartPole-v1", algorithm: "ppo" });\n');
  assert.match((await loadError(path)).detail, /the experiment has no default export/);
});

test("an unknown env id in a file is located at the env field with the did-you-mean", async () => {
  const path = write(
    "typo.rl.ts",
    ['import { defineExperiment } from "rl-studio";', "", "export default defineExperiment({", '  name: "typo",', '  env: "Pendulm-v1" as "Pendulum-v1",', '  algorithm: "ppo",', "});", ""].join("\n"),
  );
  const err = await loadError(path);
  assert.equal(err.line, 5);
  assert.equal(err.column, 3);
  assert.match(err.message, /^typo\.rl\.ts:5:3: error: unknown env id "Pendulm-v1": did you mean "Pendulum-v1"\? Known ids: CartPole-v1, /);
});

test("an invalid hyperparameter in a file names field, value, range and its line", async () => {
  const path = write(
    "hp.rl.ts",
    [
      'import { defineExperiment } from "rl-studio";',
      "export default defineExperiment({",
      '  name: "hp",',
      '  env: "CartPole-v1",',
      '  algorithm: "ppo",',
      "  hyperparameters: {",
      "    numEnvs: 8,",
      "    numSteps: 32,",
      "    numMinibatches: 3,",
      "  },",
      "});",
      "",
    ].join("\n"),
  );
  const err = await loadError(path);
  assert.equal(err.field, "hyperparameters.numMinibatches");
  assert.equal(err.line, 9);
  assert.equal(err.column, 5);
  assert.match(err.detail, /batch of 256 \(numEnvs 8 × numSteps 32\) is not divisible into 3 minibatches/);
});

test("a custom env imported from the workspace is bundled, and its spaces are the runtime's classes", async () => {
  write(
    "envs/line.ts",
    [
      'import { Box, Discrete, type Env, type EnvSpec } from "rl-studio";',
      "const SPEC: EnvSpec = {",
      '  id: "Line-v0", description: "a point on a line",',
      '  observationFields: [{ name: "position", description: "m", low: -1, high: 1 }],',
      '  actionMeanings: ["left", "right"],',
      '  docs: { actionSpace: "", observationSpace: "", rewards: "", startingState: "", episodeEnd: "" },',
      '  maxEpisodeSteps: 5, terminationCauses: [], actionSpace: { kind: "discrete", n: 2 },',
      "};",
      "export class Line implements Env<number> {",
      "  readonly spec = SPEC;",
      "  readonly observationSpace = Box.uniform(1, -1, 1);",
      "  readonly actionSpace = new Discrete(2);",
      "  private p = 0;",
      "  reset() { this.p = 0; return { obs: new Float32Array([this.p]), info: {} }; }",
      "  step(a: number) { this.p += a === 1 ? 0.1 : -0.1; return { obs: new Float32Array([this.p]), reward: this.p, terminated: false, truncated: false, info: {} }; }",
      "}",
      "",
    ].join("\n"),
  );
  const path = write(
    "workspace.rl.ts",
    [
      'import { defineExperiment } from "rl-studio";',
      'import { Line } from "./envs/line";',
      'export default defineExperiment({ name: "line", env: Line, algorithm: "ppo", reward: ({ nextObs }) => ({ position: nextObs.position! }) });',
      "",
    ].join("\n"),
  );
  const e = await loadExperiment(path);
  assert.equal(e.envId, "Line-v0");
  const env = e.makeEnv();
  assert.ok(env.observationSpace instanceof Box);
  assert.ok(env.actionSpace instanceof Discrete);
  const obs = env.reset({ seed: 0 }).obs;
  const shaper = new RewardShaper(e.reward!, e.spec, 1);
  const r = env.step(1);
  assert.ok(Math.abs(shaper.shape(0, obs, 1, r.obs, r.reward, false, false, 0) - 0.1) < 1e-6);
  for (let i = 0; i < 3; i++) env.step(1);
  assert.equal(env.step(1).truncated, true, "TimeLimit(spec.maxEpisodeSteps = 5)");
});

test("a custom env in the file that lacks step() is rejected naming the member", async () => {
  const path = write(
    "nostep.rl.ts",
    [
      'import { Box, Discrete, defineExperiment } from "rl-studio";',
      "class Half {",
      '  spec = { id: "Half-v0" };',
      "  observationSpace = Box.uniform(1, -1, 1);",
      "  actionSpace = new Discrete(2);",
      "  reset() { return { obs: new Float32Array(1), info: {} }; }",
      "}",
      'export default defineExperiment({ name: "half", env: Half as never, algorithm: "ppo" });',
      "",
    ].join("\n"),
  );
  const err = await loadError(path);
  assert.match(err.detail, /custom env Half is missing step\(\)/);
  assert.equal(err.field, "env");
});

test("resolving from the kept bundle uses the code as compiled, even after the source changed (resume)", async () => {
  const path = write("resume.rl.ts", 'import { defineExperiment } from "rl-studio";\nexport default defineExperiment({ name: "before", env: "CartPole-v1", algorithm: "ppo", seed: 4 });\n');
  const compiled = await compileExperiment(path);
  writeFileSync(path, 'import { defineExperiment } from "rl-studio";\nexport default defineExperiment({ name: "after", env: "Acrobot-v1", algorithm: "ppo" });\n');
  const source = { path, text: compiled.sourceText, sha256: compiled.sha256, bundle: compiled.code };
  const e = resolveExperiment(evaluateExperiment(compiled.code, path), source, { seed: 9 });
  assert.equal(e.name, "before");
  assert.equal(e.envId, "CartPole-v1");
  assert.equal(e.seed, 9);
  assert.notEqual((await compileExperiment(path)).sha256, compiled.sha256);
});

test("a reward that throws during training maps back to its source line", async () => {
  const path = write(
    "bad-reward.rl.ts",
    [
      'import { defineExperiment } from "rl-studio";',
      "export default defineExperiment({",
      '  name: "bad", env: "CartPole-v1", algorithm: "ppo",',
      "  reward: ({ episodeStep }) => {",
      '    if (episodeStep === 2) throw new Error("no reward at step 2");',
      "    return { alive: 1 };",
      "  },",
      "});",
      "",
    ].join("\n"),
  );
  const e = await loadExperiment(path);
  const env = e.makeEnv();
  const shaper = new RewardShaper(e.reward!, e.spec, 1, { locate: (err) => locateError(err, e.source.bundle, e.source.path) });
  let obs = env.reset({ seed: 0 }).obs;
  let caught: unknown;
  try {
    for (let step = 0; step < 5; step++) {
      const r = env.step(1);
      shaper.shape(0, obs, 1, r.obs, r.reward, r.terminated, r.truncated, step);
      obs = r.obs;
    }
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof RewardError);
  assert.equal(caught.episodeStep, 2);
  assert.deepEqual(locateError(caught.cause, e.source.bundle, path), { file: path, line: 5, column: 34 });
  assert.deepEqual([caught.file, caught.line, caught.column], [path, 5, 34]);
  assert.equal(caught.message, "reward function failed at episode step 2 of env 0 (bad-reward.rl.ts:5:34): it threw Error: no reward at step 2");
});
