// A TWOSOME run's explanation in a real VS Code (code-server): the CLI trains one iteration with the
// test model (stories260K) beforehand; the 💬 Explain code lens then measures the LLM policy through
// the runtime (runtime/explain: greedy episodes, saved as explanation.json) and the explanation panel
// shows each visited text state with its prompt and π over its action texts, the greedy action
// marked; hovering the env id shows the success rate and the most probable actions with the
// "Open explanation" link. Screenshots: test/e2e/out/explain-twosome-*.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { OUT, ROOT, findFrame, hoverUntilShown, missingBuild, missingTools, skipUnlessReady, openFile, openWorkbench, waitUntil, withCodeServer } from "./harness.mjs";
import { requireTestModel } from "../test-model.mjs";
import { tinyTwosomeExperiment } from "../twosome-experiment.mjs";

const skip = skipUnlessReady(missingTools(), missingBuild(["dist/cli.js", "dist/media/explain.js"]));

const SOURCE = tinyTwosomeExperiment("salad-twosome-e2e");

test("e2e: 💬 Explain on a TWOSOME run shows the text states and action probabilities in the panel; the env-id hover shows them too", { skip, timeout: 600_000 }, async (t) => {
  const model = requireTestModel(t);
  if (!model) return;
  const prepare = (ws) => {
    execFileSync(process.execPath, [path.join(ROOT, "dist/cli.js"), "train", "salad.rl.ts", "--model", model, "--backend", "wasm"], { cwd: ws, stdio: "pipe", env: { ...process.env, NODE_OPTIONS: "" } });
  };
  await withCodeServer(t, { files: { "salad.rl.ts": SOURCE }, prepare }, async ({ cs, browser, lap }) => {
    const runsRoot = path.join(cs.workspace, ".rl-studio", "runs");
    const [runId] = fs.readdirSync(runsRoot);
    const runDir = path.join(runsRoot, runId);
    const saved = path.join(runDir, "explanation.json");
    assert.ok(!fs.existsSync(saved), "not explained before the editor asks");
    lap(`CLI trained ${runId}`);

    const { page, offbox } = await openWorkbench(browser, cs.url);
    await openFile(page, "salad.rl.ts");
    const explainLens = page.locator(".monaco-editor .codelens-decoration a", { hasText: "Explain" }).first();
    await explainLens.waitFor({ timeout: 60_000 });
    lap("language server ready (💬 Explain lens shown)");

    // 1. 💬 Explain: the runtime measures the LLM policy and saves the text-policy explanation; the panel opens.
    await explainLens.click();
    await waitUntil("explanation.json written by the runtime", () => fs.existsSync(saved), 300_000, 500);
    const explanation = JSON.parse(fs.readFileSync(saved, "utf8"));
    assert.equal(explanation.format, "rl-studio/text-policy-explanation@1");
    const f = explanation.facts;
    assert.equal(f.episodes, 5, "the default: 5 greedy episodes");
    await page.locator(".tab", { hasText: `Explanation: ${runId}` }).first().waitFor({ timeout: 60_000 });
    const frame = await findFrame(page, "#textStates .textState", 60_000);
    lap(`explained through the runtime: ${f.states.length} states listed of ${f.distinctStates}`);

    // 2. The panel: the text states (most visited first), each with its prompt and π over its action texts.
    assert.equal(await frame.locator("#behaviour").isVisible(), false, "no MLP tables, charts or replay");
    assert.equal(await frame.locator("#episodesLabel").innerText(), "Greedy episodes");
    assert.equal(await frame.locator("#episodes").inputValue(), "5");
    const meta = await frame.locator("#meta").innerText();
    assert.ok(meta.includes(`run ${runId}`) && meta.includes("success rate"), meta);
    // The sample's sentence; the per-state sentences are the cards.
    assert.deepEqual(await frame.locator("#summary li").allInnerTexts(), [explanation.summary[0]]);
    const cards = frame.locator("#textStates .textState");
    assert.equal(await cards.count(), f.states.length, "one card per listed state");
    for (const [i, s] of f.states.entries()) {
      const card = cards.nth(i);
      assert.match(await card.locator("h3").innerText(), new RegExp(`^State ${i + 1} · ${s.visits} of ${f.steps} steps`));
      assert.equal(await card.locator("pre.prompt").textContent(), s.prompt, "the whole prompt, in the collapsed details");
      const rows = await card.locator("table.textActions tr").evaluateAll((trs) => trs.slice(1).map((tr) => ({ greedy: tr.classList.contains("greedy"), cells: [...tr.cells].map((c) => c.textContent) })));
      assert.deepEqual(rows.map((r) => r.cells[1]), s.actions.map((a) => a.probability.toFixed(2)), `state ${i + 1}: π per action`);
      assert.ok(rows.every((r, k) => r.cells[0].startsWith(s.actions[k].text)), `state ${i + 1}: the action texts in order`);
      assert.deepEqual(rows.map((r) => r.greedy), s.actions.map((_, k) => k === 0), `state ${i + 1}: the most probable action is marked greedy`);
      assert.equal(await card.locator("meter").count(), s.actions.length);
    }
    // The first state's prompt expands.
    await cards.first().locator("details summary").click();
    await frame.locator("#textStates .textState pre.prompt").first().waitFor({ state: "visible" });
    await page.screenshot({ path: path.join(OUT, "explain-twosome-panel.png") });
    await cards.first().screenshot({ path: path.join(OUT, "explain-twosome-state.png") });
    lap("panel: states with prompts and action probabilities, greedy marked");

    // 3. The env id's hover: the success rate, the most visited states with their most probable action, the link.
    await page.locator(".tab", { hasText: "salad.rl.ts" }).first().click();
    const hoverWidget = page.locator(".monaco-hover", { hasText: "greedy evaluation episodes" }).first();
    const envToken = page.locator(".monaco-editor .view-line span", { hasText: /^"Overcooked-TomatoSalad-v0"$/ }).first();
    await hoverUntilShown(page, envToken, hoverWidget, "the explanation in the env id's hover");
    const hoverText = (await hoverWidget.innerText()).replace(/\s+/g, " ");
    t.diagnostic(`hover: ${hoverText.slice(0, 400)}`);
    assert.ok(hoverText.includes(`success rate ${Math.round(100 * f.successRate)}%`), hoverText);
    assert.ok(hoverText.includes(`"${f.states[0].actions[0].text}" ${f.states[0].actions[0].probability.toFixed(2)}`), hoverText);
    assert.ok(hoverText.includes("Open explanation"), hoverText);
    await page.screenshot({ path: path.join(OUT, "explain-twosome-hover.png") });
    lap("env-id hover: success rate and the most probable actions");

    assert.deepEqual([...offbox], [], "no request left 127.0.0.1");
  });
});
