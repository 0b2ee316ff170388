import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { effectiveState, RunDir, RunDirError, type EpisodeRecord, type MetricsRecord, type RunStatus } from "../../../runtime/src/runs/run-dir.js";
import { JsonlError } from "../../../runtime/src/runs/jsonl.js";
import { currentWriter, processStartToken } from "../../../runtime/src/runs/process-identity.js";

function tempRoot(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "rls-runs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const experiment = (createdAt: string, extra: Record<string, unknown> = {}) => ({ name: "cartpole-ppo", seed: 3, createdAt, ...extra });
const metrics = (globalStep: number, iteration: number): MetricsRecord => ({
  globalStep,
  iteration,
  wallSeconds: iteration * 0.5,
  metrics: { "charts/SPS": 1000, "losses/value_loss": 0.25 },
});
const episode = (globalStep: number, episodicReturn: number): EpisodeRecord => ({
  globalStep,
  wallSeconds: 0,
  envIndex: 0,
  episodicReturn,
  episodicLength: episodicReturn,
  terminated: true,
  truncated: false,
  cause: "pole angle",
});

test("create writes the layout; open reads it back", (t) => {
  const root = join(tempRoot(t), "ws", ".rl-studio", "runs");
  const run = RunDir.create(root, { experiment: experiment("2024-01-01T00:00:00Z"), sourceText: "export default 1;\n", bundle: "module.exports = 1;" });
  assert.match(run.id, /^cartpole-ppo-\d{8}-\d{6}-s3$/);
  assert.deepEqual(readdirSync(run.path).sort(), ["bundle.js", "experiment.json", "source.rl.ts"]);
  const again = RunDir.open(run.path);
  assert.equal(again.id, run.id);
  assert.deepEqual(again.readExperiment(), experiment("2024-01-01T00:00:00Z"));
  assert.equal(again.readSourceText(), "export default 1;\n");
  assert.equal(again.readBundle(), "module.exports = 1;");
  assert.equal(again.readStatus(), null);
  assert.equal(again.readCheckpoint(), null);
  assert.deepEqual(again.readMetrics(), []);
});

test("an existing run id gets a -2, -3 suffix", (t) => {
  const root = tempRoot(t);
  const init = { runId: "same-id", experiment: experiment("2024-01-01T00:00:00Z"), sourceText: "", bundle: "" };
  assert.equal(RunDir.create(root, init).id, "same-id");
  assert.equal(RunDir.create(root, init).id, "same-id-2");
  assert.equal(RunDir.create(root, init).id, "same-id-3");
});

test("open explains what is wrong with a path that is not a run folder", (t) => {
  const root = tempRoot(t);
  assert.throws(() => RunDir.open(join(root, "nope")), (e: unknown) => e instanceof RunDirError && /no such run folder/.test(e.message));
  writeFileSync(join(root, "file.txt"), "");
  assert.throws(() => RunDir.open(join(root, "file.txt")), /not a folder/);
  mkdirSync(join(root, "empty"));
  assert.throws(() => RunDir.open(join(root, "empty")), /not an RL Studio run folder \(it has no experiment\.json\)/);
});

test("list: every run folder, newest first, skipping other entries", (t) => {
  const root = tempRoot(t);
  assert.deepEqual(RunDir.list(join(root, "missing")), []);
  RunDir.create(root, { runId: "b-old", experiment: experiment("2024-01-01T00:00:00Z"), sourceText: "", bundle: "" });
  RunDir.create(root, { runId: "a-new", experiment: experiment("2024-03-01T00:00:00Z"), sourceText: "", bundle: "" });
  RunDir.create(root, { runId: "c-mid", experiment: experiment("2024-02-01T00:00:00Z"), sourceText: "", bundle: "" });
  mkdirSync(join(root, "not-a-run"));
  mkdirSync(join(root, ".tmp-thing"));
  writeFileSync(join(root, "stray.txt"), "");
  assert.deepEqual(RunDir.list(root).map((r) => r.id), ["a-new", "c-mid", "b-old"]);
});

test("metrics and episodes append through one descriptor each and read back", (t) => {
  const run = RunDir.create(tempRoot(t), { experiment: experiment("2024-01-01T00:00:00Z"), sourceText: "", bundle: "" });
  run.appendMetrics(metrics(512, 1));
  run.appendMetrics(metrics(1024, 2));
  run.appendEpisode(episode(300, 21));
  assert.deepEqual(run.readMetrics(), [metrics(512, 1), metrics(1024, 2)]);
  assert.deepEqual(run.readEpisodes(), [episode(300, 21)]);
  run.close();
  run.appendMetrics(metrics(1536, 3)); // reopens after close
  run.close();
  assert.equal(run.readMetrics().length, 3);
});

test("a metrics line with a bad globalStep in the middle is an error with file and line", (t) => {
  const run = RunDir.create(tempRoot(t), { experiment: experiment("2024-01-01T00:00:00Z"), sourceText: "", bundle: "" });
  writeFileSync(run.file("metrics"), JSON.stringify(metrics(1, 1)) + '\n{"globalStep":"1","iteration":2,"metrics":{}}\n' + JSON.stringify(metrics(3, 3)) + "\n");
  assert.throws(
    () => run.readMetrics(),
    (e: unknown) => e instanceof JsonlError && e.line === 2 && e.file.endsWith("metrics.jsonl") && /globalStep must be a finite number, got "1"/.test(e.message),
  );
});

test("truncateAfter drops records after the checkpoint step and a partial tail; appends continue cleanly", (t) => {
  const run = RunDir.create(tempRoot(t), { experiment: experiment("2024-01-01T00:00:00Z"), sourceText: "", bundle: "" });
  for (let i = 1; i <= 5; i++) run.appendMetrics(metrics(i * 512, i));
  for (const s of [100, 600, 1030, 1600, 2500]) run.appendEpisode(episode(s, s / 10));
  appendFileSync(run.file("metrics"), '{"globalStep":3072,"iter'); // what kill -9 mid-write leaves
  run.truncateAfter(1536);
  assert.deepEqual(run.readMetrics().map((r) => r.globalStep), [512, 1024, 1536]);
  assert.deepEqual(run.readEpisodes().map((r) => r.globalStep), [100, 600, 1030]);
  assert.ok(readFileSync(run.file("metrics"), "utf8").endsWith("}\n"));
  run.appendMetrics(metrics(2048, 4)); // the appender was reopened on the new file
  run.close();
  assert.deepEqual(run.readMetrics().map((r) => r.globalStep), [512, 1024, 1536, 2048]);
  assert.deepEqual(readdirSync(run.path).filter((n) => n.endsWith(".tmp")), []);
});

test("truncateAfter on a run without metrics creates nothing", (t) => {
  const run = RunDir.create(tempRoot(t), { experiment: experiment("2024-01-01T00:00:00Z"), sourceText: "", bundle: "" });
  run.truncateAfter(0);
  assert.equal(existsSync(run.file("metrics")), false);
  assert.equal(existsSync(run.file("episodes")), false);
});

test("checkpoint and status are replaced atomically and read back", (t) => {
  const run = RunDir.create(tempRoot(t), { experiment: experiment("2024-01-01T00:00:00Z"), sourceText: "", bundle: "" });
  run.writeCheckpoint({ meta: { globalStep: 512 }, arrays: { w: new Float32Array([1, 2, 3]) } });
  run.writeCheckpoint({ meta: { globalStep: 1024 }, arrays: { w: new Float32Array([4, 5, 6]) } });
  const c = run.readCheckpoint()!;
  assert.equal(c.meta.globalStep, 1024);
  assert.deepEqual(Array.from(c.arrays.w!), [4, 5, 6]);
  const status: RunStatus = {
    state: "running",
    pid: process.pid,
    startedAt: "2024-01-01T00:00:00.000Z",
    updatedAt: "2024-01-01T00:00:01.000Z",
    globalStep: 1024,
    totalTimesteps: 4096,
    backend: "wasm",
  };
  run.writeStatus(status);
  // The writer's identity is added for a status that names this process (process-identity.ts).
  assert.deepEqual(run.readStatus(), { ...status, writer: currentWriter() });
  assert.equal(effectiveState(status), "running");
  assert.deepEqual(readdirSync(run.path).filter((n) => n.startsWith(".")), []);
  writeFileSync(run.file("status"), '{"state":"paused"}');
  assert.throws(() => run.readStatus(), /state must be one of running, completed, stopped, failed, got "paused"/);
});

test("a running status whose process is gone counts as stopped", () => {
  const base = { startedAt: "", updatedAt: "", globalStep: 0, totalTimesteps: 1, backend: "js" };
  // PIDs are below 2^22 on Linux (pid_max) and 2^31 is never a valid pid.
  assert.equal(effectiveState({ ...base, state: "running", pid: 2 ** 31 - 1 }), "stopped");
  assert.equal(effectiveState({ ...base, state: "completed", pid: 2 ** 31 - 1 }), "completed");
});

test("removeStaleTempFiles deletes temp files of dead writers only", (t) => {
  const run = RunDir.create(tempRoot(t), { experiment: experiment("2024-01-01T00:00:00Z"), sourceText: "", bundle: "" });
  const dead = `.checkpoint.bin.${2 ** 31 - 1}.4.tmp`;
  const mine = `.status.json.${process.pid}.1.tmp`;
  writeFileSync(join(run.path, dead), "half a checkpoint");
  writeFileSync(join(run.path, mine), "{");
  writeFileSync(join(run.path, ".notes"), "kept");
  assert.deepEqual(run.removeStaleTempFiles(), [dead]);
  assert.deepEqual(readdirSync(run.path).filter((n) => n.startsWith(".")).sort(), [".notes", mine].sort());
});

test("a running status whose pid now belongs to another process counts as stopped; one by another user's older RL Studio stays running", (t) => {
  const base = { startedAt: "", updatedAt: "", globalStep: 0, totalTimesteps: 1, backend: "js", state: "running" as const };
  // pid 1 is alive everywhere; a recorded start time it does not have means the pid was reused.
  const token = processStartToken(1);
  if (token === null) return t.skip("the start time of pid 1 cannot be read here");
  assert.equal(effectiveState({ ...base, pid: 1, writer: { startToken: token, stopsOnSigint: true, entry: "cli.js" } }), "running");
  assert.equal(effectiveState({ ...base, pid: 1, writer: { startToken: `${token}0`, stopsOnSigint: true, entry: "cli.js" } }), "stopped");
  assert.equal(effectiveState({ ...base, pid: 1 }), "running", "nothing recorded: the pid is taken at its word");
});

test("readStatus drops a malformed writer instead of failing", (t) => {
  const root = tempRoot(t);
  const run = RunDir.create(root, { experiment: experiment("2024-01-01T00:00:00Z"), sourceText: "", bundle: "" });
  const status = { state: "running", pid: 2 ** 31 - 1, startedAt: "", updatedAt: "", globalStep: 0, totalTimesteps: 1, backend: "js" };
  writeFileSync(run.file("status"), JSON.stringify({ ...status, writer: "cli" }));
  assert.deepEqual(run.readStatus(), status);
  writeFileSync(run.file("status"), JSON.stringify({ ...status, writer: { startToken: null, stopsOnSigint: false, entry: "x" } }));
  assert.deepEqual(run.readStatus()?.writer, { startToken: null, stopsOnSigint: false, entry: "x" });
});
