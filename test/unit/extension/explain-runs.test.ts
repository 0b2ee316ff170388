import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunSummary } from "../../../protocol/src/runtime.js";
import {
  chooseRunForExperiment,
  explainPercent,
  explainProgressMessage,
  findRunDir,
  parseExplanation,
  readExplanationFile,
  runDirArgument,
} from "../../../extension/src/explain-runs.js";
import { openExplanationLink } from "../../../protocol/src/language-server.js";

function run(runId: string, over: Partial<RunSummary> = {}): RunSummary {
  return {
    runId,
    runDir: `/ws/.rl-studio/runs/${runId}`,
    experimentName: "cartpole-ppo",
    envId: "CartPole-v1",
    seed: 1,
    experimentPath: "/ws/cartpole.rl.ts",
    state: "completed",
    globalStep: 4096,
    totalTimesteps: 4096,
    lastEpisodicReturn: 80,
    backend: "js",
    createdAt: null,
    error: null,
    groupKey: "k",
    live: false,
    unconfirmed: false,
    ...over,
  };
}

test("chooseRunForExperiment: the newest run of that file that has trained, by createdAt then run id", () => {
  const runs = [
    run("cartpole-ppo-20260101-100000-s1", { createdAt: "2026-01-01T10:00:00.000Z" }),
    run("cartpole-ppo-20260102-100000-s1", { createdAt: "2026-01-02T10:00:00.000Z" }),
    // newer, but started from another file
    run("other-20260103-100000-s1", { createdAt: "2026-01-03T10:00:00.000Z", experimentPath: "/ws/other.rl.ts" }),
    // newest of this file, but no step yet: no checkpoint, nothing to explain
    run("cartpole-ppo-20260104-100000-s1", { createdAt: "2026-01-04T10:00:00.000Z", globalStep: 0, state: "failed" }),
    // unknown source
    run("cartpole-ppo-20260105-100000-s1", { createdAt: "2026-01-05T10:00:00.000Z", experimentPath: null }),
  ];
  assert.equal(chooseRunForExperiment(runs, "/ws/cartpole.rl.ts", "linux")?.runId, "cartpole-ppo-20260102-100000-s1");
  assert.equal(chooseRunForExperiment(runs, "/ws/./sub/../cartpole.rl.ts", "linux")?.runId, "cartpole-ppo-20260102-100000-s1", "paths compare resolved");
  assert.equal(chooseRunForExperiment(runs, "/ws/other.rl.ts", "linux")?.runId, "other-20260103-100000-s1");
  assert.equal(chooseRunForExperiment(runs, "/ws/none.rl.ts", "linux"), null);
  // No createdAt (an old run folder): the run id's timestamp orders them.
  const undated = [run("cartpole-ppo-20260101-100000-s1"), run("cartpole-ppo-20260101-100000-s2"), run("cartpole-ppo-20251231-235959-s9")];
  assert.equal(chooseRunForExperiment(undated, "/ws/cartpole.rl.ts", "linux")?.runId, "cartpole-ppo-20260101-100000-s2");
});

test("runDirArgument takes the folder from a command link's spread arguments or an array", () => {
  // What VS Code passes for command:rlStudio.openExplanation?<encoded JSON [runDir]>: the array spread into arguments.
  const link = openExplanationLink("/ws/.rl-studio/runs/r 1");
  const args = JSON.parse(decodeURIComponent(link.slice(link.indexOf("?") + 1))) as unknown[];
  assert.equal(runDirArgument(args[0]), "/ws/.rl-studio/runs/r 1");
  assert.equal(runDirArgument(args), "/ws/.rl-studio/runs/r 1");
  assert.equal(runDirArgument(undefined), null);
  assert.equal(runDirArgument(""), null);
  assert.equal(runDirArgument([42]), null);
});

test("parseExplanation and readExplanationFile: missing is null, damaged says which file and what to do", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-studio-explain-"));
  assert.equal(await readExplanationFile(dir), null);
  writeFileSync(join(dir, "explanation.json"), "{ not json");
  await assert.rejects(readExplanationFile(dir), (err: Error) => err.message.startsWith(join(dir, "explanation.json")) && /cannot parse/.test(err.message));
  writeFileSync(join(dir, "explanation.json"), JSON.stringify({ format: "rl-studio/explanation@2", facts: {}, summary: [] }));
  await assert.rejects(readExplanationFile(dir), /format must be "rl-studio\/explanation@1"/);
  const ok = { format: "rl-studio/explanation@1", createdAt: "2026-01-01T00:00:00.000Z", facts: { runId: "r" }, summary: ["Deterministic policy: mean return 9.5"], narrative: null };
  writeFileSync(join(dir, "explanation.json"), JSON.stringify(ok));
  assert.deepEqual(await readExplanationFile(dir), ok);
  assert.throws(() => parseExplanation("null", "x.json"), /^Error: x\.json: not an RL Studio explanation/);
});

test("findRunDir finds a restored panel's run by id in the runs roots, and refuses paths", () => {
  const a = mkdtempSync(join(tmpdir(), "rl-studio-roots-a-"));
  const b = mkdtempSync(join(tmpdir(), "rl-studio-roots-b-"));
  mkdirSync(join(b, "run-1"));
  writeFileSync(join(b, "run-1", "experiment.json"), "{}");
  mkdirSync(join(a, "run-2")); // no experiment.json: not a run folder
  assert.equal(findRunDir([a, b], "run-1"), join(b, "run-1"));
  assert.equal(findRunDir([a, b], "run-2"), null);
  assert.equal(findRunDir([a, b], "../run-1"), null);
  assert.equal(findRunDir([a, b], ".."), null);
});

test("explainPercent: rollouts fill 0–70 %, then sensitivity, narrative and saving up to 100 %", () => {
  assert.equal(explainPercent({ phase: "rollouts", done: 0, total: 10 }), 0);
  assert.equal(explainPercent({ phase: "rollouts", done: 5, total: 10 }), 35);
  assert.equal(explainPercent({ phase: "rollouts", done: 10, total: 10 }), 70);
  assert.equal(explainPercent({ phase: "sensitivity", done: 2, total: 4 }), 75);
  assert.equal(explainPercent({ phase: "narrative", done: 1, total: 1 }), 98);
  assert.equal(explainPercent({ phase: "saving", done: 1, total: 1 }), 100);
  assert.equal(explainPercent({ phase: "sensitivity", done: 0, total: 0 }), 70, "an empty phase counts as not started");
  assert.equal(explainProgressMessage({ phase: "rollouts", done: 3, total: 100 }), "evaluation rollouts: 3/100 episodes");
});
