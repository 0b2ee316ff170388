/**
 * Experiment code that never returns, or that calls process.exit, cannot take a run down with it
 * (issue 9, items 4 and 5). The real CLI is run on fixture experiments (test/fixtures/experiments):
 * an endless loop in the reward, in a custom env's step, or at the top level of the file ends the
 * run as failed within the user-code timeout, with metrics, episodes and the last checkpoint intact
 * and resumable; Ctrl-C and SIGTERM stop a run whose reward hangs; process.exit() in experiment code
 * is a failure that says where it was called, with the --json line still printed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { lastJsonLine, REPO, runCli, spawnCli, workspace } from "./cli-helpers.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { verifyRunCheckpoint } from "../../runtime/src/ppo/checkpoint-state.js";
import { validateHyperparameters } from "../../runtime/src/experiment/validate.js";

const FIXTURES = join(REPO, "test", "fixtures", "experiments");

/** A workspace holding the fixture (and the env it imports). */
function withFixture(t: { after(fn: () => void): void }, name: string): string {
  const ws = workspace(t, "rls-runaway-");
  copyFileSync(join(FIXTURES, name), join(ws, name));
  copyFileSync(join(FIXTURES, "line-env.ts"), join(ws, "line-env.ts"));
  return ws;
}

function onlyRun(ws: string): RunDir {
  const root = join(ws, ".rl-studio", "runs");
  const runs = readdirSync(root);
  assert.equal(runs.length, 1, `one run folder: ${runs.join(", ")}`);
  return RunDir.open(join(root, runs[0]!));
}

/** The line of `needle` in a fixture, 1-based. */
function lineOf(name: string, needle: string): number {
  const lines = readFileSync(join(FIXTURES, name), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} in ${name}`);
  return i + 1;
}

/** Every line of a JSONL file is a whole record: nothing written was cut or lost. */
function assertWholeLines(file: string): number {
  const text = readFileSync(file, "utf8");
  assert.ok(text.endsWith("\n"), `${file} ends with a whole line`);
  const lines = text.trimEnd().split("\n");
  for (const l of lines) JSON.parse(l);
  return lines.length;
}

async function waitForFile(file: string, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!existsSync(file)) {
    if (Date.now() - t0 > ms) throw new Error(`${file} did not appear within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("an endless loop in the reward fails the run within the timeout; data kept; resume finishes it", { timeout: 300_000 }, async (t) => {
  const ws = withFixture(t, "hang-in-reward.rl.ts");
  // 300 reward calls: past the first checkpoint (2 iterations × 32 steps), inside iteration 10.
  const r = await runCli(["train", "hang-in-reward.rl.ts", "--json", "--backend", "js", "--user-code-timeout", "1500"], ws, { RLS_HANG_AFTER: "300" });
  assert.equal(r.code, 1, r.stderr);
  const summary = lastJsonLine(r.stdout);
  assert.equal(summary.status, "failed");
  assert.match(summary.error, /^reward did not return within 1500 ms/);
  assert.match(r.stderr, /error: run failed: reward did not return within 1500 ms/);

  const run = onlyRun(ws);
  const status = run.readStatus()!;
  assert.equal(status.state, "failed");
  assert.match(status.error!, /reward did not return within 1500 ms/);
  const metricLines = assertWholeLines(run.file("metrics"));
  assertWholeLines(run.file("episodes"));
  assert.ok(metricLines >= 8, `iterations before the hang were kept (${metricLines})`);
  const h = validateHyperparameters(run.readExperiment().hyperparameters, "discrete").hyperparameters!;
  const checkpoint = verifyRunCheckpoint(run, h);
  assert.ok(checkpoint && checkpoint.globalStep >= 64, "the last checkpoint is valid");

  const resumed = await runCli(["resume", run.path, "--json", "--backend", "js"], ws, { RLS_HANG_AFTER: undefined });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(lastJsonLine(resumed.stdout).status, "completed");
  const steps = run.readMetrics().map((m) => m.globalStep);
  assert.deepEqual(steps, Array.from({ length: 1024 / 32 }, (_, i) => (i + 1) * 32), "the curve continues from the checkpoint with no gap or duplicate");
});

test("an endless loop in a custom env's step fails the run naming the env step", { timeout: 300_000 }, async (t) => {
  const ws = withFixture(t, "hang-in-env-step.rl.ts");
  const r = await runCli(["train", "hang-in-env-step.rl.ts", "--json", "--backend", "js", "--user-code-timeout", "1000"], ws);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(lastJsonLine(r.stdout).status, "failed");
  assert.match(lastJsonLine(r.stdout).error, /^env step did not return within 1000 ms/);
  assert.equal(onlyRun(ws).readStatus()!.state, "failed");
});

test("an endless loop at the top level of the experiment file ends the CLI with a clear error", { timeout: 300_000 }, async (t) => {
  const ws = withFixture(t, "hang-at-import.rl.ts");
  const r = await runCli(["train", "hang-at-import.rl.ts", "--json", "--user-code-timeout", "1000"], ws);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /hang-at-import\.rl\.ts: error: experiment module evaluation did not return within 1000 ms/);
  const out = lastJsonLine(r.stdout);
  assert.equal(out.status, "error");
  assert.match(out.error.message, /experiment module evaluation did not return within 1000 ms/);
  assert.equal(existsSync(join(ws, ".rl-studio", "runs")), false, "no run folder was made");
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`${signal} stops a run whose reward never returns: the trainer is terminated after the grace period, status stopped, resumable`, { timeout: 300_000 }, async (t) => {
    const ws = withFixture(t, "hang-in-reward.rl.ts");
    const flag = join(ws, "hanging");
    // A user-code timeout far beyond the test: only the stop can end this run.
    const cli = spawnCli(["train", "hang-in-reward.rl.ts", "--json", "--backend", "js", "--user-code-timeout", "600000"], ws, { RLS_HANG_AFTER: "300", RLS_HANG_FLAG: flag });
    await waitForFile(flag);
    const t0 = Date.now();
    cli.child.kill(signal);
    const r = await cli.done;
    const elapsed = Date.now() - t0;
    assert.equal(r.code, 130, r.stderr);
    assert.ok(elapsed < 60_000, `stopped within the grace period (${elapsed} ms)`);
    assert.match(r.stderr, /the trainer did not stop within 5000 ms \(it has been in reward for \d+ ms\); its thread was terminated/);
    const summary = lastJsonLine(r.stdout);
    assert.equal(summary.status, "stopped");
    const run = onlyRun(ws);
    assert.equal(run.readStatus()!.state, "stopped");
    assertWholeLines(run.file("metrics"));
    const h = validateHyperparameters(run.readExperiment().hyperparameters, "discrete").hyperparameters!;
    assert.ok(verifyRunCheckpoint(run, h), "the last checkpoint is valid");
  });
}

test("process.exit() in the reward fails the run, says where it was called, and prints the --json line", { timeout: 300_000 }, async (t) => {
  const ws = withFixture(t, "exit-in-reward.rl.ts");
  const r = await runCli(["train", "exit-in-reward.rl.ts", "--json", "--backend", "js"], ws);
  assert.equal(r.code, 1, r.stderr);
  const summary = lastJsonLine(r.stdout);
  assert.equal(summary.status, "failed");
  const line = lineOf("exit-in-reward.rl.ts", "process.exit(0)");
  assert.match(summary.error, new RegExp(`\\(exit-in-reward\\.rl\\.ts:${line}:\\d+\\): it threw ProcessExitError: experiment code called process\\.exit\\(0\\)`));
  const run = onlyRun(ws);
  assert.equal(run.readStatus()!.state, "failed");
  assert.match(run.readStatus()!.error!, /process\.exit\(0\)/);
  assert.ok(assertWholeLines(run.file("metrics")) >= 1);
});

test("process.exit() at the top level of the experiment file is an error located at the call", { timeout: 300_000 }, async (t) => {
  const ws = withFixture(t, "exit-at-import.rl.ts");
  const r = await runCli(["train", "exit-at-import.rl.ts", "--json"], ws);
  assert.equal(r.code, 2, r.stderr);
  const line = lineOf("exit-at-import.rl.ts", "process.exit(0)");
  assert.match(r.stderr, new RegExp(`exit-at-import\\.rl\\.ts:${line}:\\d+: error: the experiment threw while loading: ProcessExitError: experiment code called process\\.exit\\(0\\)`));
  const out = lastJsonLine(r.stdout);
  assert.equal(out.status, "error");
  assert.equal(out.error.line, line);
});
