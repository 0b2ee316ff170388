/**
 * Stop on a run that a terminal trains (`rl-studio train` in a child process), through the module
 * function the extension's Stop Run calls (`stopExternalRun`): the CLI is asked as Ctrl-C would,
 * writes its checkpoint and status "stopped", exits 130, and `rl-studio resume` continues the curve.
 * And the guard: a live process that is not (or cannot be shown to be) the trainer is never signalled.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { currentWriter, processStartToken } from "../../runtime/src/runs/process-identity.js";
import { RunDir, type MetricsRecord, type RunStatus } from "../../runtime/src/runs/run-dir.js";
import { stopExternalRun, type ExternalStopProgress } from "../../runtime/src/runs/stop-run.js";
import { CLI, REPO, workspace } from "./cli-helpers.js";

const TSX = pathToFileURL(require.resolve("tsx")).href;
const NUM_ENVS = 2;
const NUM_STEPS = 16;
const BATCH = NUM_ENVS * NUM_STEPS;
const TOTAL = 12_800; // 400 iterations: long enough to be stopped mid-run, a few seconds to finish on resume.

const EXPERIMENT = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "stop-me",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: ${TOTAL}, numEnvs: ${NUM_ENVS}, numSteps: ${NUM_STEPS}, checkpointEvery: 3 },
  seed: 5,
});
`;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], cwd: string): { child: ChildProcess; done: Promise<Exit> } {
  const child = spawn(process.execPath, ["--import", TSX, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RL_STUDIO_DEBUG: "" } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Exit>((res, rej) => {
    child.on("error", rej);
    child.on("close", (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

async function until<T>(what: string, f: () => T | null | undefined | false, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const lastJson = (stdout: string) => JSON.parse(stdout.trimEnd().split("\n").at(-1)!) as Record<string, unknown>;
const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").length - 1 : 0);

test("Stop on a run a terminal trains: SIGINT after checking the pid, status stopped, exit 130, resume continues the curve", { skip: process.platform === "win32" ? "Windows cannot send Ctrl-C to another process (the decision says so; see the unit tests)" : false, timeout: 180_000 }, async (t) => {
  const ws = workspace(t, "rls-stop-");
  writeFileSync(join(ws, "exp.rl.ts"), EXPERIMENT);
  const runsRoot = join(ws, ".rl-studio", "runs");
  const cli = start([CLI, "train", "exp.rl.ts", "--json", "--backend", "js"], ws);
  const runDir = await until("a run with 2 metrics lines", () => {
    if (cli.child.exitCode !== null) throw new Error(`the CLI exited early (${cli.child.exitCode})`);
    const ids = existsSync(runsRoot) ? readdirSync(runsRoot) : [];
    return ids.length === 1 && lines(join(runsRoot, ids[0]!, "metrics.jsonl")) >= 2 ? join(runsRoot, ids[0]!) : null;
  });
  const run = RunDir.open(runDir);
  const before = run.readStatus()!;
  assert.equal(before.state, "running");
  assert.equal(before.pid, cli.child.pid, "status.json names the CLI process");
  assert.deepEqual(before.writer, { startToken: processStartToken(cli.child.pid!), stopsOnSigint: true, entry: "main.ts" }, "and who it is");

  const progress: ExternalStopProgress[] = [];
  // Two Stops at once (a double click) send one SIGINT: a second would make the CLI exit without its final checkpoint.
  const [result, again] = await Promise.all([
    stopExternalRun(runDir, { timeoutMs: 60_000, onProgress: (p) => progress.push(p) }),
    stopExternalRun(runDir, { timeoutMs: 60_000 }),
  ]);
  assert.deepEqual(again, result);
  assert.equal(result.stopped, true, result.message);
  assert.equal(result.outcome, "signalled");
  assert.equal(result.state, "stopped");
  assert.equal(result.pid, cli.child.pid);
  assert.match(result.message, /^stopped stop-me-.* at step [\d,]+ \(process \d+ wrote its checkpoint\)/);
  assert.ok(progress.every((p) => p.pid === cli.child.pid));

  const exit = await cli.done;
  assert.equal(exit.code, 130, exit.stderr);
  assert.match(exit.stderr, /stopping after this iteration and writing a checkpoint/);
  assert.doesNotMatch(exit.stderr, /interrupted again/, "one SIGINT only");
  const summary = lastJson(exit.stdout);
  assert.equal(summary.status, "stopped");
  const stopped = run.readStatus()!;
  assert.equal(stopped.state, "stopped");
  assert.equal(stopped.globalStep, summary.globalStep);
  assert.equal(result.globalStep, summary.globalStep);
  const stoppedAt = summary.globalStep as number;
  assert.ok(stoppedAt > 0 && stoppedAt < TOTAL, `stopped mid-run at step ${stoppedAt}`);
  const metricsAtStop = run.readMetrics();
  assert.equal(metricsAtStop.at(-1)!.globalStep, stoppedAt);

  // Stop again: nothing to do, and it says so.
  const idle = await stopExternalRun(runDir);
  assert.deepEqual([idle.stopped, idle.outcome, idle.state], [false, "not-running", "stopped"]);

  const resumed = await start([CLI, "resume", runDir, "--json"], ws).done;
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(lastJson(resumed.stdout).globalStep, TOTAL);
  const metrics: MetricsRecord[] = run.readMetrics();
  assert.equal(metrics.length, TOTAL / BATCH);
  metrics.forEach((r, i) => assert.equal(r.globalStep, (i + 1) * BATCH, `metrics line ${i + 1}: no restart, gap or duplicate`));
  assert.deepEqual(metrics.slice(0, metricsAtStop.length), metricsAtStop, "the curve up to the stop is kept as it was");
  assert.equal(run.readStatus()!.state, "completed");
});

/** A process that counts the SIGINTs it gets, and optionally writes a running status.json for `runDir` as itself. */
function bystander(ws: string, runDir: string | null, stopsOnSigint: boolean): { child: ChildProcess; done: Promise<Exit>; ready: Promise<void> } {
  const script = join(ws, `bystander-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(
    script,
    `import { RunDir } from ${JSON.stringify(pathToFileURL(join(REPO, "runtime/src/runs/run-dir.ts")).href)};
import { declareSigintStop } from ${JSON.stringify(pathToFileURL(join(REPO, "runtime/src/runs/process-identity.ts")).href)};
let n = 0;
process.on("SIGINT", () => console.log("SIGINT " + ++n));
${stopsOnSigint ? "declareSigintStop();" : ""}
${runDir ? `RunDir.open(${JSON.stringify(runDir)}).writeStatus({ state: "running", pid: process.pid, startedAt: "", updatedAt: "", globalStep: 96, totalTimesteps: 1000, backend: "js" });` : ""}
console.log("ready");
setTimeout(() => {}, 60_000);
`,
  );
  const b = start([script], ws);
  const readyLine = { seen: false };
  b.child.stdout!.on("data", (d: Buffer) => {
    if (d.toString().includes("ready")) readyLine.seen = true;
  });
  const ready = until("the bystander", () => {
    if (b.child.exitCode !== null) throw new Error(`the bystander exited (${b.child.exitCode})`);
    return readyLine.seen;
  }, 30_000).then(() => undefined);
  return { ...b, ready };
}

test("a live process that is not provably the trainer is never signalled", { timeout: 120_000 }, async (t) => {
  const ws = workspace(t, "rls-stop-guard-");
  const run = RunDir.create(join(ws, ".rl-studio", "runs"), { experiment: { name: "guard", seed: 1 }, sourceText: "", bundle: "" });
  const other = bystander(ws, null, true);
  t.after(() => other.child.kill("SIGKILL"));
  await other.ready;
  const pid = other.child.pid!;
  const status = (extra: Partial<RunStatus>): void =>
    writeFileSync(run.file("status"), JSON.stringify({ state: "running", pid, startedAt: "", updatedAt: "", globalStep: 0, totalTimesteps: 1000, backend: "js", ...extra }));

  // status.json from an older RL Studio: no record of who the pid is.
  status({});
  let r = await stopExternalRun(run.path);
  assert.deepEqual([r.stopped, r.outcome, r.state], [false, "unverifiable", "running"], r.message);
  // The pid was recycled: alive, but not the process that wrote the status (that one started earlier).
  status({ writer: { ...currentWriter(), stopsOnSigint: true } });
  r = await stopExternalRun(run.path);
  assert.deepEqual([r.stopped, r.outcome, r.state], [false, "pid-reused", "stopped"], r.message);
  // The right process, but one that does not stop on SIGINT (another window's runtime).
  status({ writer: { startToken: processStartToken(pid), stopsOnSigint: false, entry: "runtime.js" } });
  r = await stopExternalRun(run.path);
  assert.deepEqual([r.stopped, r.outcome], [false, "not-interruptible"], r.message);
  // Windows: said plainly, nothing sent.
  status({ writer: { startToken: processStartToken(pid), stopsOnSigint: true, entry: "cli.js" } });
  r = await stopExternalRun(run.path, { platform: "win32" });
  assert.deepEqual([r.stopped, r.outcome, r.state], [false, "windows", "running"], r.message);
  assert.match(r.message, /Windows cannot send Ctrl-C to another process/);

  await new Promise((res) => setTimeout(res, 300));
  assert.equal(other.child.exitCode, null, "the bystander is alive");
  other.child.kill("SIGKILL");
  const exit = await other.done;
  assert.doesNotMatch(exit.stdout, /SIGINT/, "and was never signalled");
});

test("a trainer that does not finish stopping in time: one SIGINT, then a timeout that says so (nothing killed)", { skip: process.platform === "win32" ? "no SIGINT for other processes on Windows" : false, timeout: 120_000 }, async (t) => {
  const ws = workspace(t, "rls-stop-slow-");
  const run = RunDir.create(join(ws, ".rl-studio", "runs"), { experiment: { name: "slow", seed: 1 }, sourceText: "", bundle: "" });
  // Declares it stops on SIGINT and writes status.json as the CLI does, but ignores the signal.
  const slow = bystander(ws, run.path, true);
  t.after(() => slow.child.kill("SIGKILL"));
  await slow.ready;
  assert.equal(run.readStatus()!.writer?.stopsOnSigint, true);
  const progress: ExternalStopProgress[] = [];
  const r = await stopExternalRun(run.path, { timeoutMs: 800, pollMs: 50, onProgress: (p) => progress.push(p) });
  assert.deepEqual([r.stopped, r.outcome, r.state, r.pid], [false, "timeout", "running", slow.child.pid], r.message);
  assert.match(r.message, /still trains after \d+ s/);
  assert.ok(progress.length >= 5 && progress.at(-1)!.elapsedMs >= 800, `progress while waiting: ${progress.length} reports`);
  await new Promise((res) => setTimeout(res, 200));
  assert.equal(slow.child.exitCode, null, "still alive: nothing was killed");
  slow.child.kill("SIGKILL");
  const exit = await slow.done;
  assert.equal(exit.stdout.match(/SIGINT/g)?.length, 1, `exactly one SIGINT: ${exit.stdout}`);
});
