/**
 * `algorithm: "twosome"` end to end with the real test model (stories260K): the CLI trains a few
 * iterations into a run folder (metrics under CleanRL's names, a small checkpoint of the adapter and
 * value head only), Ctrl-C stops it and `resume` continues the same curves without gaps, `eval`
 * reproduces its returns, `explain` lists π over the action texts of the states that greedy episode
 * visited (and saves them as explanation.json), `eval --prior` measures the untrained LLM, and bad settings are refused
 * with the field and where. In-process, the live tensor count stays flat over iterations.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lastJsonLine, runCli, spawnCli, workspace } from "./cli-helpers.js";
import { requireTestModel } from "../test-model.mjs";
import { RunDir, type MetricsRecord } from "../../runtime/src/runs/run-dir.js";
import { readCheckpointFile } from "../../runtime/src/runs/checkpoint.js";
import { loadExperiment } from "../../runtime/src/experiment/resolve.js";
import { experimentRecord } from "../../runtime/src/runs/experiment-record.js";
import { trainTwosome } from "../../runtime/src/llm-policy/train-twosome.js";
import type { TextPolicyFacts } from "../../protocol/src/explain.js";
import { loadTfjs } from "../../runtime/src/backends/select.js";

// 2 envs × 4 macro-steps = 8 steps per iteration; 2 policy minibatches of 4, one optimiser step each.
const NUM_ENVS = 2;
const NUM_STEPS = 4;
const BATCH = NUM_ENVS * NUM_STEPS;

function experimentText(totalTimesteps: number, extra = ""): string {
  return `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "twosome-test",
  env: "Overcooked-TomatoSalad-v0",
  algorithm: "twosome",
  llm: { normalization: "word", lora: { rank: 4, alpha: 8, targets: ["q", "v"] }${extra} },
  hyperparameters: {
    totalTimesteps: ${totalTimesteps},
    numEnvs: ${NUM_ENVS},
    numSteps: ${NUM_STEPS},
    numMinibatches: 2,
    valueNumMinibatches: 2,
    gradientAccumulationSteps: 1,
    learningRate: 1e-4,
    valueLearningRate: 1e-3,
  },
  seed: 3,
});
`;
}

function metricsOf(runDir: string): MetricsRecord[] {
  return readFileSync(join(runDir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as MetricsRecord);
}

async function waitForMetricLines(runsRoot: string, lines: number): Promise<string> {
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    const runs = existsSync(runsRoot) ? readdirSync(runsRoot) : [];
    const file = runs.length === 1 ? join(runsRoot, runs[0]!, "metrics.jsonl") : "";
    if (file && existsSync(file) && readFileSync(file, "utf8").split("\n").length - 1 >= lines) return join(runsRoot, runs[0]!);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no run under ${runsRoot} reached ${lines} metrics lines`);
}

test("twosome: train, Ctrl-C, resume without gaps; a small checkpoint; eval reproduces; explain; --prior", { timeout: 600_000 }, async (t) => {
  const model = requireTestModel(t);
  if (!model) return;
  const dir = workspace(t, "rls-twosome-");
  const iterations = 4;
  writeFileSync(join(dir, "exp.rl.ts"), experimentText(iterations * BATCH));
  const runsRoot = join(dir, ".rl-studio", "runs");

  const first = spawnCli(["train", "exp.rl.ts", "--model", model, "--backend", "wasm", "--json"], dir);
  const runDir = await waitForMetricLines(runsRoot, 2);
  first.child.kill("SIGINT");
  const stopped = await first.done;
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.equal(lastJsonLine(stopped.stdout).status, "stopped");
  const before = metricsOf(runDir).length;
  assert.ok(before >= 2 && before < iterations, `stopped after ${before} iterations`);

  // The checkpoint holds the adapter, value head, their optimisers and RNG states only.
  const ckpt = readCheckpointFile(join(runDir, "checkpoint.bin"));
  assert.equal(ckpt!.meta.format, "rl-studio/twosome-checkpoint@1");
  assert.deepEqual(Object.keys(ckpt!.arrays).sort(), ["lora", "policyAdam.m", "policyAdam.v", "valueAdam.m", "valueAdam.v", "valueHead"]);
  assert.ok(statSync(join(runDir, "checkpoint.bin")).size < statSync(model).size / 4, "the checkpoint is much smaller than the model");

  const resumed = await runCli(["resume", runDir, "--backend", "wasm", "--json"], dir);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(lastJsonLine(resumed.stdout).status, "completed");
  const metrics = metricsOf(runDir);
  assert.deepEqual(
    metrics.map((m) => [m.iteration, m.globalStep]),
    Array.from({ length: iterations }, (_, i) => [i + 1, (i + 1) * BATCH]),
    "one metrics line per iteration, no gap and no duplicate across the resume",
  );
  for (const key of ["charts/learning_rate", "charts/SPS", "losses/value_loss", "losses/policy_loss", "losses/entropy", "losses/approx_kl", "losses/clipfrac"]) {
    assert.ok(metrics.every((m) => Number.isFinite(m.metrics[key])), `${key} in every metrics line`);
  }
  assert.ok(metrics.some((m) => m.metrics["losses/policy_updates"]! >= 1), "the policy took optimiser steps");
  // Annealed: the policy learning rate falls by 1/iterations each iteration.
  assert.ok(Math.abs(metrics[1]!.metrics["charts/learning_rate"]! - 1e-4 * (1 - 1 / iterations)) < 1e-12);

  const evalArgs = ["eval", runDir, "--episodes", "1", "--backend", "wasm", "--json"];
  const [a, b] = [await runCli(evalArgs, dir), await runCli(evalArgs, dir)];
  assert.equal(a.code, 0, a.stderr);
  const [ea, eb] = [lastJsonLine(a.stdout), lastJsonLine(b.stdout)];
  assert.deepEqual(ea.returns, eb.returns, "greedy evaluation with the same seed reproduces the returns");
  assert.equal(typeof ea.successRate, "number");

  // explain: the greedy episode eval just ran, with π over the action texts of the states it visited.
  const explain = await runCli(["explain", runDir, "--episodes", "1", "--json"], dir);
  assert.equal(explain.code, 0, explain.stderr);
  const x = lastJsonLine(explain.stdout) as { summary: string[]; facts: TextPolicyFacts };
  assert.equal(x.facts.episodes, 1);
  assert.equal(x.facts.steps, ea.lengths[0], "the same greedy episode as eval's");
  assert.equal(x.facts.successRate, ea.successRate);
  assert.ok(x.facts.distinctStates >= x.facts.states.length && x.facts.states.length >= 1);
  assert.equal(x.facts.states.reduce((n, s) => n + s.visits, 0) <= x.facts.steps, true);
  for (const s of x.facts.states) {
    assert.ok(s.actions.length >= 2 && s.actions.every((a) => typeof a.text === "string" && a.text.length > 0));
    assert.ok(Math.abs(s.actions.reduce((p, a) => p + a.probability, 0) - 1) < 1e-4, "π sums to 1 over the valid actions");
    assert.ok(s.actions.every((a, i) => i === 0 || s.actions[i - 1]!.probability >= a.probability), "most probable first");
  }
  assert.match(x.summary[0]!, /^Over 1 greedy evaluation episode \(n = \d+ steps\)/);
  assert.equal(x.summary.length, 1 + x.facts.states.length);
  // Saved, as for a PPO run, where the panel and the hovers read it.
  const saved = JSON.parse(readFileSync(join(runDir, "explanation.json"), "utf8")) as { format: string; facts: TextPolicyFacts };
  assert.equal(saved.format, "rl-studio/text-policy-explanation@1");
  assert.deepEqual(saved.facts, x.facts);

  const prior = await runCli(["eval", "exp.rl.ts", "--prior", "--model", model, "--episodes", "1", "--backend", "wasm", "--json"], dir);
  assert.equal(prior.code, 0, prior.stderr);
  const p = lastJsonLine(prior.stdout);
  assert.equal(p.episodes, 1);
  assert.ok(Number.isFinite(p.meanReturn) && typeof p.successRate === "number");
});

test("twosome: a bad llm block, a missing model and a non-text env are refused with the field and the file", { timeout: 120_000 }, async (t) => {
  const dir = workspace(t, "rls-twosome-bad-");
  writeFileSync(join(dir, "rank.rl.ts"), experimentText(16).replace("rank: 4", "rank: 0"));
  const rank = await runCli(["train", "rank.rl.ts", "--model", join(dir, "package.json")], dir);
  assert.equal(rank.code, 2, rank.stderr);
  assert.match(rank.stderr, /rank\.rl\.ts:7:\d+.*llm\.lora\.rank = 0: must be an integer ≥ 1/s);

  writeFileSync(join(dir, "nomodel.rl.ts"), experimentText(16));
  const none = await runCli(["train", "nomodel.rl.ts"], dir, { RL_STUDIO_LLM_MODEL: undefined });
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /needs a GGUF model and none is set: looked at llm\.model in the experiment, --model <gguf>.*rlStudio\.llm\.model.*RL_STUDIO_LLM_MODEL/s);

  const missing = await runCli(["train", "nomodel.rl.ts", "--model", join(dir, "absent.gguf")], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--model = ".*absent\.gguf": no model file at .*absent\.gguf/);

  writeFileSync(join(dir, "cartpole.rl.ts"), experimentText(16).replace("Overcooked-TomatoSalad-v0", "CartPole-v1"));
  const cartpole = await runCli(["train", "cartpole.rl.ts", "--model", join(dir, "package.json")], dir);
  assert.equal(cartpole.code, 2);
  assert.match(cartpole.stderr, /algorithm = "twosome" needs a text env .*CartPole-v1 has no text view; text envs: Overcooked-TomatoSalad-v0/);
});

test("twosome: the live tensor count stays flat over training iterations", { timeout: 300_000 }, async (t) => {
  const model = requireTestModel(t);
  if (!model) return;
  const dir = workspace(t, "rls-twosome-leak-");
  writeFileSync(join(dir, "exp.rl.ts"), experimentText(4 * BATCH));
  const experiment = await loadExperiment(join(dir, "exp.rl.ts"), { model });
  const runDir = RunDir.create(join(dir, "runs"), { experiment: experimentRecord(experiment) as unknown as Record<string, unknown>, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const tf = await loadTfjs("wasm");
  const counts: number[] = [];
  const before = tf.memory().numTensors;
  const summary = await trainTwosome({ experiment, runDir, backend: "wasm", onProgress: () => counts.push(tf.memory().numTensors) });
  runDir.close();
  assert.equal(summary.status, "completed", summary.error);
  assert.equal(counts.length, 4);
  assert.deepEqual(counts.slice(1), [counts[0], counts[0], counts[0]], `live tensors per iteration: ${counts.join(", ")}`);
  assert.equal(tf.memory().numTensors, before, "disposing the policy releases every tensor");
});
