// RunSummary.unconfirmed (runtime/src/server/run-summary.ts): a run "running" on disk whose live
// process cannot be confirmed to be its trainer — exactly the runs whose resume the runtime refuses
// with RESUME_NEEDS_FORCE — and no other. Real status.json files naming real processes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decideResume } from "../../../runtime/src/runs/resume-decision.js";
import { probeStatusWriter, RunDir, type RunStatus } from "../../../runtime/src/runs/run-dir.js";
import { processStartToken } from "../../../runtime/src/runs/process-identity.js";
import { summarizeRun } from "../../../runtime/src/server/run-summary.js";

/** An unrelated live process. */
function sleeper(t: { after(fn: () => void): void }): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 600000)"], { stdio: "ignore" });
  t.after(() => void child.kill("SIGKILL"));
  return child;
}

function runWithStatus(t: { after(fn: () => void): void }, status: RunStatus): RunDir {
  const root = mkdtempSync(join(tmpdir(), "rls-unconfirmed-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const run = RunDir.create(root, { experiment: { name: "exp", seed: 1, env: "CartPole-v1", hyperparameters: { totalTimesteps: 1000 } }, sourceText: "", bundle: "" });
  // Written as a file, not through writeStatus (which stamps this process as the writer).
  writeFileSync(run.file("status"), JSON.stringify(status));
  return run;
}

const status = (pid: number, updatedAt: string, writer?: RunStatus["writer"]): RunStatus => ({
  state: "running",
  pid,
  startedAt: "2024-01-01T00:00:00.000Z",
  updatedAt,
  globalStep: 100,
  totalTimesteps: 1000,
  backend: "js",
  ...(writer ? { writer } : {}),
});

/** The runtime's resume of `run` would ask for force. */
function resumeNeedsForce(run: RunDir): boolean {
  const s = run.readStatus()!;
  const d = decideResume({ runId: run.id, status: s, force: false, ownPids: [process.pid], probe: probeStatusWriter(s) });
  return d.action === "refuse" && d.overridable;
}

test("an older status.json (no trainer identity) naming a live process that may have written it: running, unconfirmed", async (t) => {
  const other = sleeper(t);
  await new Promise((r) => setTimeout(r, 2500)); // written after that process started: it could be the trainer
  const run = runWithStatus(t, status(other.pid!, new Date().toISOString()));
  const s = summarizeRun(run, new Set());
  assert.equal(s.state, "running");
  assert.equal(s.unconfirmed, true);
  assert.equal(resumeNeedsForce(run), true, "the same runs the runtime's resume refuses with RESUME_NEEDS_FORCE");
  assert.equal(summarizeRun(run, new Set([run.id])).unconfirmed, false, "a run this runtime trains is its own");
});

test("confirmed or decided cases are not unconfirmed: a recorded trainer that is alive, a process started later, a dead pid, a finished run", async (t) => {
  const other = sleeper(t);
  await new Promise((r) => setTimeout(r, 200));
  const token = processStartToken(other.pid!);
  if (token !== null) {
    // A CLI trainer that recorded its identity: known to train it (Stop asks it to stop; resume is refused outright).
    const cli = runWithStatus(t, status(other.pid!, new Date().toISOString(), { startToken: token, stopsOnSigint: true, entry: "cli.js" }));
    assert.deepEqual([summarizeRun(cli, new Set()).state, summarizeRun(cli, new Set()).unconfirmed], ["running", false]);
  }
  const later = runWithStatus(t, status(other.pid!, new Date(Date.now() - 3600_000).toISOString()));
  assert.deepEqual([summarizeRun(later, new Set()).state, summarizeRun(later, new Set()).unconfirmed], ["stopped", false], "a process started after the file was written is not its trainer");
  const dead = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((r) => dead.once("exit", r));
  const gone = runWithStatus(t, status(dead.pid!, new Date().toISOString()));
  assert.deepEqual([summarizeRun(gone, new Set()).state, summarizeRun(gone, new Set()).unconfirmed], ["stopped", false]);
  const done = runWithStatus(t, { ...status(other.pid!, new Date().toISOString()), state: "completed" });
  assert.equal(summarizeRun(done, new Set()).unconfirmed, false);
});
