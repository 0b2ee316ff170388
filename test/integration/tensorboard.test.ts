/**
 * TensorBoard events files, read back by the independent reader in test/helpers (its own CRC32C
 * and protobuf wire decoder): every run writes one beside metrics.jsonl with every scalar of every
 * metrics line at its global step (simple_value is a float32, so values are compared after
 * Math.fround), the hyperparameters as CleanRL's markdown table, `brain.Event:2` first; a resume
 * after kill -9 leaves each step exactly once across the files; `rl-studio export-tb` writes one
 * for an older run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RunDir, type MetricsRecord } from "../../runtime/src/runs/run-dir.js";
import { startRun } from "../../runtime/src/runs/start-run.js";
import { CLI, lastJsonLine, runCli, workspace } from "./cli-helpers.js";
import { readEventsFile, type DecodedEvent } from "../helpers/tfevents-reader.js";
import { pathToFileURL } from "node:url";

const experiment = (total: number, checkpointEvery: number) => `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "tb-check",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: ${total}, numEnvs: 2, numSteps: 16, checkpointEvery: ${checkpointEvery}, learningRate: 3e-4 },
  seed: 3,
  reward: ({ nextObs, envReward }) => ({ alive: envReward, upright: 1 - Math.abs(nextObs.theta) / 0.2095 }),
});
`;

function eventFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith("events.out.tfevents."))
    .sort()
    .map((n) => join(dir, n));
}

/** Every scalar event of every file, in file order. */
function scalarEvents(files: string[]): DecodedEvent[] {
  return files.flatMap((f) => readEventsFile(f)).filter((e) => e.values.some((v) => v.simpleValue !== undefined));
}

/** Each metrics line is one event at its step with exactly its scalars, to float32 precision. */
function assertMirrors(events: DecodedEvent[], metrics: MetricsRecord[]): void {
  assert.deepEqual(
    events.map((e) => e.step),
    metrics.map((m) => m.globalStep),
    "one scalars event per metrics line, same steps, same order, no duplicate",
  );
  events.forEach((e, i) => {
    const expected = Object.entries(metrics[i]!.metrics).map(([tag, v]) => [tag, Math.fround(v)]);
    const actual = e.values.map((v) => [v.tag, v.simpleValue]);
    assert.deepEqual(actual, expected, `step ${e.step}`);
  });
}

function assertHeaderAndHyperparameters(file: string, expectHyperparameters: boolean): void {
  const events = readEventsFile(file);
  assert.equal(events[0]!.fileVersion, "brain.Event:2", `${file}: file_version first`);
  const text = events.flatMap((e) => e.values).filter((v) => v.tag === "hyperparameters/text_summary");
  assert.equal(text.length, expectHyperparameters ? 1 : 0);
  if (expectHyperparameters) {
    const v = text[0]!;
    assert.equal(v.pluginName, "text");
    assert.equal(v.dtype, 7, "DT_STRING");
    assert.deepEqual(v.shape, [1]);
    assert.match(v.strings![0]!, /^\|param\|value\|\n\|-\|-\|\n/);
    assert.match(v.strings![0]!, /\|learningRate\|0\.0003\|/);
    assert.match(v.strings![0]!, /\|envId\|CartPole-v1\|/);
    assert.match(v.strings![0]!, /\|hiddenSizes\|\[64,64\]\|/);
  }
}

test("a run writes events.out.tfevents.<time>.<host> mirroring metrics.jsonl, with the hyperparameters", async (t) => {
  const ws = workspace(t, "rls-tb-");
  writeFileSync(join(ws, "exp.rl.ts"), experiment(1_600, 10));
  const started = await startRun({ experimentPath: join(ws, "exp.rl.ts"), backend: "js" });
  const summary = await started.done;
  assert.equal(summary.status, "completed");
  const files = eventFiles(started.runDir.path);
  assert.equal(files.length, 1);
  assert.match(files[0]!, /events\.out\.tfevents\.\d{10}\.[^/]+$/);
  assertHeaderAndHyperparameters(files[0]!, true);
  const metrics = started.runDir.readMetrics();
  assert.equal(metrics.length, 1_600 / 32);
  const events = scalarEvents(files);
  assertMirrors(events, metrics);
  // CleanRL's names and the reward components are all there.
  const tags = new Set(events.flatMap((e) => e.values.map((v) => v.tag)));
  for (const tag of ["charts/episodic_return", "charts/SPS", "charts/learning_rate", "losses/value_loss", "losses/approx_kl", "losses/clipfrac", "reward/alive", "reward/upright"]) {
    assert.ok(tags.has(tag), `has ${tag}`);
  }
  // Wall times are seconds since the epoch, around now.
  const now = Date.now() / 1000;
  assert.ok(events.every((e) => e.wallTime > now - 600 && e.wallTime <= now + 1));
});

const TSX = pathToFileURL(require.resolve("tsx")).href;

/** Start `rl-studio train`, kill -9 it once `lines` metrics lines exist; resolves to the run folder. */
async function trainAndKill(ws: string, lines: number): Promise<string> {
  const child = spawn(process.execPath, ["--import", TSX, CLI, "train", "exp.rl.ts", "--backend", "js"], { cwd: ws, stdio: "ignore" });
  const exited = new Promise<void>((r) => child.on("close", () => r()));
  const runsRoot = join(ws, ".rl-studio", "runs");
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error("the CLI finished before it could be killed");
    if (Date.now() > deadline) throw new Error("no metrics within 60 s");
    const runs = existsSync(runsRoot) ? readdirSync(runsRoot) : [];
    const metrics = runs.length === 1 ? join(runsRoot, runs[0]!, "metrics.jsonl") : "";
    if (metrics && existsSync(metrics) && readFileSync(metrics, "utf8").split("\n").length - 1 >= lines) {
      child.kill("SIGKILL");
      await exited;
      return join(runsRoot, runs[0]!);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("kill -9 then resume: every step once across the events files, a torn record dropped", async (t) => {
  const ws = workspace(t, "rls-tb-");
  // 200 iterations, a checkpoint every 3: killed after 13 lines, the resume starts from the 12th.
  writeFileSync(join(ws, "exp.rl.ts"), experiment(6_400, 3));
  const runDir = await trainAndKill(ws, 13);
  const run = RunDir.open(runDir);
  const before = eventFiles(runDir);
  assert.equal(before.length, 1);
  const stepsBefore = scalarEvents(before).map((e) => e.step);
  const ckptStep = (run.readCheckpoint()!.meta as { counters: { globalStep: number } }).counters.globalStep;
  assert.ok(stepsBefore.at(-1)! >= ckptStep, "events were written up to the checkpoint and beyond");
  // What kill -9 inside a write leaves: a torn last record.
  appendFileSync(before[0]!, Buffer.from([0x20, 0, 0, 0, 0, 0, 0, 0, 1, 2]));
  // Make sure the resumed process's file gets another name even within the same second.
  const resumed = await runCli(["resume", runDir, "--json", "--backend", "js"], ws);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(lastJsonLine(resumed.stdout).status, "completed");
  const after = eventFiles(runDir);
  assert.equal(after.length, 2, "the resumed process writes its own file");
  assertHeaderAndHyperparameters(after[0]!, true);
  assertHeaderAndHyperparameters(after[1]!, false);
  // The first file now ends at the checkpoint: the steps after it were produced again by the resume.
  assert.deepEqual(
    scalarEvents([after[0]!]).map((e) => e.step),
    stepsBefore.filter((s) => s <= ckptStep),
  );
  assertMirrors(scalarEvents(after), run.readMetrics());
  assert.equal(run.readMetrics().length, 200);
});

test("resume of a run killed before its first checkpoint restarts at step 0 without duplicate steps", async (t) => {
  const ws = workspace(t, "rls-tb-");
  writeFileSync(join(ws, "exp.rl.ts"), experiment(6_400, 1_000));
  const runDir = await trainAndKill(ws, 5);
  const run = RunDir.open(runDir);
  assert.equal(run.readCheckpoint(), null);
  const resumed = await runCli(["resume", runDir, "--json", "--backend", "js"], ws);
  assert.equal(resumed.code, 0, resumed.stderr);
  const metrics = run.readMetrics();
  assert.deepEqual(metrics.map((m) => m.globalStep), Array.from({ length: 200 }, (_, i) => (i + 1) * 32));
  assertMirrors(scalarEvents(eventFiles(runDir)), metrics);
});

test("rl-studio export-tb writes the events file of an older run; refuses to overwrite without --force", async (t) => {
  const ws = workspace(t, "rls-tb-");
  writeFileSync(join(ws, "exp.rl.ts"), experiment(960, 10));
  const started = await startRun({ experimentPath: join(ws, "exp.rl.ts"), backend: "js" });
  await started.done;
  const runDir = started.runDir.path;
  // An older run: no events file.
  for (const f of eventFiles(runDir)) rmSync(f);

  const exported = await runCli(["export-tb", runDir, "--json"], ws);
  assert.equal(exported.code, 0, exported.stderr);
  const result = lastJsonLine(exported.stdout);
  assert.equal(result.records, 30);
  const files = eventFiles(runDir);
  assert.deepEqual(files, [result.file]);
  assertHeaderAndHyperparameters(files[0]!, true);
  const metrics = started.runDir.readMetrics();
  const events = scalarEvents(files);
  assertMirrors(events, metrics);
  // Wall time of an exported record: the run's start plus its training seconds.
  const createdAt = Date.parse(started.runDir.readExperiment().createdAt as string) / 1000;
  events.forEach((e, i) => assert.ok(Math.abs(e.wallTime - (createdAt + metrics[i]!.wallSeconds)) < 1e-6));

  const again = await runCli(["export-tb", runDir], ws);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already has an events file .*--force/);
  const forced = await runCli(["export-tb", runDir, "--force"], ws);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /wrote .*events\.out\.tfevents\..* \(30 metrics records/);
  assert.equal(eventFiles(runDir).length, 1);

  const notARun = await runCli(["export-tb", ws], ws);
  assert.equal(notARun.code, 2);
  assert.match(notARun.stderr, /not an RL Studio run folder/);
});
