/**
 * A GPU error never passes for a finished run. An invalid command on the device fails the run with
 * "WebGPU validation error during the PPO update: …"; a device lost mid-run fails it with its last
 * checkpoint intact, and a resume continues the same curves; with no adapter,
 * `--backend webgpu` says which query failed and falls back in one line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as tfTypes from "@tensorflow/tfjs-core";
import { acquireWebGpu } from "../../runtime/src/backends/webgpu.js";
import { experimentRecord, resumeRun } from "../../runtime/src/runs/start-run.js";
import { loadExperiment } from "../../runtime/src/experiment/resolve.js";
import { train } from "../../runtime/src/ppo/train.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { loadTfjs } from "../../runtime/src/backends/select.js";
import { skipUnlessWebGpu } from "./webgpu-device.js";

const REPO = resolve(__dirname, "..", "..");
const CLI = join(REPO, "runtime", "src", "cli", "main.ts");
const TSX = pathToFileURL(require.resolve("tsx")).href;

// 2 envs × 16 steps, one minibatch update per iteration (lavapipe runs a few updates a second),
// a checkpoint every 2 iterations.
const ITERATION = 32;
const EXPERIMENT = `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "gpu-failure",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: ${ITERATION * 8}, numEnvs: 2, numSteps: 16, numMinibatches: 1, updateEpochs: 1, checkpointEvery: 2 },
  seed: 3,
});
`;

function workspace(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "rls-webgpu-fail-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "package.json"), "{}\n");
  writeFileSync(join(dir, "exp.rl.ts"), EXPERIMENT);
  return dir;
}

/**
 * Trains a webgpu run of EXPERIMENT in this thread and does `act` to the device when iteration
 * `iteration` ends. In the product every run trains in its own worker thread (trainer-host.ts), with
 * its own device; the test trains in its thread so that it holds the very device the learner uses.
 */
async function trainOnWebGpuUntil(t: { after(fn: () => void): void }, iteration: number, act: (device: GPUDevice) => void) {
  const dir = workspace(t);
  const tf = (await loadTfjs("wasm")) as typeof tfTypes;
  const gpu = await acquireWebGpu(tf);
  const experiment = await loadExperiment(join(dir, "exp.rl.ts"));
  const runDir = RunDir.create(join(dir, "runs"), {
    experiment: experimentRecord(experiment) as unknown as Record<string, unknown>,
    sourceText: experiment.source.text,
    bundle: experiment.source.bundle,
  });
  const summary = await train({
    experiment,
    runDir,
    backend: "webgpu",
    onProgress: (p) => {
      if (p.iteration === iteration) act(gpu.device);
    },
  });
  runDir.close();
  return { runPath: runDir.path, summary };
}

test("--backend webgpu with no Vulkan driver names the failed adapter query and falls back in one notice line", (t) => {
  const dir = workspace(t);
  const r = spawnSync(process.execPath, ["--import", TSX, CLI, "train", "exp.rl.ts", "--backend", "webgpu", "--total-timesteps", "64", "--json"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, VK_DRIVER_FILES: join(dir, "no-such-icd.json"), VK_ICD_FILENAMES: join(dir, "no-such-icd.json") },
  });
  assert.equal(r.status, 0, r.stderr);
  const notice = r.stderr.split("\n").filter((l) => l.includes("backend: "));
  assert.equal(notice.length, 1, r.stderr);
  assert.match(notice[0]!, /^webgpu: navigator\.gpu\.requestAdapter\(\) found no adapter through Dawn \(Vulkan, VK_DRIVER_FILES=.*no-such-icd\.json\).*; falling back; backend: wasm$/);
  assert.equal(JSON.parse(r.stdout.trim().split("\n").at(-1)!).backend, "wasm");
});

test("an invalid GPU command during training fails the run with the validation error, not 'completed'", async (t) => {
  const skip = await skipUnlessWebGpu();
  if (skip) return t.skip(skip);
  // What tfjs did when a kernel bound more storage buffers than the device allows: an invalid
  // object on the device, reported only asynchronously.
  const { runPath, summary } = await trainOnWebGpuUntil(t, 2, (device) => device.createBuffer({ size: 4, usage: 0 }));
  assert.equal(summary.backend, "webgpu");
  assert.equal(summary.status, "failed");
  assert.match(summary.error ?? "", /^WebGPU validation error during the PPO update: Buffer usages must not be 0/);
  const run = RunDir.open(runPath);
  assert.equal(run.readStatus()?.state, "failed");
  assert.match(run.readStatus()?.error ?? "", /WebGPU validation error/);
  assert.equal(run.readMetrics().length, 2, "the iterations before the error are kept, none after");
});

test("a device lost mid-run fails the run with its checkpoint intact; resume continues the same curves", async (t) => {
  const skip = await skipUnlessWebGpu();
  if (skip) return t.skip(skip);
  const { runPath, summary } = await trainOnWebGpuUntil(t, 3, (device) => device.destroy());
  assert.equal(summary.status, "failed");
  assert.match(summary.error ?? "", /^WebGPU device lost during the PPO update: the device was destroyed/);
  const run = RunDir.open(runPath);
  const checkpoint = run.readCheckpoint();
  assert.ok(checkpoint, "the checkpoint of iteration 2 is still there");
  assert.equal(run.readStatus()?.state, "failed");

  const notices: string[] = [];
  const resumed = await resumeRun({ runDir: run.path, backend: "webgpu", log: (l) => notices.push(l) });
  const after = await resumed.done;
  assert.equal(after.status, "completed", after.error);
  // The resume trains in a fresh trainer thread, which opens a device of its own.
  assert.equal(after.backend, "webgpu");
  assert.ok(notices.some((n) => n.startsWith(`resuming from the checkpoint at step ${2 * ITERATION}`)), notices.join("\n"));
  const steps = RunDir.open(run.path).readMetrics().map((m) => m.globalStep);
  assert.deepEqual(steps, Array.from({ length: 8 }, (_, i) => (i + 1) * ITERATION), "one record per iteration, no gap, no duplicate");
});
