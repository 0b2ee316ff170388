/**
 * An old-format status.json (no writer token) that says "running" and names a live, unrelated pid
 * no longer blocks resume forever (issue 9, item 9): when that process started after the file was
 * last written it cannot be the trainer and resume proceeds, saying so; when it cannot be told,
 * resume refuses with a message that offers `--force`, changes nothing, and `--force` resumes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lastJsonLine, runCli, workspace } from "./cli-helpers.js";
import { loadExperiment } from "../../runtime/src/experiment/resolve.js";
import { RunDir, type RunStatus } from "../../runtime/src/runs/run-dir.js";
import { experimentRecord } from "../../runtime/src/runs/start-run.js";
import { train } from "../../runtime/src/ppo/train.js";

const EXPERIMENT = `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "old-status",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 512, numEnvs: 2, numSteps: 16, numMinibatches: 1, updateEpochs: 1, hiddenSizes: [8], checkpointEvery: 2 },
  seed: 5,
});
`;

/** A stopped run in `ws` whose status.json is then rewritten as an older RL Studio wrote it, naming `pid`. */
async function runWithOldStatus(ws: string, pid: number, updatedAt: string): Promise<RunDir> {
  writeFileSync(join(ws, "exp.rl.ts"), EXPERIMENT);
  const experiment = await loadExperiment(join(ws, "exp.rl.ts"));
  const runDir = RunDir.create(join(ws, ".rl-studio", "runs"), {
    experiment: experimentRecord(experiment) as unknown as Record<string, unknown>,
    sourceText: experiment.source.text,
    bundle: experiment.source.bundle,
  });
  const controller = new AbortController();
  await train({ experiment, runDir, backend: "js", signal: controller.signal, onProgress: (p) => p.iteration === 4 && controller.abort() });
  runDir.close();
  const old: RunStatus = { state: "running", pid, startedAt: "2024-01-01T00:00:00.000Z", updatedAt, globalStep: 128, totalTimesteps: 512, backend: "js" };
  // No `writer`: what RL Studio wrote before it recorded the trainer's identity.
  writeFileSync(runDir.file("status"), JSON.stringify(old, null, 2) + "\n");
  return runDir;
}

/** An unrelated live process (it is not RL Studio and trains nothing). */
function sleeper(t: { after(fn: () => void): void }): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 600000)"], { stdio: "ignore" });
  t.after(() => void child.kill("SIGKILL"));
  return child;
}

test("old-format status naming a live process that started after it was written: resume proceeds and says why", { timeout: 300_000 }, async (t) => {
  const ws = workspace(t, "rls-old-status-");
  const other = sleeper(t);
  const run = await runWithOldStatus(ws, other.pid!, new Date(Date.now() - 3600_000).toISOString());
  const r = await runCli(["resume", run.path, "--json", "--backend", "js"], ws);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`names process ${other.pid}, but that process started after the file was last written .* so it is not the trainer; resuming`));
  assert.equal(lastJsonLine(r.stdout).status, "completed");
  assert.equal(other.exitCode, null, "the unrelated process was left alone");
});

test("old-format status naming a live process that may be the trainer: refused with --force offered, nothing changed; --force resumes", { timeout: 300_000 }, async (t) => {
  const ws = workspace(t, "rls-old-status-");
  const other = sleeper(t);
  // Written after that process started: it could be the (older RL Studio's) trainer.
  await new Promise((r) => setTimeout(r, 2500));
  const run = await runWithOldStatus(ws, other.pid!, new Date().toISOString());
  const before = ["status", "metrics", "episodes", "checkpoint"].map((f) => readFileSync(run.file(f as "status")));
  const refused = await runCli(["resume", run.path, "--json", "--backend", "js"], ws);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, new RegExp(`status\\.json says process ${other.pid} trains it and that process is alive, but the file was written by an older RL Studio .* resume with --force`));
  assert.equal(lastJsonLine(refused.stdout).status, "error");
  ["status", "metrics", "episodes", "checkpoint"].forEach((f, i) => assert.ok(readFileSync(run.file(f as "status")).equals(before[i]!), `${f} unchanged`));

  const forced = await runCli(["resume", run.path, "--json", "--backend", "js", "--force"], ws);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /resuming anyway as asked \(--force\)/);
  assert.equal(lastJsonLine(forced.stdout).status, "completed");
  assert.equal(other.exitCode, null, "the other process was left alone");
});
