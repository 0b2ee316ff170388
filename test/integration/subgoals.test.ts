/**
 * Sub-goals and Collect & Infer end to end, through the real trainer:
 *  - a MountainCar run with sub-goals logs subgoals/<name>, reward/subgoals and each episode's
 *    reached steps, and appends its transitions to the workspace's experience store;
 *  - a second experiment on the same env with selfImitation starts from that store (it says how many
 *    episodes it loaded) and logs SIL's losses;
 *  - a damaged store is reported with file and offset and training goes on;
 *  - the store's cap as a user sets it: `train --experience-max-mb` and the editor's
 *    rlStudio.experience.maxMegabytes (sent with the train request) reach the writer;
 *  - `rl-studio propose-subgoals` with the real test model: the answer parses under the grammar
 *    and every proposed predicate names real fields (what it proposes is nonsense; whether it validates is reported).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadExperiment } from "../../runtime/src/experiment/resolve.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { train } from "../../runtime/src/ppo/train.js";
import { checkProposedSubgoal } from "../../runtime/src/subgoals/propose/check.js";
import { startRun } from "../../runtime/src/runs/start-run.js";
import { lastJsonLine, runCli, workspace } from "./cli-helpers.js";
import { requireTestModel } from "../test-model.mjs";

const EXPERIMENT = (extra: string) => `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "mc-sg",
  env: "MountainCar-v0",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 8192, numEnvs: 8, numSteps: 64, normalizeObservations: true, entCoef: 0 },
  seed: 2,
  subgoals: [
    { name: "moving", achieved: ({ obs }) => Math.abs(obs.velocity) > 0.005 },
    { name: "leftHill", achieved: ({ obs }) => obs.position < -0.7 },
  ],
  ${extra}
});
`;

async function run(dir: string, file: string, text: string, experienceRoot: string) {
  const path = join(dir, file);
  writeFileSync(path, text);
  const experiment = await loadExperiment(path);
  const runDir = RunDir.create(join(dir, "runs"), { experiment: { name: experiment.name, seed: experiment.seed }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const logs: string[] = [];
  const summary = await train({ experiment, runDir, backend: "js", experienceRoot, log: (l) => logs.push(l) });
  assert.equal(summary.status, "completed", summary.error);
  return { runDir, logs, metrics: runDir.readMetrics(), episodes: runDir.readEpisodes() };
}

test("sub-goal metrics, the experience store, and self-imitation from it in the next experiment", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rls-subgoals-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = join(dir, "experience");

  const first = await run(dir, "a.rl.ts", EXPERIMENT(""), store);
  const names = new Set(first.metrics.flatMap((m) => Object.keys(m.metrics)));
  for (const k of ["subgoals/moving", "subgoals/leftHill", "reward/subgoals"]) assert.ok(names.has(k), `metric ${k}`);
  const withEpisodes = first.metrics.filter((m) => m.metrics["subgoals/moving"] !== undefined);
  assert.ok(withEpisodes.every((m) => m.metrics["subgoals/moving"]! >= m.metrics["subgoals/leftHill"]!), "a later sub-goal is never reached more often than an earlier one");
  const ep = first.episodes.find((e) => e.subgoals && Object.keys(e.subgoals).length === 2);
  assert.ok(ep, "some episode reached both sub-goals");
  assert.equal(ep!.components!.subgoals, 2);
  assert.ok(ep!.subgoals!.moving! <= ep!.subgoals!.leftHill!);
  const segments = readdirSync(join(store, "MountainCar-v0")).filter((n) => n.endsWith(".rlx"));
  assert.equal(segments.length, 1);

  // A second experiment: self-imitation of the episodes that reached the most sub-goals.
  const second = await run(dir, "b.rl.ts", EXPERIMENT('selfImitation: { coef: 1, source: "subgoals", maxTransitions: 4000 },'), store);
  const notice = second.logs.find((l) => l.startsWith("self-imitation (subgoals):"));
  assert.match(notice ?? "", /(\d+) of (\d+) stored episode\(s\) qualify, (\d+) loaded/);
  const [, qualifying, stored, loaded] = /(\d+) of (\d+) stored episode\(s\) qualify, (\d+) loaded/.exec(notice!)!.map(Number);
  assert.equal(stored, first.episodes.length, "every episode of the first run is in the store");
  assert.ok(qualifying! > 0 && loaded! > 0);
  const silMetrics = second.metrics.filter((m) => m.metrics["losses/sil_policy_loss"] !== undefined);
  assert.equal(silMetrics.length, second.metrics.length, "SIL steps every iteration (the store had episodes from the start)");
  assert.ok(second.metrics.every((m) => m.metrics["charts/sil_episodes"]! > 0));

  // Damage the first segment's bytes in the middle: the third run reports it and trains anyway.
  const seg = join(store, "MountainCar-v0", segments[0]!);
  const bytes = readFileSync(seg);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(seg, bytes);
  const third = await run(dir, "c.rl.ts", EXPERIMENT('selfImitation: { coef: 1, source: "subgoals" },'), store);
  const warning = third.logs.find((l) => l.startsWith("experience store:"));
  assert.match(warning ?? "", new RegExp(`${segments[0]!.replace(/\./g, "\\.")} at byte \\d+: .*CRC.*skipped`));
  // Stopped while self-imitation reads the store: the run ends "stopped" with its status written, not an unfinished folder.
  const path = join(dir, "d.rl.ts");
  writeFileSync(path, EXPERIMENT('selfImitation: { coef: 1, source: "subgoals" },'));
  const experiment = await loadExperiment(path);
  const runDir = RunDir.create(join(dir, "runs"), { experiment: { name: experiment.name, seed: experiment.seed }, sourceText: experiment.source.text, bundle: experiment.source.bundle });
  const stopping = new AbortController();
  stopping.abort();
  const stopped = await train({ experiment, runDir, backend: "js", experienceRoot: store, signal: stopping.signal, log: () => {} });
  assert.equal(stopped.status, "stopped");
  assert.equal(runDir.readStatus()?.state, "stopped");
});

test("the store's cap: the CLI's --experience-max-mb and the editor's setting reach the writer", { timeout: 300_000 }, async (t) => {
  const dir = workspace(t, "rls-sg-cap-");
  writeFileSync(join(dir, "mc.rl.ts"), EXPERIMENT("").replace("totalTimesteps: 8192", "totalTimesteps: 1024"));
  const storeDir = join(dir, ".rl-studio", "experience", "MountainCar-v0");
  const stored = () => (existsSync(storeDir) ? readdirSync(storeDir).filter((n) => n.endsWith(".rlx")).reduce((s, n) => s + statSync(join(storeDir, n)).size, 0) : 0);

  // 0 MB from the CLI: the run stores nothing.
  const off = await runCli(["train", "mc.rl.ts", "--backend", "js", "--experience-max-mb", "0", "--json"], dir);
  assert.equal(off.code, 0, off.stderr);
  assert.equal(stored(), 0, "--experience-max-mb 0 stores nothing");

  // The editor's setting (rlStudio.experience.maxMegabytes → TrainParams.experienceMaxMegabytes) goes the same way.
  const fromEditor = await startRun({ experimentPath: join(dir, "mc.rl.ts"), experienceMaxMegabytes: 0 });
  assert.equal((await fromEditor.done).status, "completed");
  assert.equal(stored(), 0, "the editor's 0 MB stores nothing");

  // Left to the default (256 MB), the same run lands in the workspace's store.
  const on = await runCli(["train", "mc.rl.ts", "--backend", "js", "--json"], dir);
  assert.equal(on.code, 0, on.stderr);
  assert.ok(stored() > 0, "the default cap stores the run's transitions");
});

test("real model: propose-subgoals --json parses under the grammar and names only real fields", { timeout: 240_000 }, async (t) => {
  const TEST_MODEL = requireTestModel(t);
  if (TEST_MODEL === null) return;
  const dir = workspace(t, "rls-propose-");
  writeFileSync(join(dir, "mc.rl.ts"), 'import { defineExperiment } from "rl-studio";\nexport default defineExperiment({ name: "mc", env: "MountainCar-v0", task: "Reach the flag.", algorithm: "ppo" });\n');
  const r = await runCli(["propose-subgoals", "mc.rl.ts", "--model", TEST_MODEL, "--json"], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = lastJsonLine(r.stdout);
  t.diagnostic(`stories260K proposed: ${JSON.stringify(out.verdicts.map((v: { ok: boolean; subgoal: { achieved: string }; kind?: string }) => [v.subgoal.achieved, v.ok ? "ok" : v.kind]))}`);
  assert.equal(out.malformed, null, "the grammar keeps the answer readable");
  assert.ok(out.verdicts.length >= 2 && out.verdicts.length <= 5);
  for (const v of out.verdicts) assert.deepEqual(checkProposedSubgoal(v.subgoal.name, v.subgoal.achieved, ["position", "velocity"]), []);
  assert.ok(["ok", "none-valid"].includes(out.status));
});
