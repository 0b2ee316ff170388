import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadExperiment } from "../../../runtime/src/experiment/resolve.js";
import {
  applyCandidate,
  downloadPercent,
  ghostInsertText,
  ghostSourceText,
  ghostTarget,
  isNoModelError,
  llmStatusView,
  positiveIntegerError,
  runtimeMessage,
  suggestRewardParams,
} from "../../../extension/src/llm/reward-text.js";
import { findRewardProperty as locateReward } from "../../../common/src/experiment-object.js";
import { findRewardProperty } from "../../../runtime/src/reward-design/reward-source.js";
import { rewardSnippet } from "../../../runtime/src/reward-design/snippet.js";

const CANDIDATE = rewardSnippet([
  { name: "alive", code: "envReward" },
  { name: "centred", code: "-Math.abs(nextObs.x)" },
]);

const SMALL = `export default defineExperiment({
  name: "x",
  env: "CartPole-v1",
  reward: ({ envReward }) => ({ alive: envReward }),
  seed: 1,
});
`;

test("the snippet the runtime writes is what the tests apply", () => {
  assert.equal(CANDIDATE, "reward: ({ nextObs, envReward }) => ({\n    alive: envReward,\n    centred: -Math.abs(nextObs.x),\n  }),");
});

test("locateReward: the reward property's exact span, without its comma", () => {
  const loc = locateReward(SMALL)!;
  assert.equal(SMALL.slice(loc.range.start, loc.range.end), "reward: ({ envReward }) => ({ alive: envReward })");
  assert.equal(loc.property?.empty, false);
});

test("locateReward with no reward: the insertion point after the last property (before its comma), as the runtime's", () => {
  const text = SMALL.replace("  reward: ({ envReward }) => ({ alive: envReward }),\n", "");
  const loc = locateReward(text)!;
  assert.equal(loc.property, null);
  const at = text.indexOf("seed: 1") + "seed: 1".length;
  assert.deepEqual(loc.range, { start: at, end: at });
  const ast = findRewardProperty(text)!;
  assert.deepEqual(loc.range, { start: ast.start, end: ast.end });
  assert.equal(locateReward("const x = { a: 1 };"), null, "no object with env");
});

test("applyCandidate replaces the property and keeps the file's trailing comma", () => {
  const loc = locateReward(SMALL)!;
  const out = applyCandidate(SMALL, loc.range, CANDIDATE);
  assert.equal(
    out,
    `export default defineExperiment({
  name: "x",
  env: "CartPole-v1",
  reward: ({ nextObs, envReward }) => ({
    alive: envReward,
    centred: -Math.abs(nextObs.x),
  }),
  seed: 1,
});
`,
  );
  // Applying again to the result finds the new property and gives the same text (idempotent).
  assert.equal(applyCandidate(out, locateReward(out)!.range, CANDIDATE), out);
});

test("applyCandidate inserts after the last property with the property's indentation", () => {
  const text = `defineExperiment({
    env: "CartPole-v1",
    seed: 1
})`;
  const out = applyCandidate(text, locateReward(text)!.range, CANDIDATE);
  assert.equal(
    out,
    `defineExperiment({
    env: "CartPole-v1",
    seed: 1,
    reward: ({ nextObs, envReward }) => ({
      alive: envReward,
      centred: -Math.abs(nextObs.x),
    })
})`,
  );
  assert.deepEqual(locateReward(out)!.range, { start: findRewardProperty(out)!.start, end: findRewardProperty(out)!.end });
});

test("applyCandidate on a last property without a comma adds none before the closing brace", () => {
  const text = `defineExperiment({ env: "E", reward: (t) => ({ a: 1 }) })`;
  const out = applyCandidate(text, locateReward(text)!.range, "reward: (_t) => ({ b: 2 }),");
  assert.equal(out, `defineExperiment({ env: "E", reward: (_t) => ({ b: 2 }) })`);
  assert.throws(() => applyCandidate(text, { start: 5, end: 500 }, "x"), /outside the file/);
});

test("an empty `reward:` is a property of its own, not the start of the next one", () => {
  const text = `defineExperiment({\n  env: "E",\n  reward: \n  seed: 1,\n});\n`;
  const loc = locateReward(text)!;
  assert.equal(loc.property?.empty, true);
  assert.equal(text.slice(loc.range.start, loc.range.end), "reward:");
  const out = applyCandidate(text, loc.range, "reward: (_t) => ({ b: 2 }),");
  assert.equal(out, `defineExperiment({\n  env: "E",\n  reward: (_t) => ({ b: 2 }), \n  seed: 1,\n});\n`);
});

test("ghost text is offered only inside the reward property or on an empty `reward:` line", () => {
  const oneLine = SMALL;
  const start = oneLine.indexOf("reward:");
  const end = oneLine.indexOf("}),", start) + 2;
  // Inside the one-line reward: the whole property.
  const inside = ghostTarget(oneLine, start + 12)!;
  assert.deepEqual(inside.range, { start, end });
  assert.equal(inside.replaced, "reward: ({ envReward }) => ({ alive: envReward })");
  // On another line, or on the reward's line but after the property: nothing.
  assert.equal(ghostTarget(oneLine, oneLine.indexOf("seed")), null);
  assert.equal(ghostTarget(oneLine, oneLine.indexOf("env:")), null);
  assert.equal(ghostTarget(oneLine, end + 1), null);
  // Empty `reward:` with the cursor after the colon: the key and colon (trailing spaces included) are replaced.
  const empty = `defineExperiment({\n  env: "E",\n  reward: \n  seed: 1,\n});\n`;
  const colon = empty.indexOf("reward:") + "reward:".length;
  const t = ghostTarget(empty, colon + 1)!;
  assert.equal(t.replaced, "reward: ");
  assert.equal(ghostTarget(empty, colon - 3), null, "cursor inside the key");
  assert.equal(ghostInsertText(empty, t, CANDIDATE), CANDIDATE, "the candidate as written, its comma kept before the next property");
  // A multi-line reward: an inline completion cannot replace several lines (Suggest Reward's diff does).
  const multi = readFileSync("examples/cartpole.rl.ts", "utf8");
  assert.equal(ghostTarget(multi, multi.indexOf("upright:")), null);
});

test("ghostInsertText drops the candidate's comma where the file has one", () => {
  const target = ghostTarget(SMALL, SMALL.indexOf("reward:") + 3)!;
  const insert = ghostInsertText(SMALL, target, "reward: (_t) => ({ b: 2 }),");
  assert.equal(insert, "reward: (_t) => ({ b: 2 })");
});

test("status bar text for every model state", () => {
  const noModel = { state: "no-model" as const, message: "no model: set rlStudio.llm.model to a .gguf path or run Download Model" };
  const none = llmStatusView(noModel, "");
  assert.equal(none.text, "$(sparkle) LLM: no model");
  assert.equal(none.command?.id, "rlStudio.downloadModel");
  const configured = llmStatusView(noModel, "/m/a.gguf");
  assert.equal(configured.text, "$(sparkle) LLM: not loaded");
  assert.equal(configured.command, null);
  assert.match(configured.tooltip, /\/m\/a\.gguf loads on first use/);
  // An hf: URI not downloaded yet is "no model" even though one is configured.
  const notDownloaded = llmStatusView({ state: "no-model", message: "no model: hf:a/b/c.gguf is not downloaded yet (run Download Model; x)" }, "hf:a/b/c.gguf");
  assert.equal(notDownloaded.text, "$(sparkle) LLM: no model");
  const dl = llmStatusView({ state: "downloading", uri: "hf:a/b/c.gguf", downloadedBytes: 250e6, totalBytes: 1e9 }, "");
  assert.equal(dl.text, "$(cloud-download) LLM: downloading 25%");
  assert.match(dl.tooltip, /250 MB of 1000 MB/);
  assert.equal(llmStatusView({ state: "downloading", uri: "u", downloadedBytes: 3.5e6, totalBytes: 0 }, "").text, "$(cloud-download) LLM: downloading 3.5 MB");
  assert.equal(llmStatusView({ state: "loading", path: "/m/a.gguf" }, "/m/a.gguf").text, "$(loading~spin) LLM: loading");
  const ready = llmStatusView({ state: "ready", path: "/m/a.gguf", gpu: false, threads: 1, contextSize: 2048 }, "/m/a.gguf");
  assert.equal(ready.text, "$(sparkle) LLM: ready");
  assert.equal(ready.tooltip, "RL Studio LLM ready: /m/a.gguf (CPU, 1 thread, context 2048 tokens).");
  const failed = llmStatusView({ state: "failed", reason: "model file not found: /m/a.gguf" }, "/m/a.gguf");
  assert.equal(failed.text, "$(error) LLM: failed");
  assert.equal(failed.error, true);
  assert.match(failed.tooltip, /model file not found: \/m\/a\.gguf/);
  assert.deepEqual(failed.command, { id: "workbench.action.openSettings", args: ["rlStudio.llm"] });
});

test("downloadPercent floors and caps; unknown size is null", () => {
  assert.equal(downloadPercent(999, 1000), 99);
  assert.equal(downloadPercent(1000, 1000), 100);
  assert.equal(downloadPercent(5, 0), null);
});

test("no-model errors are told apart from other failures", () => {
  assert.equal(isNoModelError("no model: set rlStudio.llm.model to a .gguf path or run Download Model"), true);
  assert.equal(isNoModelError("Request reward/suggest failed with message: no model: set rlStudio.llm.model"), true);
  assert.equal(isNoModelError("cannot load /m/a.gguf: bad magic"), false);
  assert.equal(runtimeMessage("Request reward/suggest failed with message: no model: set x"), "no model: set x");
  assert.equal(runtimeMessage("cannot load /m/a.gguf"), "cannot load /m/a.gguf");
});

test("input validation for K, N and the budget", () => {
  assert.equal(positiveIntegerError("4", { max: 16 }), null);
  assert.equal(positiveIntegerError("20_000"), null);
  assert.match(positiveIntegerError("0", { max: 16 })!, /from 1 to 16/);
  assert.match(positiveIntegerError("17", { max: 16 })!, /from 1 to 16/);
  assert.match(positiveIntegerError("2.5")!, /whole number/);
  assert.equal(positiveIntegerError("", { optional: true }), null);
  assert.notEqual(positiveIntegerError(""), null);
});

test("suggestRewardParams: an unsaved buffer's text goes with the request; a saved one is read from disk", () => {
  const text = "export default defineExperiment({ env: \"Acrobot-v1\" });\n";
  assert.deepEqual(suggestRewardParams({ fsPath: "/w/a.rl.ts", text, isDirty: true }, 1), { experimentPath: "/w/a.rl.ts", count: 1, sourceText: text });
  assert.deepEqual(suggestRewardParams({ fsPath: "/w/a.rl.ts", text, isDirty: false }), { experimentPath: "/w/a.rl.ts" });
});

test("ghostSourceText: the half-typed reward (and its comma) is left out, so the rest compiles", async () => {
  const typed = `import { defineExperiment } from "rl-studio";\nexport default defineExperiment({\n  name: "g",\n  env: "CartPole-v1",\n  algorithm: "ppo",\n  seed: 1,\n  reward: \n});\n`;
  const target = ghostTarget(typed, typed.indexOf("reward: ") + 8)!;
  const sent = ghostSourceText(typed, target);
  assert.equal(sent, typed.replace("  reward: \n", "  \n"));
  const oneLine = typed.replace("reward: \n", "reward: ({ nextObs }) => -Math.abs(nextObs.x), seed2: 3,\n");
  const t2 = ghostTarget(oneLine, oneLine.indexOf("nextObs.x"))!;
  assert.equal(ghostSourceText(oneLine, t2), oneLine.replace("reward: ({ nextObs }) => -Math.abs(nextObs.x),", ""));
  // What is sent is a valid experiment: the runtime compiles and resolves it.
  const dir = mkdtempSync(join(tmpdir(), "rl-ghost-"));
  try {
    await assert.rejects(loadExperiment(join(dir, "g.rl.ts"), {}, typed), /g\.rl\.ts:8:1/);
    const experiment = await loadExperiment(join(dir, "g.rl.ts"), {}, sent);
    assert.equal(experiment.envId, "CartPole-v1");
    assert.equal(experiment.reward, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
