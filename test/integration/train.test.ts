import { test } from "node:test";
import { loadTfjs } from "../../runtime/src/backends/select.js";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadExperiment, type ExperimentOverrides } from "../../runtime/src/experiment/resolve.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { train, type TrainOptions } from "../../runtime/src/ppo/train.js";
import { checkEnv } from "../../runtime/src/envs/checker.js";
import { evaluateRun } from "../../runtime/src/ppo/policy.js";

const root = mkdtempSync(join(tmpdir(), "rl-studio-train-test-"));

async function trainFile(file: string, overrides: ExperimentOverrides, extra: Partial<TrainOptions> = {}) {
  const experiment = await loadExperiment(file, overrides);
  const runDir = RunDir.create(root, { experiment: { name: experiment.name, seed: experiment.seed }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const summary = await train({ experiment, runDir, ...extra });
  return { summary, runDir, experiment };
}

const SMALL = { numEnvs: 4, numSteps: 32, numMinibatches: 2, updateEpochs: 2 };

for (const backend of ["js", "wasm"] as const) {
  test(`same seed, same backend (${backend}): identical first 10 episode returns; another seed differs`, async () => {
    const returnsOf = async (seed: number) => {
      const { runDir, summary } = await trainFile("examples/cartpole.rl.ts", { seed, totalTimesteps: 4096, hyperparameters: SMALL }, { backend });
      assert.equal(summary.backend, backend);
      return runDir.readEpisodes().slice(0, 10).map((e) => e.episodicReturn);
    };
    const a = await returnsOf(7);
    const b = await returnsOf(7);
    const c = await returnsOf(8);
    assert.equal(a.length, 10);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
}

test("every iteration logs CleanRL's metric names; shaped components are logged per episode", async () => {
  const { runDir, summary, experiment } = await trainFile("examples/cartpole.rl.ts", { totalTimesteps: 4096, hyperparameters: SMALL });
  assert.equal(summary.status, "completed");
  const metrics = runDir.readMetrics();
  assert.equal(metrics.length, 4096 / 128);
  const names = new Set(metrics.flatMap((m) => Object.keys(m.metrics)));
  for (const name of [
    "charts/learning_rate", "charts/SPS", "charts/episodic_return", "charts/episodic_length",
    "losses/value_loss", "losses/policy_loss", "losses/entropy", "losses/old_approx_kl",
    "losses/approx_kl", "losses/clipfrac", "losses/explained_variance", "reward/alive", "reward/upright",
  ]) assert.ok(names.has(name), `missing metric ${name}`);
  // Learning rate anneals linearly to 0 (CleanRL): first iteration at the full rate.
  assert.equal(metrics[0]!.metrics["charts/learning_rate"], experiment.hyperparameters.learningRate);
  assert.ok(metrics.at(-1)!.metrics["charts/learning_rate"]! < metrics[0]!.metrics["charts/learning_rate"]!);
  const episodes = runDir.readEpisodes();
  assert.ok(episodes.length > 0);
  for (const e of episodes) {
    // alive = envReward = 1 per step, so its per-episode sum is the episode length.
    assert.equal(e.components!.alive, e.episodicLength);
    assert.ok(e.cause === "pole angle" || e.cause === "cart position" || e.cause === "time limit");
  }
  assert.deepEqual(
    metrics.map((m) => m.globalStep),
    metrics.map((_, i) => (i + 1) * 128),
  );
});

test("a reward that returns NaN fails the run with the step and component, keeping its metrics", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-studio-nan-"));
  const file = join(dir, "nan.rl.ts");
  writeFileSync(
    file,
    `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "nan-reward", env: "CartPole-v1", algorithm: "ppo",
  hyperparameters: { totalTimesteps: 8192, numEnvs: 4, numSteps: 32, numMinibatches: 2, updateEpochs: 1 },
  reward: ({ episodeStep, envReward }) => ({ alive: envReward, broken: episodeStep >= 40 ? Number.NaN : 0 }),
});
`,
  );
  const { summary, runDir } = await trainFile(file, {});
  assert.equal(summary.status, "failed");
  assert.match(summary.error!, /episode step 40/);
  assert.match(summary.error!, /"broken"/);
  assert.match(summary.error!, /NaN/);
  assert.equal(runDir.readStatus()!.state, "failed");
  assert.ok(runDir.readMetrics().length >= 1, "metrics before the failure are kept");
});

test("abort stops at an iteration boundary, checkpoints, and a second train() resumes the same curve", async () => {
  const experiment = await loadExperiment("examples/cartpole.rl.ts", { totalTimesteps: 6400, hyperparameters: SMALL });
  const runDir = RunDir.create(root, { experiment: { name: experiment.name }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const ac = new AbortController();
  const first = await train({ experiment, runDir, signal: ac.signal, onProgress: (p) => p.iteration === 10 && ac.abort() });
  assert.equal(first.status, "stopped");
  assert.equal(first.globalStep, 10 * 128);
  const second = await train({ experiment, runDir });
  assert.equal(second.status, "completed");
  const steps = runDir.readMetrics().map((m) => m.globalStep);
  assert.deepEqual(steps, steps.map((_, i) => (i + 1) * 128));
  assert.equal(steps.at(-1), 6400);
});

test("continuous actions (Pendulum-v1): trains with finite losses; eval runs the policy", async () => {
  const { summary, runDir } = await trainFile("examples/pendulum.rl.ts", {
    totalTimesteps: 4096,
    hyperparameters: { numEnvs: 2, numSteps: 256, numMinibatches: 8, updateEpochs: 2 },
  });
  assert.equal(summary.status, "completed");
  for (const m of runDir.readMetrics()) for (const [k, v] of Object.entries(m.metrics)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
  const ev = await evaluateRun(runDir, { episodes: 2 });
  assert.equal(ev.episodes, 2);
  assert.deepEqual(ev.lengths, [200, 200]);
  assert.deepEqual(ev.terminationCauses, { "time limit": 2 });
});

test("the wasm backend trains end to end, keeps its live tensor count flat and frees every tensor at the end", async () => {
  const tf = (await loadTfjs("wasm")) as typeof import("@tensorflow/tfjs-core");
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const { summary } = await trainFile("examples/cartpole.rl.ts", { totalTimesteps: 2048, hyperparameters: SMALL }, {
    backend: "wasm",
    onProgress: () => counts.push(tf.memory().numTensors),
  });
  assert.equal(summary.backend, "wasm");
  assert.equal(summary.status, "completed");
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts drift: ${counts.join(",")}`);
  assert.equal(tf.memory().numTensors, before, "the learner's variables and their initial values are all disposed");
});

test("every example's environment passes the env checker and trains one iteration", async () => {
  // PPO's trainer on each example; the TWOSOME example (same env as tomato-salad.rl.ts) trains with the
  // test model in twosome.test.ts and resolves in experiment.test.ts.
  const examples = readdirSync("examples").filter((f) => f.endsWith(".rl.ts") && !f.includes("twosome"));
  assert.ok(examples.length >= 5);
  for (const file of examples) {
    const experiment = await loadExperiment(join("examples", file), {});
    const report = checkEnv(experiment.makeEnv);
    assert.ok(report.ok, `${file}: ${report.results.filter((r) => r.status === "fail").map((r) => r.message).join("; ")}`);
    const { summary } = await trainFile(join("examples", file), {
      totalTimesteps: 128,
      hyperparameters: { numEnvs: 2, numSteps: 64, numMinibatches: 1, updateEpochs: 1 },
    });
    assert.equal(summary.status, "completed", `${file}: ${summary.error}`);
    assert.equal(summary.globalStep, 128);
  }
});
