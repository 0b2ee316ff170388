import { test } from "node:test";
import assert from "node:assert/strict";
import { decideResume, type ResumeInput } from "../../../runtime/src/runs/resume-decision.js";
import { processStartTimeMs, startedAfter } from "../../../runtime/src/runs/process-identity.js";
import { isWriterAlive, type RunStatus } from "../../../runtime/src/runs/run-dir.js";

const running: RunStatus = {
  state: "running",
  pid: 4242,
  startedAt: "2024-01-01T00:00:00.000Z",
  updatedAt: "2024-01-01T00:10:00.000Z",
  globalStep: 3200,
  totalTimesteps: 10_000,
  backend: "js",
};
const probe = (p: Partial<ResumeInput["probe"]> = {}): ResumeInput["probe"] => ({ alive: true, sameProcess: null, startedAfterStatus: null, ...p });
const input = (p: Partial<ResumeInput> = {}): ResumeInput => ({ runId: "r1", status: running, force: false, ownPids: [1], probe: probe(), ...p });

test("stopped, failed and status-less runs resume; a completed run never does", () => {
  assert.deepEqual(decideResume(input({ status: null })), { action: "resume" });
  assert.deepEqual(decideResume(input({ status: { ...running, state: "stopped" } })), { action: "resume" });
  assert.deepEqual(decideResume(input({ status: { ...running, state: "failed" } })), { action: "resume" });
  const done = decideResume(input({ status: { ...running, state: "completed" }, force: true }));
  assert.equal(done.action, "refuse");
  assert.equal(done.action === "refuse" && done.overridable, false, "--force does not resume a completed run");
});

test("a running status whose trainer is provably alive is refused, even with --force", () => {
  const d = decideResume(input({ probe: probe({ sameProcess: true }), force: true }));
  assert.equal(d.action, "refuse");
  assert.equal(d.action === "refuse" && d.overridable, false);
  assert.match(d.action === "refuse" ? d.message : "", /still being trained by process 4242; stop it first/);
});

test("a running status whose process is gone, reused (token differs) or this process's own resumes, saying why", () => {
  const gone = decideResume(input({ probe: probe({ alive: false }) }));
  assert.equal(gone.action, "resume");
  assert.match(gone.action === "resume" ? gone.notice! : "", /process 4242, which trained it, is gone/);
  const reused = decideResume(input({ probe: probe({ sameProcess: false }) }));
  assert.match(reused.action === "resume" ? reused.notice! : "", /its pid now belongs to another program \(started later\), which was left alone; resuming/);
  const own = decideResume(input({ ownPids: [4242] }));
  assert.match(own.action === "resume" ? own.notice! : "", /names this process \(4242\), which no longer trains it/);
});

test("an old-format status (no writer token) naming a live pid: started after the file was written → resume; undecidable → refuse unless --force", () => {
  const later = decideResume(input({ probe: probe({ startedAfterStatus: true }) }));
  assert.equal(later.action, "resume");
  assert.match(later.action === "resume" ? later.notice! : "", /written by an older RL Studio.*names process 4242, but that process started after the file was last written \(2024-01-01T00:10:00\.000Z\), so it is not the trainer; resuming/);

  for (const startedAfterStatus of [false, null]) {
    const refused = decideResume(input({ probe: probe({ startedAfterStatus }) }));
    assert.equal(refused.action, "refuse");
    assert.equal(refused.action === "refuse" && refused.overridable, true);
    assert.match(refused.action === "refuse" ? refused.message : "", /an older RL Studio that does not record which process that is\. If it is not training this run .* resume with --force \(in the editor: Resume Anyway\)/);
    const forced = decideResume(input({ probe: probe({ startedAfterStatus }), force: true }));
    assert.equal(forced.action, "resume");
    assert.match(forced.action === "resume" ? forced.notice! : "", /resuming anyway as asked \(--force\)/);
  }
});

test("start times: a process's start is readable and before now; startedAfter compares it with a written time", (t) => {
  const mine = processStartTimeMs(process.pid);
  if (process.platform === "win32") {
    assert.equal(mine, null);
    return;
  }
  if (mine === null) return t.skip("this OS does not give process start times");
  assert.ok(mine <= Date.now() + 2000 && mine > Date.now() - 24 * 3600_000, `started ${new Date(mine).toISOString()}`);
  assert.equal(startedAfter(process.pid, new Date(mine - 60_000).toISOString()), true, "started a minute after the file was written");
  assert.equal(startedAfter(process.pid, new Date(mine + 60_000).toISOString()), false);
  assert.equal(startedAfter(process.pid, ""), null, "no time written");
  assert.equal(startedAfter(process.pid, "2024-01-01T00:00:00Z", () => null), null, "no start time");
  assert.equal(processStartTimeMs(2 ** 31 - 1), null, "no such process");
});

test("isWriterAlive: an old-format status naming a live process that started after it was written is not alive (the bug: it blocked resume forever)", () => {
  const status = { pid: 4242, updatedAt: "2024-01-01T00:10:00.000Z" };
  const alive = () => true;
  assert.equal(isWriterAlive(status, alive, () => Date.parse("2024-06-01T00:00:00Z")), false);
  assert.equal(isWriterAlive(status, alive, () => Date.parse("2023-06-01T00:00:00Z")), true, "started before: it may be the writer");
  assert.equal(isWriterAlive(status, alive, () => null), true, "cannot be told: taken at its word");
  assert.equal(isWriterAlive(status, () => false, () => null), false);
});
