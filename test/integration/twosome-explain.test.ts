/**
 * A TWOSOME run explained the way the editor asks for it (`runtime/explain`, handleExplainRequest):
 * one iteration trained with the real test model (stories260K), then the LLM policy's greedy
 * episodes are measured with progress, π over the action texts of each visited state is saved as
 * `<run>/explanation.json` (the text-policy variant), a cancelled request saves nothing, and the
 * language server's hover on the experiment's env id shows the compact version with the link.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { MarkupContent } from "vscode-languageserver-protocol";
import { requireTestModel } from "../test-model.mjs";
import { tinyTwosomeExperiment } from "../twosome-experiment.mjs";
import { workspace } from "./cli-helpers.js";
import { startRun } from "../../runtime/src/runs/start-run.js";
import { handleExplainRequest } from "../../runtime/src/explain/adapters.js";
import { readExplanation } from "../../runtime/src/explain/read.js";
import { isTextPolicyExplanation, type ExplainProgress } from "../../protocol/src/explain.js";
import { LspTestClient, positionOf } from "../lsp/lsp-client.js";

const EXPERIMENT = tinyTwosomeExperiment("twosome-explained");

test("twosome: runtime/explain measures π over the action texts of visited states, saves explanation.json, and the hover shows it", { timeout: 600_000 }, async (t) => {
  const model = requireTestModel(t);
  if (!model) return;
  const dir = workspace(t, "rls-twosome-explain-");
  const file = join(dir, "salad.rl.ts");
  writeFileSync(file, EXPERIMENT);
  // The experiment names no model: the editor's rlStudio.llm.model fills in, and the run records it.
  const { runDir, done } = await startRun({ experimentPath: file, defaultModel: model, backend: "wasm" });
  assert.equal((await done).status, "completed");
  const saved = join(runDir.path, "explanation.json");

  // Cancelled (as the editor's Cancel sends $/cancelRequest): rejected, nothing saved.
  const controller = new AbortController();
  controller.abort(new Error("cancelled"));
  await assert.rejects(handleExplainRequest({ runDir: runDir.path, episodes: 1 }, { signal: controller.signal }), /cancelled/);
  assert.ok(!existsSync(saved), "a cancelled explanation saves nothing");

  const progress: ExplainProgress[] = [];
  const explanation = await handleExplainRequest({ runDir: runDir.path, episodes: 2, requestId: "t1", backend: "wasm" }, { notify: (p) => progress.push(p) });
  assert.ok(isTextPolicyExplanation(explanation), "a TWOSOME run gets the text-policy explanation");
  const f = explanation.facts;
  assert.equal(f.runId, runDir.id);
  assert.equal(f.experimentName, "twosome-explained");
  assert.equal(f.envId, "Overcooked-TomatoSalad-v0");
  assert.equal(f.globalStep, 8);
  assert.equal(f.model, model);
  assert.equal(f.episodes, 2);
  assert.ok(f.steps >= 2 && f.successRate >= 0 && f.successRate <= 1);
  assert.ok(f.states.length >= 1 && f.distinctStates >= f.states.length);
  assert.ok(f.states.reduce((n, s) => n + s.visits, 0) <= f.steps);
  for (const s of f.states) {
    assert.ok(s.prompt.length > 0 && s.actions.length >= 2);
    assert.ok(Math.abs(s.actions.reduce((p, a) => p + a.probability, 0) - 1) < 1e-4, "π sums to 1 over each state's valid actions");
  }
  assert.ok(f.states.every((s, i) => i === 0 || f.states[i - 1]!.visits >= s.visits), "most visited first");
  assert.equal(explanation.summary.length, 1 + f.states.length);
  assert.equal(explanation.narrative, null);
  // Progress: each greedy episode, then saving; all tagged with the request.
  assert.deepEqual(
    progress.map((p) => `${p.phase} ${p.done}/${p.total}`),
    ["rollouts 0/2", "rollouts 1/2", "rollouts 2/2", "saving 0/1", "saving 1/1"],
  );
  assert.ok(progress.every((p) => p.requestId === "t1" && p.runDir === runDir.path));

  // Saved where the panel and hovers read it, and read back whole through the shared reader.
  assert.equal(JSON.parse(readFileSync(saved, "utf8")).format, "rl-studio/text-policy-explanation@1");
  assert.deepEqual(readExplanation(runDir.path), explanation);

  // The hover on the env id of the experiment: success rate, the most visited states with their most probable action, the link.
  const client = await LspTestClient.start();
  t.after(async () => {
    await client.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = pathToFileURL(file).href;
  await client.open(uri, EXPERIMENT);
  const hover = await client.hover(uri, positionOf(EXPERIMENT, '"Overcooked-TomatoSalad-v0"', 3));
  const markdown = (hover?.contents as MarkupContent).value;
  const percent = `${Math.round(100 * f.successRate)}%`;
  assert.ok(markdown.includes(`success rate **${percent}** over 2 greedy evaluation episodes (n = ${f.steps} steps`), markdown);
  const top = f.states[0]!.actions[0]!;
  assert.ok(markdown.includes(`- State 1 (n = ${f.states[0]!.visits}),`), markdown);
  assert.ok(markdown.includes(`**"${top.text}" ${top.probability.toFixed(2)}**`), markdown);
  assert.match(markdown, /\[Open explanation\]\(command:rlStudio\.openExplanation\?/);
  assert.deepEqual(client.loggedErrors, [], "no handler may fail");
});
