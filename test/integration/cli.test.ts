/**
 * The `rl-studio` CLI as a user runs it: a child process (`node --import tsx runtime/src/cli/main.ts`),
 * checked by exit code, stdout (the last line is the `--json` result) and stderr.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { REPO, lastJsonLine, runCli, workspace } from "./cli-helpers.js";

const TINY = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "tiny-cartpole",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 1024, numEnvs: 2, numSteps: 64, checkpointEvery: 2 },
  seed: 7,
});
`;

test("envs --json lists every built-in env with spaces, named fields and action meanings", async () => {
  const r = await runCli(["envs", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const envs = lastJsonLine(r.stdout).envs as Array<Record<string, any>>;
  assert.deepEqual(
    envs.map((e) => e.id),
    ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1", "Overcooked-TomatoSalad-v0", "Overcooked-TomatoLettuceSalad-v0", "VirtualHome-FoodPreparation-v0", "VirtualHome-Entertainment-v0"],
  );
  const cartpole = envs[0]!;
  assert.deepEqual(cartpole.observationFields.map((f: { name: string }) => f.name), ["x", "xDot", "theta", "thetaDot"]);
  assert.deepEqual(cartpole.observationSpace, { kind: "box", shape: [4] });
  // Gymnasium: x in [-4.8, 4.8], terminated outside ±2.4; xDot unbounded (null in JSON).
  assert.equal(cartpole.observationFields[0].high, 4.8);
  assert.deepEqual(cartpole.observationFields[0].episodeRange, [-2.4, 2.4]);
  assert.equal(cartpole.observationFields[1].low, null);
  assert.deepEqual(cartpole.actionSpace, { kind: "discrete", n: 2 });
  assert.equal(cartpole.actionMeanings.length, 2);
  assert.equal(cartpole.rewardThreshold, 475);
  assert.equal(cartpole.maxEpisodeSteps, 500);
  const pendulum = envs[4]!;
  assert.deepEqual(pendulum.actionSpace, { kind: "box", shape: [1], low: [-2], high: [2] });
});

test("envs prints a table a person can read", async () => {
  const r = await runCli(["envs"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^CartPole-v1 {2}\(max 500 steps, solved at return 475\)$/m);
  assert.match(r.stdout, /\[2\] theta +\[-0\.4189, 0\.4189\] +in episode \[-0\.2094, 0\.2094\]/);
  assert.match(r.stdout, /action: Box\(1,\) \[-2, 2\]/);
});

test("an experiment that does not compile: file:line:col, exit 2, no stack trace", async (t) => {
  const ws = workspace(t);
  const file = join(ws, "broken.rl.ts");
  writeFileSync(file, 'import { defineExperiment } from "rl-studio";\nexport default defineExperiment({\n  name: "b",\n  env: "CartPole-v1" x,\n});\n');
  const r = await runCli(["train", "broken.rl.ts"], ws);
  assert.equal(r.code, 2);
  // esbuild: line 4, the stray `x` at 1-based column 22.
  assert.equal(r.stderr.trim(), 'broken.rl.ts:4:22: error: Expected "}" but found "x"');
  assert.equal(r.stdout, "");
  assert.equal(existsSync(join(ws, ".rl-studio")), false, "no run folder for an experiment that does not compile");

  const j = await runCli(["train", file, "--json"], ws);
  assert.equal(j.code, 2);
  assert.deepEqual(lastJsonLine(j.stdout), {
    status: "error",
    error: { message: 'Expected "}" but found "x"', kind: "experiment", file, line: 4, column: 22 },
  });
});

test("an unknown env id and an invalid hyperparameter name the place, the value and what is allowed", async (t) => {
  const ws = workspace(t);
  writeFileSync(join(ws, "env.rl.ts"), 'import { defineExperiment } from "rl-studio";\nexport default defineExperiment({\n  name: "e",\n  env: "CartPol-v1",\n  algorithm: "ppo",\n});\n');
  const env = await runCli(["train", "env.rl.ts"], ws);
  assert.equal(env.code, 2);
  assert.match(env.stderr, /^env\.rl\.ts:4:3: error: unknown env id "CartPol-v1": did you mean "CartPole-v1"\? Known ids: CartPole-v1, Acrobot-v1/);
  assert.doesNotMatch(env.stderr, /\n\s+at /);

  writeFileSync(
    join(ws, "hp.rl.ts"),
    'import { defineExperiment } from "rl-studio";\nexport default defineExperiment({\n  name: "h",\n  env: "CartPole-v1",\n  algorithm: "ppo",\n  hyperparameters: { numEnvs: 4,\n    learningRate: -1 },\n});\n',
  );
  const hp = await runCli(["train", "hp.rl.ts"], ws);
  assert.equal(hp.code, 2);
  assert.match(hp.stderr, /^hp\.rl\.ts:7:5: error: invalid hyperparameter: learningRate = -1 .*> 0/);
});

test("bad flags and bad run folders are input errors (exit 2)", async (t) => {
  const ws = workspace(t);
  writeFileSync(join(ws, "tiny.rl.ts"), TINY);
  const backend = await runCli(["train", "tiny.rl.ts", "--backend", "cuda"], ws);
  assert.equal(backend.code, 2);
  assert.match(backend.stderr, /argument 'cuda' is invalid\. Allowed choices are auto, js, wasm/);
  const steps = await runCli(["train", "tiny.rl.ts", "--total-timesteps", "lots"], ws);
  assert.equal(steps.code, 2);
  assert.match(steps.stderr, /--total-timesteps must be an integer ≥ 1, got "lots"/);
  const notRun = await runCli(["resume", ws], ws);
  assert.equal(notRun.code, 2);
  assert.match(notRun.stderr, /^error: .*: not an RL Studio run folder \(it has no experiment\.json\)/);
  const unknown = await runCli(["fly"], ws);
  assert.equal(unknown.code, 2);
});

test("train --json: the last stdout line is the summary; the run folder holds the whole run", async (t) => {
  const ws = workspace(t);
  writeFileSync(join(ws, "tiny.rl.ts"), TINY);
  const r = await runCli(["train", "tiny.rl.ts", "--json", "--backend", "js", "--seed", "11"], ws);
  assert.equal(r.code, 0, r.stderr);
  const s = lastJsonLine(r.stdout);
  for (const key of ["runDir", "backend", "globalStep", "wallSeconds", "cpuSeconds", "sps", "meanReturnLast20", "solvedAtStep", "solvedAtSeconds", "status"]) {
    assert.ok(key in s, `--json result lacks ${key}`);
  }
  assert.equal(s.status, "completed");
  assert.equal(s.backend, "js");
  assert.equal(s.globalStep, 1024);
  assert.equal(r.stdout.trimEnd().split("\n").length, 1, "nothing but the JSON line on stdout");

  const runDir = s.runDir as string;
  assert.equal(resolve(runDir, "..", ".."), resolve(ws, ".rl-studio"));
  assert.match(s.runId as string, /^tiny-cartpole-\d{8}-\d{6}-s11$/);
  // The events file's name carries its creation time and this host: events.out.tfevents.<time>.<host>.
  assert.deepEqual(readdirSync(runDir).map((n) => n.replace(/^events\.out\.tfevents\..+$/, "events.out.tfevents.*")).sort(), [
    "bundle.js",
    "checkpoint.bin",
    "episodes.jsonl",
    "events.out.tfevents.*",
    "experiment.json",
    "metrics.jsonl",
    "source.rl.ts",
    "status.json",
  ]);
  const experiment = JSON.parse(readFileSync(join(runDir, "experiment.json"), "utf8"));
  assert.equal(experiment.name, "tiny-cartpole");
  assert.equal(experiment.envId, "CartPole-v1");
  assert.equal(experiment.seed, 11, "the --seed override is what is recorded");
  assert.equal(experiment.hyperparameters.numSteps, 64);
  assert.equal(experiment.hyperparameters.gamma, 0.99, "defaults are filled in");
  assert.equal(experiment.sourcePath, join(ws, "tiny.rl.ts"));
  assert.match(experiment.sourceSha256, /^[0-9a-f]{64}$/);
  assert.equal(readFileSync(join(runDir, "source.rl.ts"), "utf8"), TINY);
  const status = JSON.parse(readFileSync(join(runDir, "status.json"), "utf8"));
  assert.equal(status.state, "completed");
  assert.equal(status.globalStep, 1024);
  // 1024 steps / (2 envs × 64 steps) = 8 iterations, one metrics line each.
  const steps = readFileSync(join(runDir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).globalStep);
  assert.deepEqual(steps, [128, 256, 384, 512, 640, 768, 896, 1024]);

  const again = await runCli(["resume", runDir], ws);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already completed \(1024 of 1024 steps\); nothing to resume/);

  const evaluation = await runCli(["eval", runDir, "--episodes", "2", "--json"], ws);
  assert.equal(evaluation.code, 0, evaluation.stderr);
  const e = lastJsonLine(evaluation.stdout);
  assert.equal(e.runDir, runDir);
  assert.equal(e.episodes, 2);
  assert.equal((e.returns as number[]).length, 2);
  // CartPole pays +1 per step, so an episode's return is its length.
  assert.deepEqual(e.returns, e.lengths);
});

test("eval of a run with no checkpoint yet says so (exit 2)", async (t) => {
  const ws = workspace(t);
  const runDir = join(ws, "half-made-run");
  mkdirSync(runDir);
  writeFileSync(join(runDir, "experiment.json"), JSON.stringify({ name: "x", seed: 1 }));
  const r = await runCli(["eval", runDir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no checkpoint yet, so there is no trained policy to evaluate/);
});
