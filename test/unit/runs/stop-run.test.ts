/**
 * Stop on a run another process trains: the decision (pure) for every case, and the process
 * identity it rests on (a pid's OS start time, read the same way by writer and checker).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { currentWriter, declareSigintStop, isSameProcess, parseProcStatStartTime, processStartToken } from "../../../runtime/src/runs/process-identity.js";
import type { RunStatus } from "../../../runtime/src/runs/run-dir.js";
import { decideStop, type StopInput } from "../../../runtime/src/runs/stop-run.js";

const CLI_WRITER = { startToken: "linux:boot:12345", stopsOnSigint: true, entry: "cli.js" };
const running = (extra: Partial<RunStatus> = {}): RunStatus => ({
  state: "running",
  pid: 4242,
  startedAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:10.000Z",
  globalStep: 640,
  totalTimesteps: 100_000,
  backend: "js",
  writer: CLI_WRITER,
  ...extra,
});
const input = (over: Partial<StopInput> = {}): StopInput => ({
  runId: "cartpole-20250101-000000-s1",
  trainingHere: false,
  status: running(),
  ownPids: [100, 101],
  platform: "linux",
  probe: { alive: true, startToken: CLI_WRITER.startToken },
  ...over,
});

test("a CLI trainer that is still the process status.json names is asked to stop with SIGINT", () => {
  const d = decideStop(input());
  assert.equal(d.action, "signal");
  assert.deepEqual(d.action === "signal" && { pid: d.pid, signal: d.signal }, { pid: 4242, signal: "SIGINT" });
  // macOS and the BSDs: the same decision (their start token comes from ps).
  assert.equal(decideStop(input({ platform: "darwin" })).action, "signal");
});

test("a run this process trains is aborted here, whatever status.json says", () => {
  assert.deepEqual(decideStop(input({ trainingHere: true, status: null })), { action: "abort-local" });
});

test("nothing is signalled when the run is not running", () => {
  for (const state of ["completed", "stopped", "failed"] as const) {
    const d = decideStop(input({ status: running({ state }) }));
    assert.equal(d.action, "none");
    assert.deepEqual(d.action === "none" && [d.reason, d.state], ["not-running", state]);
    assert.match(d.action === "none" ? d.message : "", new RegExp(`is not training \\(it is ${state}\\)`));
  }
  const none = decideStop(input({ status: null }));
  assert.deepEqual(none.action === "none" && none.reason, "no-status");
});

test("a dead trainer: the run counts as stopped, nothing is signalled", () => {
  const d = decideStop(input({ probe: { alive: false, startToken: null } }));
  assert.equal(d.action, "none");
  if (d.action !== "none") return;
  assert.equal(d.reason, "process-gone");
  assert.equal(d.state, "stopped");
  assert.match(d.message, /process 4242, which trained it, is gone .* can be resumed/);
});

test("a reused pid (alive, but started after the trainer) is left alone", () => {
  const d = decideStop(input({ probe: { alive: true, startToken: "linux:boot:99999" } }));
  assert.equal(d.action, "none");
  if (d.action !== "none") return;
  assert.equal(d.reason, "pid-reused");
  assert.equal(d.state, "stopped");
  assert.match(d.message, /its pid now belongs to another program .* left alone/);
  // After a reboot the tick count could repeat: the boot id differs.
  const rebooted = decideStop(input({ probe: { alive: true, startToken: "linux:other-boot:12345" } }));
  assert.equal(rebooted.action === "none" && rebooted.reason, "pid-reused");
});

test("a pid that cannot be verified is left alone (older status.json, unreadable start time)", () => {
  const legacy = decideStop(input({ status: running({ writer: undefined }) }));
  assert.equal(legacy.action === "none" && legacy.reason, "unverifiable");
  assert.match(legacy.action === "none" ? legacy.message : "", /older RL Studio .* Ctrl-C in the terminal/);
  assert.equal(legacy.action === "none" && legacy.state, "running");
  const unreadable = decideStop(input({ probe: { alive: true, startToken: null } }));
  assert.equal(unreadable.action === "none" && unreadable.reason, "unverifiable");
  const unrecorded = decideStop(input({ status: running({ writer: { ...CLI_WRITER, startToken: null } }) }));
  assert.equal(unrecorded.action === "none" && unrecorded.reason, "unverifiable");
});

test("a trainer that does not stop on SIGINT (another window's runtime) is not signalled", () => {
  const d = decideStop(input({ status: running({ writer: { ...CLI_WRITER, stopsOnSigint: false, entry: "runtime.js" } }) }));
  assert.equal(d.action === "none" && d.reason, "not-interruptible");
  assert.match(d.action === "none" ? d.message : "", /runtime\.js.*does not stop on Ctrl-C.*another editor window/);
});

test("Windows: says it cannot send Ctrl-C to another process, and what to do instead", () => {
  const d = decideStop(input({ platform: "win32", probe: { alive: true, startToken: null } }));
  assert.equal(d.action, "none");
  if (d.action !== "none") return;
  assert.equal(d.reason, "windows");
  assert.equal(d.state, "running");
  assert.match(d.message, /Windows cannot send Ctrl-C to another process.*press Ctrl-C in the terminal that runs it\. Nothing was stopped\./);
  // A dead trainer on Windows is simply stopped.
  const gone = decideStop(input({ platform: "win32", probe: { alive: false, startToken: null } }));
  assert.equal(gone.action === "none" && gone.reason, "process-gone");
});

test("a status naming one of the asking processes that no longer trains it is stale, not signalled", () => {
  const d = decideStop(input({ status: running({ pid: 101 }) }));
  assert.equal(d.action === "none" && d.reason, "stale");
  assert.equal(d.action === "none" && d.state, "stopped");
});

test("/proc/<pid>/stat: the start time is field 22, counted after the command name (which may hold spaces and parentheses)", () => {
  const tail = "S 1 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200 18446744073709551615";
  assert.equal(parseProcStatStartTime(`4242 (node) ${tail}`), "987654");
  assert.equal(parseProcStatStartTime(`4242 (a (weird) name) ) ${tail}`), "987654");
  assert.equal(parseProcStatStartTime("4242 (node) S 1"), null);
  assert.equal(parseProcStatStartTime("garbage"), null);
});

test("process start tokens: this process matches what it records; another process, a dead pid and Windows do not", { skip: process.platform === "win32" ? "no start times on Windows" : false }, async () => {
  const mine = processStartToken(process.pid);
  assert.ok(mine, "this process's start time is readable");
  assert.equal(processStartToken(process.pid), mine, "stable");
  assert.equal(currentWriter().startToken, mine);
  assert.equal(isSameProcess(process.pid, currentWriter()), true);
  assert.equal(processStartToken(2 ** 31 - 1), null);
  assert.equal(processStartToken(process.pid, "win32"), null);
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10000)"], { stdio: "ignore" });
  try {
    await new Promise((r) => child.once("spawn", r));
    const theirs = processStartToken(child.pid!);
    assert.ok(theirs);
    // Started later than this process: a pid recycled for it would not match this process's record.
    assert.equal(isSameProcess(child.pid!, currentWriter()), process.platform === "linux" ? false : theirs === mine);
  } finally {
    child.kill("SIGKILL");
  }
  assert.equal(isSameProcess(1, undefined), null, "nothing recorded: cannot tell");
});

test("declareSigintStop: recorded while declared, withdrawn once", () => {
  const before = currentWriter().stopsOnSigint;
  const a = declareSigintStop();
  const b = declareSigintStop();
  assert.equal(currentWriter().stopsOnSigint, true);
  a();
  a();
  assert.equal(currentWriter().stopsOnSigint, true, "one declaration is still in place");
  b();
  assert.equal(currentWriter().stopsOnSigint, before);
});
