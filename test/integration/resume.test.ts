/**
 * Runs survive their process: `kill -9` during training, then `rl-studio resume`, continues the
 * same curves from the last checkpoint (no restart from step 0, no line written before the
 * checkpoint lost); Ctrl-C stops gracefully with a resumable "stopped" run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { RunDir, type EpisodeRecord, type MetricsRecord } from "../../runtime/src/runs/run-dir.js";

const REPO = resolve(__dirname, "..", "..");
const CLI = join(REPO, "runtime", "src", "cli", "main.ts");
const TSX = pathToFileURL(require.resolve("tsx")).href;

// 2 envs × 16 steps = 32 steps per iteration, a checkpoint every 3 iterations (96 steps).
const NUM_ENVS = 2;
const NUM_STEPS = 16;
const BATCH = NUM_ENVS * NUM_STEPS;
const CHECKPOINT_EVERY = 3;
const TOTAL = 6_400; // 200 iterations: long enough to be killed mid-run, a second or two to finish.

const EXPERIMENT = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "resume-me",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: ${TOTAL}, numEnvs: ${NUM_ENVS}, numSteps: ${NUM_STEPS}, checkpointEvery: ${CHECKPOINT_EVERY} },
  seed: 2,
});
`;

function workspace(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "rls-resume-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "package.json"), "{}\n");
  writeFileSync(join(dir, "exp.rl.ts"), EXPERIMENT);
  return dir;
}

function startCli(args: string[], cwd: string): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ["--import", TSX, CLI, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res, rej) => {
    child.on("error", rej);
    child.on("close", (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

function countLines(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, "utf8").split("\n").length - 1;
}

/** Poll until the single run folder under `runsRoot` has at least `lines` metrics lines. */
async function waitForMetrics(runsRoot: string, lines: number, child: ChildProcess): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the CLI exited (code ${child.exitCode}) before writing ${lines} metrics lines`);
    const runs = existsSync(runsRoot) ? readdirSync(runsRoot) : [];
    if (runs.length === 1 && countLines(join(runsRoot, runs[0]!, "metrics.jsonl")) >= lines) return join(runsRoot, runs[0]!);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no run under ${runsRoot} reached ${lines} metrics lines within 60 s`);
}

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trimEnd().split("\n").at(-1)!) as Record<string, unknown>;
}

/** The step the run's checkpoint was taken at (the trainer records it in meta.counters). */
function checkpointStep(runDir: string): number {
  const meta = RunDir.open(runDir).readCheckpoint()?.meta as { counters?: { globalStep?: unknown }; globalStep?: unknown } | undefined;
  const step = meta?.counters?.globalStep ?? meta?.globalStep;
  assert.equal(typeof step, "number", "the checkpoint records its global step");
  return step as number;
}

/** Each record's global step is the previous one plus one batch, from the first batch to the end: no restart, gap or duplicate. */
function assertContinuousSteps(metrics: MetricsRecord[], lastStep: number): void {
  assert.equal(metrics.length, lastStep / BATCH);
  metrics.forEach((r, i) => assert.equal(r.globalStep, (i + 1) * BATCH, `metrics line ${i + 1}`));
}

test("kill -9 mid-training, then resume: the curves continue from the checkpoint", async (t) => {
  const ws = workspace(t);
  const runsRoot = join(ws, ".rl-studio", "runs");
  const first = startCli(["train", "exp.rl.ts", "--json", "--backend", "js"], ws);
  const runDir = await waitForMetrics(runsRoot, 4 * CHECKPOINT_EVERY + 1, first.child);
  first.child.kill("SIGKILL");
  const killed = await first.done;
  assert.equal(killed.signal, "SIGKILL");

  const run = RunDir.open(runDir);
  const metricsBefore = run.readMetrics();
  const episodesBefore = run.readEpisodes();
  const ckpt = checkpointStep(runDir);
  assert.ok(ckpt >= 4 * CHECKPOINT_EVERY * BATCH, `checkpoint at step ${ckpt}, after at least 4 checkpoints`);
  assert.equal(ckpt % (CHECKPOINT_EVERY * BATCH), 0);
  assert.ok(metricsBefore.at(-1)!.globalStep >= ckpt, "metrics were written up to the checkpoint");
  assert.equal(run.readStatus()?.state, "running", "status.json still says running: the process was killed");
  // Tag the first line: a resume that retrained from step 0 would rewrite it; one from the checkpoint keeps it.
  const lines = readFileSync(run.file("metrics"), "utf8").split("\n");
  lines[0] = lines[0]!.replace(/^\{/, '{"tag":"written before the kill",');
  writeFileSync(run.file("metrics"), lines.join("\n"));
  const tagged = run.readMetrics();
  // What kill -9 leaves when it lands inside a write: a partial last line.
  appendFileSync(run.file("metrics"), '{"globalStep":999999,"iteration":');

  const resumed = await startCli(["resume", runDir, "--json"], ws).done;
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = lastJson(resumed.stdout);
  assert.equal(summary.status, "completed");
  assert.equal(summary.globalStep, TOTAL);
  assert.equal(summary.runDir, runDir);

  const metricsAfter = run.readMetrics();
  assertContinuousSteps(metricsAfter, TOTAL);
  // Every line written up to the checkpoint is still there, unchanged.
  const keptBefore = tagged.filter((r) => r.globalStep <= ckpt);
  assert.deepEqual(metricsAfter.slice(0, keptBefore.length), keptBefore);
  assert.equal((metricsAfter[0] as unknown as { tag?: string }).tag, "written before the kill");
  const episodesAfter = run.readEpisodes();
  const keptEpisodes = episodesBefore.filter((r: EpisodeRecord) => r.globalStep <= ckpt);
  assert.deepEqual(episodesAfter.slice(0, keptEpisodes.length), keptEpisodes);
  assert.ok(episodesAfter.slice(keptEpisodes.length).every((r) => r.globalStep > ckpt), "no episode before the checkpoint is duplicated");
  assert.ok(readFileSync(run.file("metrics"), "utf8").endsWith("}\n"), "the partial line is gone");
  assert.equal(run.readStatus()?.state, "completed");
  // The run folder is the same one: no second run was created.
  assert.deepEqual(readdirSync(runsRoot), [run.id]);
});

test("Ctrl-C (SIGINT) stops gracefully: status stopped, exit 130, and resume finishes the run", async (t) => {
  const ws = workspace(t);
  const runsRoot = join(ws, ".rl-studio", "runs");
  const first = startCli(["train", "exp.rl.ts", "--json", "--backend", "js"], ws);
  const runDir = await waitForMetrics(runsRoot, 2, first.child);
  first.child.kill("SIGINT");
  const stopped = await first.done;
  assert.equal(stopped.code, 130, stopped.stderr);
  const summary = lastJson(stopped.stdout);
  assert.equal(summary.status, "stopped");
  const run = RunDir.open(runDir);
  const status = run.readStatus()!;
  assert.equal(status.state, "stopped");
  // A graceful stop checkpoints where it stopped, so nothing is recomputed on resume.
  assert.equal(checkpointStep(runDir), summary.globalStep);
  assert.equal(status.globalStep, summary.globalStep);
  assert.equal(run.readMetrics().at(-1)!.globalStep, summary.globalStep);

  const resumed = await startCli(["resume", runDir, "--json"], ws).done;
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(lastJson(resumed.stdout).globalStep, TOTAL);
  assertContinuousSteps(run.readMetrics(), TOTAL);
});
