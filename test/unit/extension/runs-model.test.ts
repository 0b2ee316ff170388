// The runs model through a resume, as the runtime's notifications drive it: the Runs view reads
// the model, so "stopped" must become "running" when the run resumes, whatever order the folder
// read and the notifications arrive in.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunSummary, TrainProgress } from "../../../protocol/src/runtime.js";
import { RunsModel } from "../../../extension/src/runs-model.js";

const stopped: RunSummary = {
  runId: "cartpole-1",
  runDir: "/ws/.rl-studio/runs/cartpole-1",
  experimentName: "cartpole",
  envId: "CartPole-v1",
  seed: 1,
  experimentPath: "/ws/cartpole.rl.ts",
  state: "stopped",
  globalStep: 4096,
  totalTimesteps: 5_000_000,
  lastEpisodicReturn: 40,
  backend: "js",
  createdAt: "2026-12-06T10:00:00Z",
  error: null,
  groupKey: "g",
  live: false,
};
const progress = (globalStep: number): TrainProgress => ({ iteration: 1, numIterations: 10, globalStep, totalTimesteps: 5_000_000, sps: 1000, wallSeconds: 1, lastEpisodicReturn: 50, meanReturnLast20: 45 });

function model(): { m: RunsModel; changes: (string | undefined)[] } {
  const m = new RunsModel();
  const changes: (string | undefined)[] = [];
  m.onDidChange((e) => changes.push(e?.summary.state));
  m.replaceAll([stopped]);
  return { m, changes };
}

test("resume: the status notification makes the run running at once (before, and without, the folder read)", () => {
  const { m, changes } = model();
  m.setState("cartpole-1", "running");
  assert.equal(m.get("cartpole-1")!.summary.state, "running");
  assert.equal(m.get("cartpole-1")!.summary.live, true);
  assert.deepEqual(m.live().map((e) => e.summary.runId), ["cartpole-1"]);
  assert.deepEqual(changes, [undefined, "running"], "the Runs view is told");
  // The folder read then brings the steps; the state stays.
  m.mergeRead({ ...stopped, state: "running", live: true, globalStep: 4096 });
  assert.equal(m.get("cartpole-1")!.summary.state, "running");
});

test("a progress report means running: a resumed run whose status was missed still reads running", () => {
  const { m, changes } = model();
  m.setProgress("cartpole-1", progress(5000));
  const s = m.get("cartpole-1")!.summary;
  assert.equal(s.state, "running");
  assert.equal(s.live, true);
  assert.equal(s.globalStep, 5000);
  assert.equal(changes.at(-1), "running");
});

test("a status newer than an in-flight folder read wins: stopped while the read was on its way stays stopped", () => {
  const { m } = model();
  m.setState("cartpole-1", "running");
  m.setState("cartpole-1", "stopped");
  m.mergeRead({ ...stopped, state: "running", live: true, globalStep: 8192 });
  const s = m.get("cartpole-1")!.summary;
  assert.equal(s.state, "stopped");
  assert.equal(s.live, false);
  assert.equal(s.globalStep, 8192, "the read's figures are taken");
});

test("a new run (not listed yet) is added as read", () => {
  const m = new RunsModel();
  m.setState("new-run", "running");
  assert.equal(m.get("new-run"), undefined, "nothing to mark before it is read");
  m.mergeRead({ ...stopped, runId: "new-run", state: "running", live: true });
  assert.equal(m.get("new-run")!.summary.state, "running");
});
