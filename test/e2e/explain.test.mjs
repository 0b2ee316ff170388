// Policy explanations in a real VS Code (code-server), on a run the CLI trained and explained
// beforehand (`rl-studio train` then `rl-studio explain`, as from a terminal): hovering the env id
// of the experiment shows the measured summary with an "Open explanation" link; the link opens the
// explanation panel (summary, fact tables with the per-range conditioning, the endings / action-by-field /
// reward-component charts, the heat map of the mean action probability with each cell's n and taken
// frequency in its tooltip, replay canvas); the 💬 Explain code lens measures the run
// again through the runtime (runtime/explain with progress) and the same panel shows the new figures;
// after a window reload the panel comes back (webview serializer); in the Runs view the run's tooltip
// carries the summary and its context menu offers Explain Policy. Screenshots: test/e2e/out/explain-*.png
// (explain-charts.png: the charts alone).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { OUT, ROOT, findFrame, hoverUntilShown, missingBuild, missingTools, skipUnlessReady, openFile, openWorkbench, runCommand, waitUntil, withCodeServer } from "./harness.mjs";

const skip = skipUnlessReady(missingTools(), missingBuild(["dist/cli.js", "dist/media/explain.js"]));

const SOURCE = fs.readFileSync(path.join(ROOT, "examples/cartpole.rl.ts"), "utf8");
const readExplanation = (runDir) => JSON.parse(fs.readFileSync(path.join(runDir, "explanation.json"), "utf8"));

/** Pixels of the canvas that differ from its first pixel: > 0 once something was drawn on it. */
const drawnPixels = (frame, id) =>
  frame.evaluate((canvasId) => {
    const c = document.getElementById(canvasId);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) n++;
    return n;
  }, id);

test("e2e: env-id hover shows the measured summary; Open explanation opens the panel; 💬 Explain re-measures; the panel survives a reload", { skip, timeout: 600_000 }, async (t) => {
  const cli = (ws, ...args) => execFileSync(process.execPath, [path.join(ROOT, "dist/cli.js"), ...args], { cwd: ws, stdio: "pipe", env: { ...process.env, NODE_OPTIONS: "" } });
  const prepare = (ws) => {
    cli(ws, "train", "cartpole.rl.ts", "--total-timesteps", "4096");
    const [runId] = fs.readdirSync(path.join(ws, ".rl-studio", "runs"));
    cli(ws, "explain", path.join(".rl-studio", "runs", runId), "--episodes", "5");
  };
  await withCodeServer(t, { files: { "cartpole.rl.ts": SOURCE }, prepare }, async ({ cs, browser, lap }) => {
    const runsRoot = path.join(cs.workspace, ".rl-studio", "runs");
    const [runId] = fs.readdirSync(runsRoot);
    const runDir = path.join(runsRoot, runId);
    const cliExplanation = readExplanation(runDir);
    const firstSentence = cliExplanation.summary[0];
    assert.match(firstSentence, /^Deterministic policy: mean return /, "the CLI's summary starts with the deterministic return");
    assert.equal(cliExplanation.facts.evaluation.episodesPerMode, 5);
    lap(`CLI trained and explained ${runId}: "${firstSentence}"`);

    const { page, offbox } = await openWorkbench(browser, cs.url);
    await openFile(page, "cartpole.rl.ts");
    // The language server is up once its code lenses show.
    const explainLens = page.locator(".monaco-editor .codelens-decoration a", { hasText: "Explain" }).first();
    await explainLens.waitFor({ timeout: 60_000 });
    lap("language server ready (💬 Explain lens shown)");

    // 1. Hover the env id: RL Studio's hover carries the measured summary and the link.
    const hoverWidget = page.locator(".monaco-hover", { hasText: "Deterministic policy: mean return" }).first();
    const envToken = page.locator(".monaco-editor .view-line span", { hasText: /^"CartPole-v1"$/ }).first();
    await hoverUntilShown(page, envToken, hoverWidget, "the explanation in the env id's hover");
    const hoverText = (await hoverWidget.innerText()).replace(/\s+/g, " ");
    t.diagnostic(`hover: ${hoverText.slice(0, 400)}`);
    // The hover escapes markdown in the sentence (e.g. "−" stays, "(" stays): compare on the leading words and figure.
    const figure = /mean return ([\d.,]+)/.exec(firstSentence)?.[1];
    assert.ok(figure && hoverText.includes(`mean return ${figure}`), `the hover shows the saved figure ${figure}`);
    assert.ok(hoverText.includes(runId), "the hover names the run");
    const link = hoverWidget.locator("a", { hasText: "Open explanation" }).first();
    // The hover is re-rendered when another provider's answer (tsserver's) arrives, which detaches
    // the element a step was holding: each step below re-hovers and retries instead of failing on that.
    const rehover = async () => {
      if (await link.isVisible().catch(() => false)) return;
      await page.mouse.move(5, 5);
      await envToken.hover();
      await hoverWidget.waitFor({ timeout: 4000 });
    };
    // The env's documentation follows the explanation in the same hover: scroll so the link shows too.
    await waitUntil("the Open explanation link scrolled into the hover", async () => {
      try {
        await rehover();
        await link.scrollIntoViewIfNeeded({ timeout: 2000 });
        return await link.isVisible();
      } catch {
        return false;
      }
    }, 30_000, 300);
    await page.screenshot({ path: path.join(OUT, "explain-hover.png") });
    lap("env-id hover shows the summary and Open explanation");

    // 2. The link opens the explanation panel of that run.
    const panelTab = page.locator(".tab", { hasText: `Explanation: ${runId}` }).first();
    await waitUntil("the explanation panel opened from the hover's link", async () => {
      if (await panelTab.isVisible().catch(() => false)) return true;
      try {
        await rehover();
        await link.scrollIntoViewIfNeeded({ timeout: 2000 });
        await link.click({ timeout: 2000 });
        return await panelTab.waitFor({ timeout: 5000 }).then(() => true, () => false);
      } catch {
        return false;
      }
    }, 60_000, 300);
    let frame = await findFrame(page, "#summary li", 60_000);
    await page.locator(".tab", { hasText: `Explanation: ${runId}` }).first().waitFor();
    const summary = () => frame.locator("#summary li").allInnerTexts();
    assert.equal((await summary())[0], firstSentence, "the panel's first sentence is the saved one");
    assert.ok((await frame.locator("#factTables table").count()) >= 1, "fact tables");
    assert.match(await frame.locator("#factTables").innerText(), /deterministic/);
    assert.equal(await frame.locator("#scene").isVisible(), true, "CartPole has a replay drawing");
    await waitUntil("the replay drawn on its canvas", async () => (await drawnPixels(frame, "scene")) > 500, 15_000);
    assert.match(await frame.locator("#meta").innerText(), /5 episodes per mode/);
    // The charts are drawn: how episodes end, the action per range of the two most influential fields
    // (one chart each), and the reward components (the example shapes the reward).
    assert.equal(await frame.locator("#componentsCard").isVisible(), true, "the shaped experiment has a components chart");
    for (const id of ["endingsChart", "fieldChart0", "fieldChart1", "componentsChart"]) {
      await waitUntil(`the ${id} drawn on its canvas`, async () => (await drawnPixels(frame, id)) > 500, 15_000);
    }
    const facts = cliExplanation.facts;
    const topFields = facts.sensitivity.filter((s) => s.delta > 0).sort((a, b) => a.rank - b.rank).slice(0, 2).map((s) => s.field);
    assert.equal(topFields.length, 2, "two CartPole fields vary");
    assert.equal(await frame.locator("#fieldTitle0").innerText(), `Action probability by ${topFields[0]} (most influential field)`);
    assert.equal(await frame.locator("#fieldTitle1").innerText(), `Action probability by ${topFields[1]} (influence rank 2)`);
    // The conditioning table: a row per bin of those two fields, with its n; each field's n add up to
    // the deterministic rollouts' states, and P(a) is the mean policy probability the facts carry.
    const condRows = await frame.locator("#conditioningTable tr").evaluateAll((rows) => rows.slice(1).map((r) => [...r.cells].map((c) => c.textContent)));
    t.diagnostic(`conditioning table: ${JSON.stringify(condRows)}`);
    const bins = topFields.flatMap((field) => facts.deterministic.conditioning.find((c) => c.field === field).bins.map((b) => ({ field, ...b })));
    assert.equal(condRows.length, bins.length, "one row per bin of the two fields");
    condRows.forEach((row, i) => {
      const b = bins[i];
      assert.equal(row[0], b.field);
      assert.equal(Number(row[2].replace(/,/g, "")), b.n, `row ${i}: n`);
      assert.ok(b.n > 0, `row ${i}: a bin with states`);
      b.meanProbability.forEach((p, a) => assert.ok(Math.abs(parseFloat(row[3 + a]) - 100 * p) <= 0.05 + 1e-9, `row ${i}: P(a${a}) ${row[3 + a]} is mean π ${p}`));
    });
    for (const field of topFields) {
      const n = condRows.filter((r) => r[0] === field).reduce((s, r) => s + Number(r[2].replace(/,/g, "")), 0);
      assert.equal(n, facts.deterministic.steps, `${field}: the bins' n add up to the visited states`);
    }
    // The heat map over the same two fields plots the policy's mean probability of the chosen action per
    // cell (the facts carry it), says so in its title, and a cell's tooltip gives its n and how often the
    // action was taken there.
    const map = facts.actionMap;
    assert.ok(map, "CartPole's facts have an action map");
    await waitUntil("the heat map drawn on its canvas", async () => (await drawnPixels(frame, "actionMap")) > 500, 15_000);
    const mapTitle = await frame.locator("#mapTitle").innerText();
    assert.match(mapTitle, new RegExp(`^Mean action probability π\\(.+ \\| s\\) over ${map.xField} and ${map.yField} \\(deterministic rollouts\\)$`), mapTitle);
    assert.equal(await frame.locator("#actionMap").getAttribute("data-quantity"), "meanProbability");
    const columns = map.xEdges.length + 1;
    const rows = map.yEdges.length + 1;
    const cells = map.cells.flatMap((row, iy) => row.map((c, ix) => ({ ...c, ix, iy })));
    const busiest = cells.reduce((a, b) => (b.n > a.n ? b : a));
    const mapCanvas = frame.locator("#actionMap");
    const [cssW, cssH, w, h] = await mapCanvas.evaluate((c) => [c.clientWidth, c.clientHeight, c.width, c.height]);
    // The panel's layout (explain-scene.ts actionMapLayout): 56 px left, 8 px top, 36 px bottom, 8 px right; row 0 at the bottom.
    const cw = (w - 64) / columns;
    const ch = (h - 44) / rows;
    const at = { x: ((56 + (busiest.ix + 0.5) * cw) * cssW) / w, y: ((8 + (rows - 1 - busiest.iy + 0.5) * ch) * cssH) / h };
    await mapCanvas.hover({ position: at });
    const tip = await waitUntil("the hovered cell's tooltip", () => mapCanvas.getAttribute("title"), 10_000);
    t.diagnostic(`heat map: "${mapTitle}"; tooltip of cell (${busiest.ix}, ${busiest.iy}): ${JSON.stringify(tip)}`);
    assert.ok(tip.includes(`n = ${busiest.n.toLocaleString("en-US")} visited states`), `the cell's n: ${tip}`);
    const shownP = /mean π\(.+ \| s\) = ([\d.]+)%/.exec(tip);
    assert.ok(shownP && Math.abs(Number(shownP[1]) - 100 * busiest.meanProbability[0]) <= 0.05 + 1e-9, `the cell's mean π ${busiest.meanProbability[0]}: ${tip}`);
    const taken = /taken in ([\d.]+)% of them \((\d+)\)/.exec(tip);
    assert.ok(taken && Number(taken[2]) === busiest.actionCounts[0], `how often the action was taken there (${busiest.actionCounts[0]}): ${tip}`);
    await frame.locator("#mapAction").selectOption("1");
    await waitUntil("the map of the other action", async () => (await frame.locator("#mapTitle").innerText()) !== mapTitle, 10_000);
    await frame.locator("#mapAction").selectOption("0");
    // Screenshots of the panel alone: the hover away, the side bar closed.
    await page.mouse.move(5, 400);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+B");
    await page.locator(".monaco-hover").first().waitFor({ state: "hidden" }).catch(() => {});
    await page.screenshot({ path: path.join(OUT, "explain-panel.png") });
    // The charts section is taller than the panel: a tall window for its screenshot, then back.
    await page.setViewportSize({ width: 1400, height: 2300 });
    await waitUntil("the panel tall enough for the charts", () => frame.evaluate(() => document.querySelector("section.charts").getBoundingClientRect().height + 40 < window.innerHeight), 15_000);
    await frame.locator("section.charts").screenshot({ path: path.join(OUT, "explain-charts.png") });
    await page.setViewportSize({ width: 1400, height: 900 });
    await frame.locator("#conditioningTable").screenshot({ path: path.join(OUT, "explain-conditioning.png") });
    await frame.locator("#replay").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(OUT, "explain-replay.png") });
    lap(`panel open: ${(await summary()).length} sentences, ${await frame.locator("#factTables table").count()} fact tables, ${condRows.length} conditioning rows, charts and replay drawn`);

    // 3. 💬 Explain (code lens): the runtime measures again (default 50 episodes per mode); the same panel shows it.
    await page.locator(".tab", { hasText: "cartpole.rl.ts" }).first().click();
    await explainLens.click();
    await waitUntil("explanation.json rewritten by the runtime", () => readExplanation(runDir).facts.evaluation.episodesPerMode === 50, 60_000);
    await waitUntil("the panel showing the new measurement", async () => /50 episodes per mode/.test(await frame.locator("#meta").innerText()), 30_000);
    assert.equal(await page.locator(".tab", { hasText: "Explanation:" }).count(), 1, "one panel per run");
    lap("💬 Explain re-measured the run through the runtime; the same panel updated");

    // 4. Reload the window: the serializer restores the panel from the page's state.
    await runCommand(page, "Developer: Reload Window");
    await page.waitForEvent("load");
    await page.locator(".monaco-workbench").waitFor();
    await page.locator(".tab", { hasText: `Explanation: ${runId}` }).first().click();
    frame = await findFrame(page, "#summary li", 60_000);
    await waitUntil("the restored panel with the latest explanation", async () => /50 episodes per mode/.test(await frame.locator("#meta").innerText()), 30_000);
    lap("panel restored after reload");

    // 5. The Runs view: the run's tooltip carries the explanation and its link; its context menu offers Explain.
    await page.locator('.activitybar .action-item a[aria-label^="RL Studio"]').first().click();
    const row = page.locator(".pane-body .monaco-list-row", { hasText: runId }).first();
    await row.waitFor({ timeout: 30_000 });
    const tooltip = page.locator(".monaco-hover, .workbench-hover", { hasText: "Deterministic policy: mean return" }).first();
    await waitUntil("the run's tooltip with its explanation", async () => {
      await page.mouse.move(700, 5);
      await row.hover();
      return tooltip.waitFor({ timeout: 4000 }).then(() => true, () => false);
    }, 30_000, 500);
    assert.match(await tooltip.innerText(), /Open explanation/);
    await page.screenshot({ path: path.join(OUT, "explain-runs-tooltip.png") });
    await page.mouse.move(700, 5);
    await row.click({ button: "right" });
    const menu = page.locator(".context-view");
    await menu.locator(".action-item", { hasText: "Explain Policy" }).first().waitFor();
    assert.ok((await menu.locator(".action-item", { hasText: "Open Explanation" }).count()) >= 1, "Open Explanation in the run's context menu");
    await page.keyboard.press("Escape");
    lap("Runs view: tooltip with the summary and link; context menu with Explain Policy / Open Explanation");

    assert.deepEqual([...offbox], [], "no request left 127.0.0.1");
  });
});
