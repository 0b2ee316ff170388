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
import { isUnconfirmed, summarizeRun } from "../../../runtime/src/server/run-summary.js";

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

test("isUnconfirmed, the pure decision on hand-made probes: only a live process that may or may not be the trainer", () => {
  const older = status(4242, "2024-01-01T00:05:00.000Z"); // no writer recorded: an older RL Studio
  const withWriter = status(4242, "2024-01-01T00:05:00.000Z", { startToken: "t", stopsOnSigint: true, entry: "cli.js" });
  const probe = (alive: boolean, sameProcess: boolean | null, startedAfterStatus: boolean | null) => ({ alive, sameProcess, startedAfterStatus });
  let probed = 0;
  const decide = (over: Partial<Parameters<typeof isUnconfirmed>[0]> & { p?: ReturnType<typeof probe> }) =>
    isUnconfirmed({
      runId: "r1",
      live: false,
      shownState: "running",
      status: older,
      ownPids: [1],
      probe: () => {
        probed++;
        return over.p ?? probe(true, null, null);
      },
      ...over,
    });
  // The one case: alive, identity unknown, start time not after the file was written (or unknown).
  assert.equal(decide({}), true);
  assert.equal(decide({ p: probe(true, null, false) }), true);
  assert.equal(decide({ status: withWriter, p: probe(true, null, null) }), true, "a recorded writer whose start time cannot be read");
  // Decided by the OS: not unconfirmed.
  assert.equal(decide({ p: probe(false, null, null) }), false, "gone: shown stopped, resumable");
  assert.equal(decide({ p: probe(true, true, null) }), false, "confirmed trainer: resume refused outright");
  assert.equal(decide({ p: probe(true, false, null) }), false, "pid reused by another program");
  assert.equal(decide({ p: probe(true, null, true) }), false, "started after the file was written: not the writer");
  assert.equal(decide({ ownPids: [4242] }), false, "status names the asking process itself");
  // Not shown running, or trained here: the OS is not even asked.
  probed = 0;
  assert.equal(decide({ live: true }), false, "this runtime trains it");
  assert.equal(decide({ shownState: "stopped" }), false);
  assert.equal(decide({ shownState: "completed", status: { ...older, state: "completed" } }), false);
  assert.equal(probed, 0, "no probe for a live or not-running run");
});
