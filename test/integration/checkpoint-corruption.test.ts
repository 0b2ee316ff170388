/**
 * A damaged checkpoint never costs a run its history. Resume validates every field of the
 * checkpoint (types, ranges, finiteness, consistency with the other counters and with
 * metrics.jsonl/episodes.jsonl, every weight and Adam moment) before it touches a file; a refusal
 * names the field, the value and the file, and leaves every file of the run byte for byte as it was.
 * The trainer's own check (the recorder) refuses the same way. Regression for issue 9, item 3:
 * `globalStep: -5` made resume drop every metric and episode line and report "completed".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadExperiment } from "../../runtime/src/experiment/resolve.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from "../../runtime/src/runs/checkpoint.js";
import { experimentRecord, resumeRun } from "../../runtime/src/runs/start-run.js";
import { train } from "../../runtime/src/ppo/train.js";
import { verifyRunCheckpoint } from "../../runtime/src/ppo/checkpoint-state.js";

// 2 envs × 16 steps = 32 steps per iteration, a checkpoint every 2 iterations; stopped after 8.
const BATCH = 32;
const EXPERIMENT = `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "corrupt-me",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 3200, numEnvs: 2, numSteps: 16, numMinibatches: 2, updateEpochs: 2, checkpointEvery: 2, normalizeObservations: true },
  seed: 3,
});
`;

const root = mkdtempSync(join(tmpdir(), "rls-corrupt-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));

/** A real run, stopped after 8 iterations: a checkpoint at step 256, metrics and episodes up to it. */
const fixture = (async () => {
  writeFileSync(join(root, "exp.rl.ts"), EXPERIMENT);
  const experiment = await loadExperiment(join(root, "exp.rl.ts"));
  const runDir = RunDir.create(join(root, "runs"), {
    experiment: experimentRecord(experiment) as unknown as Record<string, unknown>,
    sourceText: experiment.source.text,
    bundle: experiment.source.bundle,
  });
  const controller = new AbortController();
  const summary = await train({
    experiment,
    runDir,
    backend: "js",
    signal: controller.signal,
    onProgress: (p) => {
      if (p.iteration === 8) controller.abort();
    },
  });
  runDir.close();
  assert.equal(summary.status, "stopped");
  assert.equal(summary.globalStep, 8 * BATCH);
  return { dir: runDir.path, experiment };
})();

let copies = 0;
/** A copy of the fixture run to damage. */
async function copyRun(): Promise<RunDir> {
  const { dir } = await fixture;
  const copy = join(root, "copies", `run-${++copies}`);
  cpSync(dir, copy, { recursive: true });
  return RunDir.open(copy);
}

/** Every file of the run folder, for a byte-for-byte comparison. */
function snapshot(run: RunDir): Map<string, Buffer> {
  return new Map(readdirSync(run.path).sort().map((name) => [name, readFileSync(join(run.path, name))]));
}

function assertUnchanged(run: RunDir, before: Map<string, Buffer>, what: string): void {
  const after = snapshot(run);
  assert.deepEqual([...after.keys()], [...before.keys()], `${what}: no file added or removed`);
  for (const [name, bytes] of before) assert.ok(after.get(name)!.equals(bytes), `${what}: ${name} is byte-identical`);
}

/** Rewrite the checkpoint with `edit` applied; `rawJson` rewrites the header's JSON text (for values JSON.stringify cannot write, e.g. 1e999 = Infinity). */
function damage(run: RunDir, edit: (c: Checkpoint) => void, rawJson?: (json: string) => string): void {
  const c = decodeCheckpoint(readFileSync(run.file("checkpoint")));
  edit(c);
  const chunks = encodeCheckpoint(c);
  if (rawJson) {
    const head = Buffer.from(chunks[0]!);
    const jsonLength = head.readUInt32LE(8);
    const text = rawJson(head.toString("utf8", 16, 16 + jsonLength));
    const json = Buffer.from(text, "utf8");
    const padded = Buffer.alloc(Math.ceil(json.length / 4) * 4);
    json.copy(padded);
    const header = Buffer.alloc(16);
    head.copy(header, 0, 0, 16);
    header.writeUInt32LE(json.length, 8);
    chunks[0] = Buffer.concat([header, padded]);
  }
  writeFileSync(run.file("checkpoint"), Buffer.concat(chunks));
}

const counters = (c: Checkpoint) => c.meta.counters as Record<string, unknown>;

/** Resume must refuse with a CheckpointError whose message matches `message` and names the file; nothing changes. */
async function assertRefused(run: RunDir, message: RegExp, what: string): Promise<void> {
  const before = snapshot(run);
  const err = await resumeRun({ runDir: run.path, backend: "js" }).then(
    () => assert.fail(`${what}: resume went ahead`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CheckpointError, `${what}: ${String(err)}`);
  assert.match(err.message, message, what);
  assert.ok(err.message.startsWith(run.file("checkpoint")), `${what}: the message names the file: ${err.message}`);
  assert.match(err.message, /resume changed nothing/, what);
  assertUnchanged(run, before, what);
}

test("the fixture's checkpoint is valid: the checks pass a checkpoint the trainer wrote", async () => {
  const run = await copyRun();
  const { experiment } = await fixture;
  const verified = verifyRunCheckpoint(run, experiment.hyperparameters);
  assert.equal(verified?.globalStep, 8 * BATCH);
  assert.equal(verified?.iteration, 8);
});

const CASES: { what: string; edit?: (c: Checkpoint) => void; raw?: (json: string) => string; message: RegExp }[] = [
  { what: "negative globalStep (the reported bug)", edit: (c) => void (counters(c).globalStep = -5), message: /counters\.globalStep = -5: must be a non-negative integer/ },
  { what: "NaN globalStep (null in JSON)", edit: (c) => void (counters(c).globalStep = Number.NaN), message: /counters\.globalStep = null: must be a non-negative integer/ },
  { what: "Infinity globalStep", raw: (j) => j.replace('"globalStep":256', '"globalStep":1e999'), message: /counters\.globalStep = Infinity: must be a non-negative integer/ },
  { what: "globalStep of the wrong type", edit: (c) => void (counters(c).globalStep = "256"), message: /counters\.globalStep = "256": must be a non-negative integer/ },
  { what: "oversized globalStep", edit: (c) => void (counters(c).globalStep = 1e15), message: /counters\.globalStep = 1000000000000000: must be at most 3200/ },
  { what: "globalStep not a multiple of the batch", edit: (c) => void (counters(c).globalStep = 250), message: /counters\.globalStep = 250: must be a multiple of the 32 steps per iteration/ },
  { what: "globalStep beyond the last metrics line", edit: (c) => Object.assign(counters(c), { globalStep: 320, iteration: 10 }), message: /counters\.globalStep = 320: is beyond the last line of metrics\.jsonl \(step 256\)/ },
  { what: "iteration inconsistent with globalStep", edit: (c) => void (counters(c).iteration = 7), message: /counters\.iteration = 7: must be globalStep \/ 32 = 8/ },
  { what: "negative iteration", edit: (c) => void (counters(c).iteration = -1), message: /counters\.iteration = -1: must be a non-negative integer/ },
  { what: "fractional iteration", edit: (c) => void (counters(c).iteration = 8.5), message: /counters\.iteration = 8\.5: must be a non-negative integer/ },
  { what: "negative wallSeconds", edit: (c) => void (counters(c).wallSeconds = -1), message: /counters\.wallSeconds = -1: must be a finite number of seconds ≥ 0/ },
  { what: "Infinity cpuSeconds", raw: (j) => j.replace(/"cpuSeconds":[^,]+/, '"cpuSeconds":1e999'), message: /counters\.cpuSeconds = Infinity: must be a finite number of seconds ≥ 0/ },
  { what: "NaN cpuSeconds", edit: (c) => void (counters(c).cpuSeconds = Number.NaN), message: /counters\.cpuSeconds = null/ },
  { what: "oversized wallSeconds", edit: (c) => void (counters(c).wallSeconds = 1e12), message: /counters\.wallSeconds = 1000000000000: must be at most 1000000000 seconds/ },
  { what: "wallSeconds before the checkpointed metrics line", edit: (c) => void (counters(c).wallSeconds = 0), message: /counters\.wallSeconds = 0: is less than the [\d.]+ s metrics\.jsonl records at step 256/ },
  { what: "episodes inconsistent with episodes.jsonl", edit: (c) => void (counters(c).episodes = (counters(c).episodes as number) + 1), message: /counters\.episodes = \d+: but episodes\.jsonl holds \d+ episode\(s\) up to step 256/ },
  { what: "episodes of the wrong type", edit: (c) => void (counters(c).episodes = "many"), message: /counters\.episodes = "many": must be a non-negative integer/ },
  { what: "recentReturns not a list", edit: (c) => void (counters(c).recentReturns = 20), message: /counters\.recentReturns = 20: must be a list of episodic returns/ },
  { what: "recentReturns holding a non-number", edit: (c) => void ((counters(c).recentReturns as unknown[])[0] = null), message: /counters\.recentReturns\[0\] = null: must be a finite number/ },
  { what: "recentReturns of the wrong length", edit: (c) => void (counters(c).recentReturns as unknown[]).pop(), message: /counters\.recentReturns = .*: must hold the last (\d+) episodic return\(s\), it holds \d+/ },
  { what: "recentReturns that are not the logged ones", edit: (c) => void ((counters(c).recentReturns as number[])[0] = 12345), message: /counters\.recentReturns\[0\] = 12345: but episodes\.jsonl records/ },
  { what: "solvedAtStep beyond globalStep", edit: (c) => Object.assign(counters(c), { solvedAtStep: 512, solvedAtSeconds: 0.1 }), message: /counters\.solvedAtStep = 512: must be at most 256/ },
  { what: "solvedAtSeconds without solvedAtStep", edit: (c) => void (counters(c).solvedAtSeconds = 0.1), message: /counters\.solvedAtStep = null: must be a step when solvedAtSeconds is set/ },
  { what: "missing counters", edit: (c) => void delete c.meta.counters, message: /meta\.counters = missing: must be an object of counters/ },
  { what: "another format", edit: (c) => void (c.meta.format = "rl-studio/ppo-checkpoint@0"), message: /meta\.format = "rl-studio\/ppo-checkpoint@0": must be "rl-studio\/ppo-checkpoint@1"/ },
  { what: "all-NaN weights", edit: (c) => void c.arrays.params!.fill(Number.NaN), message: /array "params"\[0\] = NaN: every value must be a finite number/ },
  { what: "one Infinity in Adam's first moment", edit: (c) => void (c.arrays.adamM![17] = Number.POSITIVE_INFINITY), message: /array "adamM"\[17\] = Infinity: every value must be a finite number/ },
  { what: "a negative second moment", edit: (c) => void (c.arrays.adamV![3] = -1), message: /array "adamV"\[3\] = -1: every value must be a finite number ≥ 0/ },
  { what: "a NaN in the observation normaliser", edit: (c) => void (c.arrays["obsRms.var"]![2] = Number.NaN), message: /array "obsRms\.var"\[2\] = NaN/ },
  { what: "a weight array of the wrong size", edit: (c) => void (c.arrays.params = c.arrays.params!.subarray(1)), message: /array "params" has \d+ values, the network has \d+ parameters/ },
  { what: "a missing second moment", edit: (c) => void delete c.arrays.adamV, message: /checkpoint has no 'adamV' array/ },
  { what: "a network of another shape", edit: (c) => void ((c.meta.layout as { config: { hiddenSizes: number[] } }).config.hiddenSizes = [32, 32]), message: /meta\.layout\.config\.hiddenSizes = \[32,32\]: must be the run's hiddenSizes \[64,64\]/ },
  { what: "an impossible Adam step count", edit: (c) => void (c.meta.adamStep = 10_000), message: /meta\.adamStep = 10000: must be an integer from 0 to 32 \(iteration 8 × 4 minibatch steps\)/ },
  { what: "a negative normaliser count", edit: (c) => void (c.meta["obsRms.count"] = -3), message: /meta\.obsRms\.count = -3: must be a finite number > 0/ },
  { what: "a damaged RNG state", edit: (c) => void ((c.meta.rngs as Record<string, unknown>).shuffleRng = [1, 2]), message: /meta\.rngs\.shuffleRng = \[1,2\]: must be 5 numbers/ },
];

for (const c of CASES) {
  test(`resume refuses a checkpoint with ${c.what}, naming field and value, and changes nothing`, async () => {
    const run = await copyRun();
    damage(run, c.edit ?? (() => {}), c.raw);
    await assertRefused(run, c.message, c.what);
  });
}

test("resume refuses a checkpoint file cut short at any point and changes nothing", async () => {
  const { dir } = await fixture;
  const whole = readFileSync(join(dir, "checkpoint.bin"));
  const jsonLength = whole.readUInt32LE(8);
  for (const at of [0, 3, 12, 16 + Math.floor(jsonLength / 2), 16 + jsonLength + 8, Math.floor(whole.length / 2), whole.length - 1]) {
    const run = await copyRun();
    writeFileSync(run.file("checkpoint"), whole.subarray(0, at));
    const before = snapshot(run);
    await assert.rejects(resumeRun({ runDir: run.path, backend: "js" }), (e: unknown) => {
      assert.ok(e instanceof CheckpointError, String(e));
      assert.ok(e.message.startsWith(run.file("checkpoint")), e.message);
      assert.match(e.message, /invalid checkpoint: (file is \d+ bytes|bad magic)/);
      return true;
    }, `cut at byte ${at}`);
    assertUnchanged(run, before, `cut at byte ${at}`);
  }
});

test("the trainer's own check refuses the same checkpoints before it changes a file (the recorder)", async () => {
  const { experiment } = await fixture;
  for (const edit of [(c: Checkpoint) => void (counters(c).globalStep = -5), (c: Checkpoint) => void c.arrays.params!.fill(Number.NaN)]) {
    const run = await copyRun();
    damage(run, edit);
    const before = snapshot(run);
    await assert.rejects(train({ experiment, runDir: run, backend: "js" }), CheckpointError);
    run.close();
    assertUnchanged(run, before, "train() on a damaged checkpoint");
  }
});

test("a valid checkpoint drops only the lines after its step (written by a process killed later)", async () => {
  const { experiment } = await fixture;
  const run = await copyRun();
  const metrics = run.readMetrics();
  const episodes = run.readEpisodes();
  // What a process killed two iterations after the checkpoint leaves behind.
  const stale = { globalStep: 320, iteration: 10, wallSeconds: 99, metrics: {} };
  writeFileSync(run.file("metrics"), readFileSync(run.file("metrics"), "utf8") + JSON.stringify(stale) + "\n");
  const controller = new AbortController();
  controller.abort();
  const summary = await train({ experiment, runDir: run, backend: "js", signal: controller.signal });
  run.close();
  assert.equal(summary.status, "stopped");
  assert.equal(summary.globalStep, 8 * BATCH, "resumed at the checkpoint, stopped at once");
  assert.deepEqual(run.readMetrics(), metrics, "every line up to the checkpoint is kept, the stale one is gone");
  assert.deepEqual(run.readEpisodes(), episodes);
});
