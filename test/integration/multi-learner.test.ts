/**
 * Multi-learner PPO (numLearners, runtime/src/ppo/learner-group.ts) end to end: 2 learners × 4 envs
 * train CartPole with one shared parameter vector (rank 0 checks every rank's parameter hash each
 * iteration and fails the run on a mismatch), record every rank's episodes under global env indices,
 * count every rank's steps, stop together, and solve CartPole like 1 learner × 8 envs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join } from "node:path";
import { loadExperiment, type ExperimentOverrides } from "../../runtime/src/experiment/resolve.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { train, type TrainOptions } from "../../runtime/src/ppo/train.js";
import { checkRankHashes } from "../../runtime/src/ppo/learner-group.js";
import { REPO, lastJsonLine } from "./cli-helpers.js";

const root = mkdtempSync(join(tmpdir(), "rl-studio-multi-learner-test-"));

async function trainCartPole(overrides: ExperimentOverrides, extra: Partial<TrainOptions> = {}) {
  // The example without its reward shaping.
  const experiment = { ...(await loadExperiment("examples/cartpole.rl.ts", overrides)), reward: null };
  const runDir = RunDir.create(root, { experiment: { name: experiment.name, seed: experiment.seed }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const logs: string[] = [];
  const summary = await train({ experiment, runDir, log: (l) => logs.push(l), ...extra });
  runDir.close();
  return { summary, runDir, logs };
}

test("2 learners × 4 envs: every rank's steps and episodes recorded, the parameter hashes checked each iteration", async () => {
  const { summary, runDir, logs } = await trainCartPole({ totalTimesteps: 4096, hyperparameters: { numLearners: 2, numEnvs: 4, numSteps: 32 } });
  assert.equal(summary.status, "completed", summary.error);
  assert.equal(summary.backend, "js");
  assert.match(logs.join("\n"), /backend: js \(numLearners 2: data-parallel float64 learners in 2 threads/);
  const metrics = runDir.readMetrics();
  assert.deepEqual(
    metrics.map((m) => m.globalStep),
    metrics.map((_, i) => (i + 1) * 2 * 4 * 32),
  );
  assert.equal(summary.globalStep, 4096);
  const envs = new Set(runDir.readEpisodes().map((e) => e.envIndex));
  assert.deepEqual([...envs].sort(), [0, 1, 2, 3, 4, 5, 6, 7], "episodes from rank 0's envs 0–3 and rank 1's envs 4–7");
});

test("target-KL early stopping: every rank stops after the same epoch (the ranks' mean approx KL), so none waits at a barrier", async () => {
  const { summary, runDir } = await trainCartPole({ totalTimesteps: 2048, hyperparameters: { numLearners: 2, numEnvs: 4, numSteps: 32, updateEpochs: 8, targetKl: 0.0005 } });
  assert.equal(summary.status, "completed", summary.error);
  // 8 iterations of at most 8 epochs × 2 minibatches: early stops show as fewer updates.
  assert.ok(summary.updates < 8 * 8 * 2, `updates ${summary.updates}: target KL never stopped an epoch loop`);
  assert.equal(runDir.readMetrics().length, 8);
});

test("a parameter hash that differs between ranks is an error naming the rank and iteration", () => {
  checkRankHashes(3, ["ab", "ab", "ab"]);
  assert.throws(() => checkRankHashes(3, ["ab", "ab", "cd"]), /diverged at iteration 3: rank 2's parameter hash cd ≠ rank 0's ab/);
});

test("Stop stops every learner at the same iteration boundary; the run resumes from its checkpoint with both learners", async () => {
  const ac = new AbortController();
  const overrides = { totalTimesteps: 2560, hyperparameters: { numLearners: 2, numEnvs: 4, numSteps: 32, checkpointEvery: 1 } };
  const { summary, runDir } = await trainCartPole(overrides, { signal: ac.signal, onProgress: (p) => p.iteration === 3 && ac.abort() });
  assert.equal(summary.status, "stopped");
  assert.equal(summary.globalStep, 3 * 256);
  assert.equal(runDir.readMetrics().length, 3);
  const experiment = { ...(await loadExperiment("examples/cartpole.rl.ts", overrides)), reward: null };
  const reopened = RunDir.open(runDir.path);
  const resumed = await train({ experiment, runDir: reopened });
  reopened.close();
  assert.equal(resumed.status, "completed", resumed.error);
  assert.deepEqual(
    reopened.readMetrics().map((m) => m.globalStep),
    Array.from({ length: 10 }, (_, i) => (i + 1) * 256),
  );
});

test("2 learners × 4 envs solve CartPole like 1 learner × 8 envs (seeds 1 and 2, within the example's budget)", { timeout: 300_000 }, async (t) => {
  for (const seed of [1, 2]) {
    const t0 = performance.now();
    const { summary } = await trainCartPole({ seed, hyperparameters: { numLearners: 2, numEnvs: 4 } }, { onProgress: () => {} });
    t.diagnostic(`seed ${seed}: solved at step ${summary.solvedAtStep}, ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${loadavg()[0]!.toFixed(1)})`);
    assert.ok(summary.solvedAtStep !== null, `seed ${seed}: 2 learners did not solve CartPole in ${summary.globalStep} steps (mean of last 20: ${summary.meanReturnLast20})`);
  }
});

test("the packaged CLI starts its learner ranks from dist/rank-worker.js", (t) => {
  const cli = join(REPO, "dist", "cli.js");
  if (!existsSync(cli) || !existsSync(join(REPO, "dist", "rank-worker.js"))) {
    if (process.env.CI === "true") assert.fail("dist/cli.js and dist/rank-worker.js must exist in CI");
    t.skip("dist/cli.js or dist/rank-worker.js is missing (run `npm run build`)");
    return;
  }
  const ws = mkdtempSync(join(tmpdir(), "rl-studio-multi-learner-ws-"));
  t.after(() => rmSync(ws, { recursive: true, force: true }));
  writeFileSync(join(ws, "package.json"), "{}\n");
  const source = readFileSync(join(REPO, "examples", "cartpole.rl.ts"), "utf8").replace("numEnvs: 8,", "numEnvs: 4, numLearners: 2,");
  assert.match(source, /numLearners: 2/);
  writeFileSync(join(ws, "cartpole.rl.ts"), source);
  const r = spawnSync(process.execPath, [cli, "train", "cartpole.rl.ts", "--total-timesteps", "1024", "--json"], { cwd: ws, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /backend: js \(numLearners 2: data-parallel float64 learners in 2 threads/);
  const summary = lastJsonLine(r.stdout);
  assert.equal(summary.status, "completed");
  assert.equal(summary.globalStep, 1024);
});
