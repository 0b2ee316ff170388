/**
 * `rl-studio explain <run-dir>` as a user runs it: on a run the CLI trained, the `--json` result
 * carries the measured summary and facts; without a model there is no narrative, and a note says so; with
 * `--model` the local LLM is asked for one (stories260K writes nonsense, so it is either kept because
 * every number in it is measured, or rejected with the reason, never silently dropped); a model file
 * that does not exist is an input error before any rollout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lastJsonLine, runCli, workspace } from "./cli-helpers.js";
import { requireTestModel } from "../test-model.mjs";
const NO_MODEL_ENV = { RL_STUDIO_LLM_MODEL: undefined };

/** A workspace with a CartPole run trained for 2,048 steps by the CLI; returns [workspace, run folder]. */
async function trainedRun(t: { after(fn: () => void): void }): Promise<[string, string]> {
  const dir = workspace(t, "rls-cli-explain-");
  writeFileSync(
    join(dir, "cartpole.rl.ts"),
    `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "cli-explain",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 2048, numEnvs: 4, numSteps: 64 },
  seed: 5,
  reward: ({ envReward, nextObs }) => ({ alive: envReward, centred: -Math.abs(nextObs.x) }),
});
`,
  );
  const r = await runCli(["train", "cartpole.rl.ts", "--json"], dir, NO_MODEL_ENV);
  assert.equal(r.code, 0, r.stderr);
  return [dir, lastJsonLine(r.stdout).runDir as string];
}

test("explain --json without a model: summary and measured facts, no narrative (the note says why), the explanation saved", { timeout: 90_000 }, async (t) => {
  const [dir, runDir] = await trainedRun(t);
  const r = await runCli(["explain", runDir, "--episodes", "4", "--json"], dir, NO_MODEL_ENV);
  assert.equal(r.code, 0, r.stderr);
  const result = lastJsonLine(r.stdout);
  assert.equal(result.status, "ok");
  assert.equal(result.narrative, null);
  assert.equal(result.narrativeNote, "no language model loaded: showing the measured summary");
  assert.ok(Array.isArray(result.summary) ? result.summary.length > 0 : String(result.summary).length > 0, "a measured summary");
  assert.ok(existsSync(result.file as string), "explanation.json written");
  assert.match(JSON.stringify(result.summary), /deterministic/i);
  // The shaped components are measured (share of return) and named.
  assert.match(JSON.stringify(result.facts), /centred/);
});

test("explain with a model file that does not exist: exit 2 naming it, before any rollout", { timeout: 90_000 }, async (t) => {
  const [dir, runDir] = await trainedRun(t);
  const r = await runCli(["explain", runDir, "--model", "nowhere.gguf"], dir, NO_MODEL_ENV);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /model file not found: .*nowhere\.gguf/);
  assert.doesNotMatch(r.stderr, /evaluation rollouts/);
});

test("real model: explain --model asks the LLM for a narrative and keeps it only if its numbers are measured", { timeout: 120_000 }, async (t) => {
  const TEST_MODEL = requireTestModel(t);
  if (TEST_MODEL === null) return;
  const [dir, runDir] = await trainedRun(t);
  const r = await runCli(["explain", runDir, "--episodes", "4", "--json", "--model", TEST_MODEL], dir, NO_MODEL_ENV);
  assert.equal(r.code, 0, r.stderr);
  const result = lastJsonLine(r.stdout);
  assert.equal(result.status, "ok");
  if (result.narrative === null) {
    // Rejected (an invented number) or unreadable: either way the reason is there and the summary stands.
    assert.equal(typeof result.narrativeNote, "string", JSON.stringify(result));
    assert.match(result.narrativeNote as string, /showing the measured summary/);
  } else {
    assert.equal(typeof result.narrative, "string");
  }
});
