/**
 * `rl-studio suggest-reward` and `evolve-reward` as a user runs them (a child process, as in
 * cli.test.ts): a missing model is an input error (exit 2, one line saying what is missing and how
 * to set it), and with the real test model (stories260K, nonsense text) the `--json` result is
 * one JSON object on the last stdout line. The model is found through RL_STUDIO_TEST_MODEL,
 * default `<repo>/../shared/models/stories260K.gguf`; without it those tests fail under CI=true and skip elsewhere, saying so (test/test-model.mjs).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lastJsonLine, runCli as runCliIn, workspace as tempWorkspace } from "./cli-helpers.js";
import { requireTestModel } from "../test-model.mjs";

// No model from the environment: each test says which model it means.
const runCli = (args: string[], cwd: string) => runCliIn(args, cwd, { RL_STUDIO_LLM_MODEL: undefined });

/** A workspace (package.json) with a small CartPole experiment in it. */
function workspace(t: { after(fn: () => void): void }): string {
  const dir = tempWorkspace(t, "rls-cli-llm-");
  writeFileSync(
    join(dir, "cartpole.rl.ts"),
    `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "cli-llm-cartpole",
  env: "CartPole-v1",
  task: "Balance the pole as long as possible.",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 1024, numEnvs: 2, numSteps: 64 },
  seed: 3,
  reward: ({ envReward }) => ({ alive: envReward }),
});
`,
  );
  return dir;
}

test("suggest-reward with no model: exit 2 and one line saying what is missing and how to set it", { timeout: 60_000 }, async (t) => {
  const dir = workspace(t);
  const r = await runCli(["suggest-reward", "cartpole.rl.ts"], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "error: no model: pass --model PATH (a .gguf file or an hf: URI) or set RL_STUDIO_LLM_MODEL (in the editor: rlStudio.llm.model)\n");
});

test("suggest-reward with a nonexistent --model path: exit 2 naming the path", { timeout: 60_000 }, async (t) => {
  const dir = workspace(t);
  const r = await runCli(["suggest-reward", "cartpole.rl.ts", "--model", "models/missing.gguf"], dir);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.startsWith(`error: model file not found: ${join(dir, "models", "missing.gguf")} (--model PATH`), r.stderr);
  assert.doesNotMatch(r.stderr, /RL_STUDIO_DEBUG/, "an input error, not an internal one");
});

test("evolve-reward --json with no model: exit 2 and the error as the last JSON line", { timeout: 60_000 }, async (t) => {
  const dir = workspace(t);
  const r = await runCli(["evolve-reward", "cartpole.rl.ts", "--json"], dir);
  assert.equal(r.code, 2, r.stderr);
  const result = lastJsonLine(r.stdout);
  assert.equal(result.status, "error");
  assert.equal(result.error.kind, "llm");
  assert.match(result.error.message, /^no model: pass --model PATH/);
});

test("suggest-reward --count beyond what one answer holds is a usage error (exit 2)", { timeout: 60_000 }, async (t) => {
  const dir = workspace(t);
  const r = await runCli(["suggest-reward", "cartpole.rl.ts", "--count", "9"], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--count must be an integer from 1 to 8, got "9"/);
});

test("real model: suggest-reward --json --count 1 prints one JSON object as the last line", { timeout: 240_000 }, async (t) => {
  const MODEL = requireTestModel(t);
  if (MODEL === null) return;
  const dir = workspace(t);
  const r = await runCli(["suggest-reward", "cartpole.rl.ts", "--json", "--count", "1", "--model", MODEL], dir);
  assert.equal(r.code, 0, r.stderr);
  const result = lastJsonLine(r.stdout);
  assert.equal(result.status, "ok");
  assert.equal(result.experiment.envId, "CartPole-v1");
  assert.equal(result.experiment.task, "Balance the pole as long as possible.");
  assert.ok(Array.isArray(result.candidates) && Array.isArray(result.rejected));
  // The test model's text is nonsense: whatever it wrote is either a validated candidate or dropped with a reason.
  assert.ok(result.candidates.length + result.rejected.length >= 1, r.stdout);
  for (const rejected of result.rejected) assert.equal(typeof rejected.reason, "string");
  assert.ok(result.stats.generations >= 1 && result.stats.generatedTokens > 0);
  assert.ok(result.rewardRange.start < result.rewardRange.end);
});

test("real model: evolve-reward --json with one tiny iteration completes and saves its evolution", { timeout: 240_000 }, async (t) => {
  const MODEL = requireTestModel(t);
  if (MODEL === null) return;
  const dir = workspace(t);
  const r = await runCli(["evolve-reward", "cartpole.rl.ts", "--json", "--candidates", "1", "--iterations", "1", "--budget", "256", "--model", MODEL], dir);
  assert.equal(r.code, 0, r.stderr);
  const result = lastJsonLine(r.stdout);
  assert.equal(result.status, "completed");
  assert.ok(existsSync(join(result.dir, "evolution.json")));
  assert.ok(result.dir.startsWith(join(dir, ".rl-studio", "evolutions")));
  assert.ok(result.candidates >= 1);
});
