/**
 * The run recorder on its own, with a minimal trainer state (one weight vector), as another
 * algorithm would use it: episodes and the solved criterion, metrics and checkpoint cadence,
 * status.json, and a resume that continues the counters and the clock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunDir } from "../../../runtime/src/runs/run-dir.js";
import { RunRecorder, type RecorderOptions, type TrainerState } from "../../../runtime/src/runs/run-recorder.js";
import { CheckpointError } from "../../../runtime/src/runs/checkpoint.js";
import { checkFiniteArray } from "../../../runtime/src/runs/checkpoint-counters.js";

/** A trainer whose whole state is one weight vector. */
class VectorState implements TrainerState {
  readonly format = "test/vector@1";
  restored = 0;
  constructor(readonly weights: Float32Array) {}
  async save() {
    return { meta: { note: "vector" }, arrays: { w: Float32Array.from(this.weights) } };
  }
  check(ckpt: { arrays: Record<string, Float32Array> }, _c: unknown, file: string) {
    const w = ckpt.arrays.w;
    if (!w || w.length !== this.weights.length) throw new CheckpointError(file, "array w is missing or mis-sized");
    checkFiniteArray(file, "w", w);
  }
  async restore(ckpt: { arrays: Record<string, Float32Array> }) {
    this.weights.set(ckpt.arrays.w!);
    this.restored++;
  }
}

function setup(t: { after(fn: () => void): void }, over: Partial<RecorderOptions> = {}) {
  const root = mkdtempSync(join(tmpdir(), "rls-recorder-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const runDir = RunDir.create(root, { experiment: { name: "rec" }, sourceText: "", bundle: "" });
  const opts: RecorderOptions = { runDir, stepsPerIteration: 4, numIterations: 6, totalTimesteps: 24, rewardThreshold: 10, checkpointEvery: 4, backend: "js", ...over };
  return { runDir, opts };
}

const episode = (ret: number) => ({ envIndex: 0, episodicReturn: ret, episodicLength: 5, terminated: true, truncated: false });

test("episodes: appended with step and time; the window holds 20; solved when the mean of 20 first reaches the threshold", async (t) => {
  const { runDir, opts } = setup(t, { numIterations: 100, totalTimesteps: 400 });
  const rec = await RunRecorder.open(opts, new VectorState(new Float32Array(3)));
  assert.equal(runDir.readStatus()!.state, "running");
  for (let i = 0; i < 19; i++) {
    rec.addSteps(4);
    rec.episode(episode(10));
  }
  assert.equal(rec.counters.solvedAtStep, null, "19 episodes are not a window of 20");
  rec.addSteps(4);
  const last = rec.episode(episode(9.99));
  assert.equal(rec.counters.solvedAtStep, null, "mean 9.9995 < 10");
  rec.addSteps(4);
  rec.episode(episode(10.02));
  assert.equal(rec.counters.solvedAtStep, 84, "the window (10 × 18, 9.99, 10.02) now averages 10.0005");
  rec.addSteps(4);
  rec.episode(episode(0));
  assert.equal(rec.counters.solvedAtStep, 84, "solved once, not moved");
  assert.equal(rec.counters.recentReturns.length, 20);
  assert.equal(rec.counters.episodes, 22);
  assert.equal(rec.lastEpisodicReturn, 0);
  assert.equal(last.globalStep, 80);
  runDir.close();
  assert.equal(runDir.readEpisodes().length, 22);
});

test("iterations: metrics appended; checkpoints every checkpointEvery and after the last; finish checkpoints a stopped run, not a failed one", async (t) => {
  const { runDir, opts } = setup(t);
  const state = new VectorState(new Float32Array([1, 2, 3]));
  const rec = await RunRecorder.open(opts, state);
  const steps: number[] = [];
  for (let it = 1; it <= 3; it++) {
    rec.addSteps(4);
    await rec.endIteration(it, { "charts/SPS": 1 });
    steps.push((runDir.readCheckpoint()?.meta.counters as { globalStep: number } | undefined)?.globalStep ?? -1);
  }
  assert.deepEqual(steps, [-1, -1, -1], "no checkpoint before iteration 4");
  rec.addSteps(4);
  await rec.endIteration(4, {});
  assert.equal((runDir.readCheckpoint()!.meta.counters as { globalStep: number }).globalStep, 16);
  assert.equal(runDir.readCheckpoint()!.meta.format, "test/vector@1");
  rec.addSteps(4);
  await rec.endIteration(5, {});
  state.weights[0] = 42;
  const totals = await rec.finish("stopped");
  assert.equal(totals.globalStep, 20);
  assert.equal((runDir.readCheckpoint()!.meta.counters as { globalStep: number }).globalStep, 20, "a stopped run resumes from exactly here");
  assert.equal(runDir.readCheckpoint()!.arrays.w![0], 42);
  assert.equal(runDir.readStatus()!.state, "stopped");
  runDir.close();
  assert.deepEqual(runDir.readMetrics().map((m) => m.iteration), [1, 2, 3, 4, 5]);
});

test("resume: the checkpoint is verified, restored and the stale lines dropped; counters and the clock continue", async (t) => {
  const { runDir, opts } = setup(t);
  const first = await RunRecorder.open(opts, new VectorState(new Float32Array([7, 8, 9])));
  for (let it = 1; it <= 4; it++) {
    first.addSteps(4);
    first.episode(episode(it));
    await first.endIteration(it, {});
  }
  // Iteration 5 logged, then the process died before its next checkpoint.
  first.addSteps(4);
  first.episode(episode(5));
  await first.endIteration(5, {});
  const wallBefore = (runDir.readCheckpoint()!.meta.counters as { wallSeconds: number }).wallSeconds;
  runDir.close();

  const state = new VectorState(new Float32Array(3));
  const second = await RunRecorder.open({ ...opts, log: () => {} }, state);
  assert.equal(second.resumedFrom, 16);
  assert.equal(second.iteration, 4);
  assert.equal(state.restored, 1);
  assert.deepEqual([...state.weights], [7, 8, 9]);
  assert.deepEqual(second.counters.recentReturns, [1, 2, 3, 4]);
  assert.equal(second.lastEpisodicReturn, 4);
  assert.ok(second.wallSeconds() >= wallBefore, "wall time continues from the checkpoint's");
  assert.deepEqual(runDir.readMetrics().map((m) => m.globalStep), [4, 8, 12, 16], "the line after the checkpoint is dropped");
  assert.deepEqual(runDir.readEpisodes().map((e) => e.episodicReturn), [1, 2, 3, 4]);
  runDir.close();
});

test("resume refuses a state the trainer cannot restore and changes nothing (the state's own check)", async (t) => {
  const { runDir, opts } = setup(t);
  const rec = await RunRecorder.open(opts, new VectorState(new Float32Array([1, 2, 3])));
  rec.addSteps(4);
  await rec.endIteration(1, {});
  await rec.finish("stopped");
  runDir.close();
  const broken = runDir.readCheckpoint()!;
  broken.arrays.w![1] = Number.NaN;
  runDir.writeCheckpoint(broken);
  await assert.rejects(RunRecorder.open(opts, new VectorState(new Float32Array(3))), /array "w"\[1\] = NaN: every value must be a finite number/);
  assert.equal(runDir.readStatus()!.state, "stopped", "status.json untouched");
});

test("truncateAfter refuses anything that is not a checkpoint's step, before touching a file", (t) => {
  const { runDir } = setup(t);
  runDir.appendMetrics({ globalStep: 4, iteration: 1, wallSeconds: 0, metrics: {} });
  runDir.close();
  for (const bad of [-5, Number.NaN, 1.5, Number.POSITIVE_INFINITY]) {
    assert.throws(() => runDir.truncateAfter(bad), /refusing to drop metrics after step/);
  }
  assert.equal(runDir.readMetrics().length, 1);
});
