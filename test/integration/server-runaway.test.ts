/**
 * The runtime server, as the extension drives it, with experiment code that never returns
 * (issue 9, item 4): Stop ends a run whose reward hangs (its trainer thread is terminated after the
 * grace period) and the run is "stopped"; a hang past the user-code timeout fails the run with a
 * status notification that says so; the server keeps answering requests throughout. And a resume
 * refused only because an older status.json cannot be told apart (item 9) answers with
 * RESUME_NEEDS_FORCE, which `force: true` overrides.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError } from "vscode-jsonrpc/node";
import {
  EnvsRequest,
  RESUME_NEEDS_FORCE,
  ResumeRequest,
  RunStatusNotification,
  ShutdownRequest,
  StopRequest,
  TrainRequest,
  type RunStatusParams,
} from "../../protocol/src/runtime.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";

const FIXTURES = resolve("test", "fixtures", "experiments");

async function until(pred: () => boolean, what: string, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function startServer(t: { after(fn: () => void | Promise<void>): void }, env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(join(tmpdir(), "rl-server-runaway-"));
  const child = fork(resolve("runtime/src/server/main.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"], env: { ...process.env, ...env } });
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const statuses: RunStatusParams[] = [];
  connection.onNotification(RunStatusNotification.type, (p) => void statuses.push(p));
  connection.listen();
  t.after(async () => {
    await connection.sendRequest(ShutdownRequest.type).catch(() => {});
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
    connection.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, connection, statuses, exited };
}

test("runtime server: Stop ends a run whose reward never returns; a hang past the timeout fails the run; the server stays responsive", { timeout: 300_000 }, async (t) => {
  const flagDir = mkdtempSync(join(tmpdir(), "rl-hang-flag-"));
  t.after(() => rmSync(flagDir, { recursive: true, force: true }));
  const flag = join(flagDir, "hanging");
  const { dir, connection, statuses } = startServer(t, { RLS_HANG_AFTER: "300", RLS_HANG_FLAG: flag });
  copyFileSync(join(FIXTURES, "hang-in-reward.rl.ts"), join(dir, "hang.rl.ts"));
  const runsRoot = join(dir, ".rl-studio", "runs");

  // 1. Stop: the reward hangs with a timeout far beyond the test; only Stop can end it.
  const a = await connection.sendRequest(TrainRequest.type, { experimentPath: join(dir, "hang.rl.ts"), runsRoot, backend: "js", userCodeTimeoutMs: 600_000 });
  await until(() => existsSync(flag), "the reward to hang");
  const t0 = Date.now();
  const envs = await connection.sendRequest(EnvsRequest.type);
  assert.ok(envs.envs.length > 0 && Date.now() - t0 < 10_000, "the server answers while the reward hangs");
  const { stopped } = await connection.sendRequest(StopRequest.type, { runId: a.runId });
  assert.equal(stopped, true);
  assert.ok(Date.now() - t0 < 60_000, `Stop returned within the grace period (${Date.now() - t0} ms)`);
  await until(() => statuses.some((s) => s.runId === a.runId && s.state === "stopped"), "a stopped status notification");
  assert.equal(RunDir.open(a.runDir).readStatus()!.state, "stopped");

  // 2. The user-code timeout: the run fails by itself, and says why.
  rmSync(flag, { force: true });
  const b = await connection.sendRequest(TrainRequest.type, { experimentPath: join(dir, "hang.rl.ts"), runsRoot, backend: "js", userCodeTimeoutMs: 1000 });
  await until(() => statuses.some((s) => s.runId === b.runId && s.state === "failed"), "a failed status notification");
  const failed = statuses.find((s) => s.runId === b.runId && s.state === "failed")!;
  assert.match(failed.error!, /^reward did not return within 1000 ms/);
  assert.equal(RunDir.open(b.runDir).readStatus()!.state, "failed");
});

test("runtime server: a resume refused only because an older status.json cannot be told apart answers RESUME_NEEDS_FORCE; force resumes", { timeout: 300_000 }, async (t) => {
  const { dir, connection, statuses } = startServer(t, {});
  const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 600000)"], { stdio: "ignore" });
  t.after(() => void other.kill("SIGKILL"));
  copyFileSync(join(FIXTURES, "hang-in-reward.rl.ts"), join(dir, "ok.rl.ts"));
  const runsRoot = join(dir, ".rl-studio", "runs");
  const run = await connection.sendRequest(TrainRequest.type, { experimentPath: join(dir, "ok.rl.ts"), runsRoot, backend: "js", totalTimesteps: 256 });
  await until(() => statuses.some((s) => s.runId === run.runId && s.state === "completed"), "the run to complete");
  // As an older RL Studio would have left it: running, a live pid, no writer, written after that process started.
  await new Promise((r) => setTimeout(r, 2500));
  const status = RunDir.open(run.runDir).readStatus()!;
  writeFileSync(RunDir.open(run.runDir).file("status"), JSON.stringify({ ...status, state: "running", pid: other.pid, updatedAt: new Date().toISOString(), writer: undefined }));
  const err = await connection.sendRequest(ResumeRequest.type, { runDir: run.runDir, backend: "js" }).then(
    () => assert.fail("resume went ahead"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ResponseError, String(err));
  assert.equal(err.code, RESUME_NEEDS_FORCE);
  assert.match(err.message, /cannot|does not record which process/);
  const forced = await connection.sendRequest(ResumeRequest.type, { runDir: run.runDir, backend: "js", force: true });
  assert.equal(forced.runId, run.runId);
  await until(() => statuses.filter((s) => s.runId === run.runId && s.state === "completed").length >= 2, "the forced resume to complete");
  assert.equal(other.exitCode, null, "the other process was left alone");
});
