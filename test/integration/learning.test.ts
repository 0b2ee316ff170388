/**
 * PPO learns: these tests fail when it stops learning (a broken gradient, advantage sign, optimizer
 * step or environment), which no other test would notice. Each trains a built-in example on the
 * `js` backend in this process, stops as soon as the goal is met, and prints its duration with the
 * load average (they are sized to finish well under a minute on a loaded 2-core machine).
 * Same seed and backend give the same run (train.test.ts), so each figure below is reproducible.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadExperiment, type ExperimentOverrides } from "../../runtime/src/experiment/resolve.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { train, type TrainSummary } from "../../runtime/src/ppo/train.js";

const root = mkdtempSync(join(tmpdir(), "rl-studio-learning-"));
test.after(() => rmSync(root, { recursive: true, force: true }));

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");

/** Trains `file` with `overrides` on `js`; with `stopWhenSolved`, stops once the mean of the last 20 episodes reaches the env's threshold. */
async function trainExample(file: string, overrides: ExperimentOverrides, stopWhenSolved: boolean) {
  const experiment = await loadExperiment(file, overrides);
  const runDir = RunDir.create(root, { experiment: { name: experiment.name, seed: experiment.seed }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const threshold = experiment.spec.rewardThreshold;
  const ac = new AbortController();
  const t0 = performance.now();
  let summary: TrainSummary;
  try {
    summary = await train({
      experiment,
      runDir,
      backend: "js",
      signal: ac.signal,
      onProgress: (p) => {
        if (stopWhenSolved && threshold !== undefined && p.meanReturnLast20 !== null && p.meanReturnLast20 >= threshold) ac.abort();
      },
    });
  } finally {
    runDir.close();
  }
  const returns = runDir.readEpisodes().map((e) => e.episodicReturn);
  return { summary, returns, budget: experiment.hyperparameters.totalTimesteps, threshold, seconds: (performance.now() - t0) / 1000 };
}

test("CartPole example solves on seeds 1, 2 and 3 within its budget (mean of the last 20 episodes ≥ 475)", { timeout: 120_000 }, async (t) => {
  for (const seed of [1, 2, 3]) {
    const r = await trainExample("examples/cartpole.rl.ts", { seed }, true);
    t.diagnostic(`seed ${seed}: solved at step ${r.summary.solvedAtStep} of ${r.budget}, ${r.seconds.toFixed(1)} s (load ${load()})`);
    assert.equal(r.threshold, 475);
    assert.ok(r.summary.solvedAtStep !== null && r.summary.solvedAtStep <= r.budget, `seed ${seed} did not solve within ${r.budget} steps: mean of the last 20 ${r.summary.meanReturnLast20}`);
    assert.ok(mean(r.returns.slice(-20)) >= 475, `seed ${seed}: mean of the last 20 episodes ${mean(r.returns.slice(-20))}`);
  }
});

test("Acrobot example reaches the −100 threshold (mean of the last 20 episodes) within its budget", { timeout: 120_000 }, async (t) => {
  const r = await trainExample("examples/acrobot.rl.ts", { seed: 1 }, true);
  t.diagnostic(`solved at step ${r.summary.solvedAtStep} of ${r.budget}, ${r.seconds.toFixed(1)} s (load ${load()})`);
  assert.equal(r.threshold, -100);
  assert.ok(r.summary.solvedAtStep !== null && r.summary.solvedAtStep <= r.budget, `not reached: mean of the last 20 ${r.summary.meanReturnLast20}`);
  assert.ok(mean(r.returns.slice(-20)) >= -100, `mean of the last 20 episodes ${mean(r.returns.slice(-20))}`);
});

/**
 * Pendulum (continuous torque, no solved threshold): 30,720 steps of the example with a cheaper,
 * faster-learning update (32-unit layers, 8 × 128 rollouts, 4 minibatches, learning rate 3e-3).
 * A random policy scores about −1,200 per episode; seeds 1–5 reach −250 … −780 over their last
 * 20 episodes (seed 1: −1,206 → −624). Stated margin: the last 20 episodes' mean return is at least
 * 300 above the first 20's.
 */
test("Pendulum (continuous actions) improves its mean return by at least 300 within 30,720 steps", { timeout: 120_000 }, async (t) => {
  const hyperparameters = { numEnvs: 8, numSteps: 128, numMinibatches: 4, updateEpochs: 10, learningRate: 3e-3, hiddenSizes: [32, 32] };
  const r = await trainExample("examples/pendulum.rl.ts", { seed: 1, totalTimesteps: 30_720, hyperparameters }, false);
  const first = mean(r.returns.slice(0, 20));
  const last = mean(r.returns.slice(-20));
  t.diagnostic(`first 20 episodes ${first.toFixed(0)}, last 20 ${last.toFixed(0)} (${r.returns.length} episodes, ${r.summary.globalStep} steps), ${r.seconds.toFixed(1)} s (load ${load()})`);
  assert.equal(r.summary.globalStep, 30_720);
  assert.ok(last - first >= 300, `improved by ${(last - first).toFixed(0)} (first 20: ${first.toFixed(0)}, last 20: ${last.toFixed(0)}); expected ≥ 300`);
});
