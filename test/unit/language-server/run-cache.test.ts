/**
 * The hovers' run-folder cache: unchanged files are not read again, changed ones are, and the
 * listing follows folders that appear.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunFolderCache } from "../../../language-server/src/run-cache.js";
import { latestRunContributions } from "../../../language-server/src/run-contributions.js";
import { RunsRoots } from "../../../language-server/src/runs-root.js";
import { RunDir } from "../../../runtime/src/runs/run-dir.js";
import { defaultRunsRoot } from "../../../runtime/src/runs/run-id.js";

const root = mkdtempSync(join(tmpdir(), "rl-studio-run-cache-"));
after(() => rmSync(root, { recursive: true, force: true }));

const episode = (episodicReturn: number, components: Record<string, number>) => ({
  globalStep: 100,
  wallSeconds: 1,
  envIndex: 0,
  episodicReturn,
  episodicLength: 10,
  terminated: true,
  truncated: false,
  components,
});

function createRun(runId: string, name: string, createdAt: string): RunDir {
  return RunDir.create(root, { runId, experiment: { name, createdAt, seed: 1 }, sourceText: "", bundle: "" });
}

test("repeated lookups read nothing until a file changes", () => {
  const cache = new RunFolderCache();
  for (let i = 0; i < 10; i++) createRun(`other-${i}`, `other-${i}`, `2026-01-0${(i % 9) + 1}T00:00:00Z`).close();
  const run = createRun("mine", "mine", "2025-12-01T00:00:00Z");
  run.appendEpisode(episode(10, { alive: 10 }));

  const first = latestRunContributions(root, "mine", cache);
  assert.equal(first?.runId, "mine");
  assert.equal(first?.episodes, 1);
  const readsAfterFirst = cache.stats.reads;
  assert.equal(readsAfterFirst, 12, "11 experiment.json and one episodes.jsonl");

  for (let i = 0; i < 5; i++) assert.deepEqual(latestRunContributions(root, "mine", cache), first);
  assert.equal(cache.stats.reads, readsAfterFirst, "unchanged files are not read again");

  run.appendEpisode(episode(30, { alive: 30 }));
  const second = latestRunContributions(root, "mine", cache);
  assert.equal(second?.episodes, 2);
  assert.equal(second?.meanEpisodicReturn, 20);
  assert.equal(cache.stats.reads, readsAfterFirst + 1, "only episodes.jsonl is read again");
  run.close();

  // A newer run of the same experiment appears: listed and used.
  const newer = createRun("mine-2", "mine", "2026-02-01T00:00:00Z");
  newer.close();
  assert.equal(latestRunContributions(root, "mine", cache)?.runId, "mine-2");
});

test("explanations are read once per change, and a damaged one is skipped", () => {
  const cache = new RunFolderCache();
  const run = createRun("explained", "explained", "2025-11-01T00:00:00Z");
  run.close();
  assert.equal(cache.latestExplanation(root, "explained"), null);
  const file = join(run.path, "explanation.json");
  writeFileSync(file, JSON.stringify({ format: "rl-studio/explanation@1", facts: {}, summary: ["one"] }));
  assert.deepEqual(cache.latestExplanation(root, "explained")?.explanation.summary, ["one"]);
  const reads = cache.stats.reads;
  assert.deepEqual(cache.latestExplanation(root, "explained")?.explanation.summary, ["one"]);
  assert.equal(cache.stats.reads, reads);
  writeFileSync(file, JSON.stringify({ format: "rl-studio/explanation@1", facts: {}, summary: ["two", "lines"] }));
  assert.deepEqual(cache.latestExplanation(root, "explained")?.explanation.summary, ["two", "lines"]);
  writeFileSync(file, "{ damaged");
  assert.equal(cache.latestExplanation(root, "explained"), null);
  // A TWOSOME run's explanation whose facts lost their states reads as none, too.
  writeFileSync(file, JSON.stringify({ format: "rl-studio/text-policy-explanation@1", facts: { runId: "r" }, summary: [] }));
  assert.equal(cache.latestExplanation(root, "explained"), null);
});

test("runs roots: the client's per-folder roots, the innermost folder winning, else runsFolder, else the default", () => {
  const roots = new RunsRoots();
  const ws = join(root, "ws");
  assert.equal(roots.rootFor(join(ws, "a.rl.ts")), defaultRunsRoot(join(ws, "a.rl.ts")));
  roots.update({ runsRoots: [{ folder: ws, runsRoot: "/abs/runs" }, { folder: join(ws, "inner"), runsRoot: "custom/runs" }, { bad: 1 }] });
  assert.equal(roots.rootFor(join(ws, "a.rl.ts")), "/abs/runs");
  assert.equal(roots.rootFor(join(ws, "inner", "b.rl.ts")), join(ws, "inner", "custom", "runs"));
  roots.update({ rlStudio: { runsFolder: "/elsewhere" } });
  assert.equal(roots.rootFor(join(ws, "a.rl.ts")), "/elsewhere");
  roots.update({ otherExtension: { x: 1 } });
  assert.equal(roots.rootFor(join(ws, "a.rl.ts")), "/elsewhere", "another section leaves the setting alone");
  roots.update({ rlStudio: {} });
  assert.equal(roots.rootFor(join(ws, "a.rl.ts")), defaultRunsRoot(join(ws, "a.rl.ts")));
});
