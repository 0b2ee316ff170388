// The dashboard's analysis features in a real VS Code, on two runs the CLI made beforehand (seeds 1
// and 2 of the same experiment, as `npx rl-studio train` leaves them): Compare Runs overlays both,
// Group seeds draws one mean curve with a ±std band, the smoothing slider changes the drawn curve,
// the x axis switches to wall time and back (data, tick labels, tooltip), hovering shows a tooltip with
// the recorded value, Export CSV writes a file with the expected header, a card's PNG button saves an
// image of the chart, the dashboard's state survives a window reload
// (webview serializer + getState), and Delete Run (Runs view context menu, with its confirmation)
// removes the run folder, and Stop Run (Runs view context menu) stops a run that `rl-studio train`
// trains in a terminal: the CLI checkpoints, exits 130, and the Runs view says stopped.
// Screenshots: test/e2e/out/dash-*.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { OUT, ROOT, findFrame, missingBuild, missingTools, painted, skipUnlessReady, openWorkbench, runCommand, runContextMenuEntry, waitUntil, withCodeServer } from "./harness.mjs";

const skip = skipUnlessReady(missingTools(), missingBuild(["dist/cli.js"]));
const CARD = '[data-metric="charts/episodic_return"]';

function readRecords(runDir) {
  return fs.readFileSync(path.join(runDir, "metrics.jsonl"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function returnsIn(runDir) {
  return fs.readFileSync(path.join(runDir, "metrics.jsonl"), "utf8").split("\n").filter((l) => l.trim())
    .filter((l) => Number.isFinite(JSON.parse(l).metrics["charts/episodic_return"])).length;
}

test("e2e: dashboard compares runs, groups seeds, smooths, x by wall time, tooltips, exports CSV and PNG, survives a reload; Delete Run removes the folder; Stop Run stops a terminal's run", { skip, timeout: 600_000 }, async (t) => {
  const runsRoot = (ws) => path.join(ws, ".rl-studio", "runs");
  const prepare = (ws) => {
    // Two tiny CLI runs differing only by seed, as a user would make them from a terminal.
    for (const seed of [1, 2]) {
      execFileSync(process.execPath, [path.join(ROOT, "dist/cli.js"), "train", "cartpole.rl.ts", "--seed", String(seed), "--total-timesteps", "4096"], { cwd: ws, stdio: "pipe", env: { ...process.env, NODE_OPTIONS: "" } });
    }
  };
  await withCodeServer(t, { files: { "cartpole.rl.ts": fs.readFileSync(path.join(ROOT, "examples/cartpole.rl.ts"), "utf8") }, prepare }, async ({ cs, browser, lap }) => {
    const runIds = fs.readdirSync(runsRoot(cs.workspace)).sort();
    assert.equal(runIds.length, 2, "the CLI made two runs");
    const [run1, run2] = runIds.map((id) => path.join(runsRoot(cs.workspace), id));
    const [n1, n2] = [returnsIn(run1), returnsIn(run2)];
    lap(`CLI runs: ${runIds.join(", ")} (${n1} and ${n2} episodic-return points)`);
    const { page, offbox } = await openWorkbench(browser, cs.url);

    // 1. Compare Runs: pick both → the dashboard overlays them.
    await runCommand(page, "RL Studio: Compare Runs");
    for (const id of runIds) {
      // In a multi-select pick, clicking a row toggles its checkbox.
      const row = page.locator(".quick-input-list .monaco-list-row", { hasText: id }).first();
      await row.click();
      await waitUntil(`${id} checked`, async () => (await row.getAttribute("aria-checked")) === "true", 5000);
    }
    await page.keyboard.press("Enter");
    let frame = await findFrame(page, CARD, 60_000);
    const card = () => frame.locator(CARD);
    const attr = async (name) => (await card().getAttribute(name)) ?? "";
    const datasets = async () => (await attr("data-datasets")).split("\n").filter(Boolean);
    await waitUntil("both runs drawn", async () => Number(await attr("data-points")) === n1 + n2, 30_000);
    const overlaid = await datasets();
    for (const id of runIds) assert.ok(overlaid.some((l) => l.includes(id) && !l.includes("(raw)")), `a curve for ${id}: ${JSON.stringify(overlaid)}`);
    assert.equal(await frame.locator("#runs input[type=checkbox]:checked").count(), 2, "both runs selected");
    await page.screenshot({ path: path.join(OUT, "dash-compare.png") });
    lap(`Compare Runs overlays both: ${JSON.stringify(overlaid)}`);

    // 2. Group seeds → one mean curve with a ±std band.
    await frame.locator("#groupSeeds").check();
    await waitUntil("a mean curve with a band", async () => (await datasets()).some((l) => /\(2 seeds\) mean$/.test(l)), 10_000);
    const grouped = await datasets();
    assert.deepEqual(grouped.map((l) => l.replace(/^.*\(2 seeds\) /, "")).sort(), ["+std", "mean", "−std"].sort(), `one group of 2 seeds: ${JSON.stringify(grouped)}`);
    await painted(frame);
    await card().screenshot({ path: path.join(OUT, "dash-seeds.png") });
    lap(`Group seeds: ${JSON.stringify(grouped)}`);
    await frame.locator("#groupSeeds").uncheck();

    // 3. Smoothing: the slider changes the drawn curve (the canvas pixels), 0 drops the faint raw copy.
    const pixels = () => card().locator("canvas").evaluate((c) => c.toDataURL("image/png"));
    await waitUntil("curves per run again", async () => !(await datasets()).some((l) => l.includes("seeds")), 10_000);
    const atDefault = await pixels();
    assert.equal(await frame.locator("#smoothing").inputValue(), "0.6", "default smoothing");
    await frame.locator("#smoothing").fill("0");
    await waitUntil("no raw copies at smoothing 0", async () => !(await datasets()).some((l) => l.includes("(raw)")), 10_000);
    await painted(frame);
    const atZero = await pixels();

    // 3b. At smoothing 0 the drawn points are the recorded ones. chart.js paints axis ticks and the
    // tooltip on the canvas, so the page's fillText calls are recorded (text and device position) to
    // read them back. X axis by wall time: the data, the tick labels and the tooltip follow, and back.
    await frame.evaluate(() => {
      if (window.__rlTexts) return;
      window.__rlTexts = [];
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
        const m = this.getTransform();
        window.__rlTexts.push({ metric: this.canvas.closest("figure")?.dataset.metric, axis: document.getElementById("xAxis").value, text: String(text), y: m.b * x + m.d * y + m.f });
        if (window.__rlTexts.length > 5000) window.__rlTexts.splice(0, 1000);
        return fillText.call(this, text, x, y, ...rest);
      };
    });
    const texts = (axis) => frame.evaluate(([m, a]) => window.__rlTexts.filter((r) => r.metric === m && r.axis === a), [CARD.replace(/^.*="|"]$/g, ""), axis]);
    const clearTexts = () => frame.evaluate(() => (window.__rlTexts.length = 0));
    const parseTick = (s) => { const m = /^(-?[\d.]+(?:e[-+]?\d+)?)([kM]?)$/.exec(s); return m ? Number(m[1]) * (m[2] === "k" ? 1e3 : m[2] === "M" ? 1e6 : 1) : NaN; };
    /** The x axis's tick labels: the bottom row of the texts drawn with the axis `axis` selected. */
    const xTicks = async (axis) => {
      const drawn = (await texts(axis)).filter((r) => Number.isFinite(parseTick(r.text)));
      const bottom = Math.max(...drawn.map((r) => r.y));
      return [...new Set(drawn.filter((r) => r.y > bottom - 2).map((r) => r.text))];
    };
    const returnRecords = runIds.map((id) => readRecords(path.join(runsRoot(cs.workspace), id)).filter((r) => Number.isFinite(r.metrics["charts/episodic_return"])));
    const lastOf = (key) => Math.max(...returnRecords.map((rs) => rs[rs.length - 1][key]));
    const box = await card().locator("canvas").boundingBox();
    // Off the canvas onto the card's caption: chart.js hides its tooltip on mouseout.
    const away = () => page.mouse.move(box.x + 20, box.y - 10, { steps: 2 });
    /** Hover the middle of the chart until chart.js draws its tooltip; returns its title and lines. Re-hovers on a lost mousemove. */
    const tooltip = async (axis) => {
      for (let attempt = 1; ; attempt++) {
        await away();
        await clearTexts();
        await page.mouse.move(box.x + box.width * (0.45 + 0.05 * attempt), box.y + box.height * 0.5, { steps: 4 });
        const shown = await waitUntil("the tooltip", async () => {
          // The last tooltip drawn: its title, then one line per run near that x.
          const drawn = (await texts(axis)).map((r) => r.text);
          const at = drawn.findLastIndex((x) => /^(step|wall s) /.test(x));
          const lines = drawn.slice(at + 1).filter((x) => runIds.some((id) => x.startsWith(`${id}: `)));
          return at >= 0 && lines.length > 0 ? { title: drawn[at], lines } : null;
        }, 3000).catch(() => null);
        if (shown) return shown;
        if (attempt === 4) throw new Error("no tooltip after hovering the chart 4 times");
      }
    };
    await away();
    await clearTexts();
    await frame.locator("#xAxis").selectOption("wall");
    await waitUntil("x = wall seconds", async () => Math.abs(Number(await attr("data-last-x")) - lastOf("wallSeconds")) < 1e-9, 10_000);
    const wallTicks = await waitUntil("wall-time tick labels", async () => { const x = await xTicks("wall"); return x.length >= 2 ? x : null; }, 10_000);
    assert.ok(wallTicks.every((x) => parseTick(x) <= Math.ceil(lastOf("wallSeconds") * 2)), `wall-time ticks in seconds: ${wallTicks}`);
    const wallTip = await tooltip("wall");
    assert.match(wallTip.title, /^wall s [\d.]+/, "the tooltip's x is wall time");
    await card().screenshot({ path: path.join(OUT, "dash-wall-time.png") });
    await away();
    await clearTexts();
    await frame.locator("#xAxis").selectOption("step");
    await waitUntil("x = global step again", async () => Number(await attr("data-last-x")) === lastOf("globalStep"), 10_000);
    const stepTicks = await waitUntil("step tick labels", async () => { const x = await xTicks("step"); return x.length >= 2 ? x : null; }, 10_000);
    assert.ok(stepTicks.some((x) => /k$/.test(x)) && Math.max(...stepTicks.map(parseTick)) >= 1000, `step ticks in thousands: ${stepTicks}`);
    assert.notDeepEqual(stepTicks, wallTicks, "the x axis changed");
    // 3c. The tooltip: the step and, per run, the value recorded there (smoothing 0: the raw value).
    const tip = await tooltip("step");
    assert.match(tip.title, /^step [\d.]+k?$/, "the tooltip's x is the step");
    const tipStep = parseTick(tip.title.slice("step ".length));
    assert.ok(tip.lines.length <= runIds.length, `one line per run: ${JSON.stringify(tip.lines)}`);
    for (const line of tip.lines) {
      const [id, value] = line.split(": ");
      const recorded = returnRecords[runIds.indexOf(id)].filter((r) => Number(r.metrics["charts/episodic_return"].toPrecision(5)) === Number(value));
      assert.ok(recorded.some((r) => Math.abs(r.globalStep - tipStep) <= 0.05 * tipStep), `${line}: the return ${id}'s metrics.jsonl records near step ${tipStep}`);
    }
    await card().screenshot({ path: path.join(OUT, "dash-tooltip.png") });
    await away();
    lap(`x axis: wall ticks ${JSON.stringify(wallTicks)} (tooltip "${wallTip.title}"), step ticks ${JSON.stringify(stepTicks)}; tooltip ${JSON.stringify(tip)}`);
    await frame.locator("#smoothing").fill("0.95");
    await waitUntil("raw copies behind smoothed curves", async () => (await datasets()).some((l) => l.includes("(raw)")), 10_000);
    await painted(frame);
    const atHigh = await pixels();
    assert.notEqual(atZero, atDefault, "smoothing 0.6 → 0 redraws the curve");
    assert.notEqual(atHigh, atZero, "smoothing 0 → 0.95 redraws the curve");
    assert.equal(await frame.locator("#smoothingValue").innerText(), "0.95");
    await card().screenshot({ path: path.join(OUT, "dash-smoothing-095.png") });
    lap("smoothing slider redraws the curve");

    // 4. Export CSV → VS Code's save dialog (prefilled with the workspace) → the file.
    await frame.locator("#exportCsv").click();
    const input = page.locator(".quick-input-widget input.input");
    await waitUntil("the save dialog", async () => (await input.isVisible()) && /rl-studio-metrics\.csv$/.test(await input.inputValue()), 30_000);
    await page.keyboard.press("Enter");
    const csvFile = path.join(cs.workspace, "rl-studio-metrics.csv");
    await waitUntil("the CSV file", () => fs.existsSync(csvFile) && fs.statSync(csvFile).size > 0, 30_000);
    const csv = fs.readFileSync(csvFile, "utf8").split("\n");
    assert.equal(csv[0], "run,global_step,wall_seconds,metric,value");
    for (const id of runIds) assert.ok(csv.some((l) => l.startsWith(`${id},`) && l.includes(",charts/episodic_return,")), `CSV has ${id}'s returns`);
    lap(`Export CSV wrote ${csv.length - 2} rows`);

    // 4b. The card's PNG button → the save dialog → an image of the chart (the canvas's size).
    await card().locator("figcaption button", { hasText: "PNG" }).click();
    await waitUntil("the PNG save dialog", async () => (await input.isVisible()) && /charts_episodic_return\.png$/.test(await input.inputValue()), 30_000);
    await page.keyboard.press("Enter");
    const pngFile = path.join(cs.workspace, "charts_episodic_return.png");
    await waitUntil("the PNG file", () => fs.existsSync(pngFile) && fs.statSync(pngFile).size > 0, 30_000);
    const png = fs.readFileSync(pngFile);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
    assert.equal(png.subarray(12, 16).toString("latin1"), "IHDR");
    const canvasSize = await card().locator("canvas").evaluate((c) => [c.width, c.height]);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], canvasSize, "the image is the chart's canvas");
    assert.ok(png.length > 5000, `a drawn chart, not a blank image (${png.length} bytes)`);
    lap(`Export PNG wrote ${png.length} bytes, ${canvasSize.join("×")}`);

    // 5. Hide run 2, then reload the window: the serializer restores the panel, getState the controls.
    await frame.locator(`#runs label[data-run-id="${runIds[1]}"] input`).uncheck();
    await waitUntil("only run 1 drawn", async () => Number(await attr("data-points")) === n1, 10_000);
    await runCommand(page, "Developer: Reload Window");
    await page.waitForEvent("load");
    await page.locator(".monaco-workbench").waitFor();
    lap("window reloaded");
    frame = await findFrame(page, CARD, 60_000);
    await waitUntil("the restored dashboard drawing run 1 only", async () => Number(await attr("data-points")) === n1, 30_000);
    assert.equal(await frame.locator("#smoothing").inputValue(), "0.95", "smoothing restored");
    assert.equal(await frame.locator(`#runs label[data-run-id="${runIds[1]}"] input`).isChecked(), false, "run 2 still hidden");
    assert.equal(await frame.locator(`#runs label[data-run-id="${runIds[0]}"] input`).isChecked(), true, "run 1 still shown");
    await page.screenshot({ path: path.join(OUT, "dash-restored.png") });
    lap("dashboard restored after reload with its selection and smoothing");

    // 6. Delete Run from the Runs view's context menu, confirmed in the modal dialog.
    await page.locator('.activitybar .action-item a[aria-label^="RL Studio"]').first().click();
    const item = page.locator(".pane-body .monaco-list-row", { hasText: runIds[1] }).first();
    await item.waitFor({ timeout: 30_000 });
    const dialog = page.locator(".monaco-dialog-box");
    await runContextMenuEntry(page, item, "Delete Run", () => dialog.waitFor({ timeout: 10_000 }).then(() => true, () => false), "the Delete Run confirmation never appeared");
    assert.match(await dialog.innerText(), new RegExp(`Delete run ${runIds[1]}\\?`));
    await page.screenshot({ path: path.join(OUT, "dash-delete-confirm.png") });
    await dialog.locator(".monaco-button", { hasText: /^Delete$/ }).first().click();
    // code-server's file system has no trash: the extension asks once more before deleting for good.
    const permanently = page.locator(".monaco-dialog-box .monaco-button", { hasText: "Delete Permanently" }).first();
    await waitUntil("the folder deleted, or the permanent-delete question", async () => !fs.existsSync(run2) || (await permanently.isVisible()), 30_000);
    if (fs.existsSync(run2)) {
      assert.match(await dialog.innerText(), /trash is not available/);
      await page.screenshot({ path: path.join(OUT, "dash-delete-permanently.png") });
      await permanently.click();
    }
    await waitUntil("the run folder removed", () => !fs.existsSync(run2), 30_000);
    assert.ok(fs.existsSync(run1), "the other run is untouched");
    await waitUntil("the Runs view without it", async () => (await page.locator(".pane-body .monaco-list-row", { hasText: runIds[1] }).count()) === 0, 15_000);
    await waitUntil("the dashboard without it", async () => (await frame.locator(`#runs label[data-run-id="${runIds[1]}"]`).count()) === 0, 15_000);
    await page.screenshot({ path: path.join(OUT, "dash-deleted.png") });
    lap("Delete Run removed the folder, the tree item and the dashboard entry");

    // 7. Stop Run on a run a terminal trains (`rl-studio train`, not the extension's runtime): the
    // extension asks the CLI to stop as Ctrl-C would; it checkpoints, writes "stopped" and exits 130.
    const before = new Set(fs.readdirSync(runsRoot(cs.workspace)));
    const cli = spawn(process.execPath, [path.join(ROOT, "dist/cli.js"), "train", "cartpole.rl.ts", "--seed", "3", "--total-timesteps", "20000000", "--json"], { cwd: cs.workspace, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
    let cliOut = "";
    let cliErr = "";
    cli.stdout.on("data", (d) => (cliOut += d));
    cli.stderr.on("data", (d) => (cliErr += d));
    const cliExit = new Promise((res) => cli.on("close", (code, signal) => res({ code, signal })));
    t.after(() => { if (cli.exitCode === null) cli.kill("SIGKILL"); });
    const termDir = await waitUntil("the terminal's run training", () => {
      const id = fs.readdirSync(runsRoot(cs.workspace)).find((n) => !before.has(n));
      if (!id) return null;
      const dir = path.join(runsRoot(cs.workspace), id);
      try { return JSON.parse(fs.readFileSync(path.join(dir, "status.json"), "utf8")).state === "running" && fs.existsSync(path.join(dir, "metrics.jsonl")) ? dir : null; } catch { return null; }
    }, 60_000);
    const termId = path.basename(termDir);
    // The Runs view lists run folders when asked (its Refresh button; the command is not in the palette).
    const termRow = page.locator(".pane-body .monaco-list-row", { hasText: termId }).first();
    await waitUntil(`${termId} in the Runs view`, async () => {
      // The view's title bar (the container's, as it holds one view); its actions show on hover.
      const refresh = page.locator('.action-label[aria-label^="Refresh Runs"]').first();
      await page.locator(".part.sidebar .composite.title, .part.sidebar .pane-header").first().hover().catch(() => {});
      await refresh.click({ timeout: 5000 }).catch(() => {});
      return termRow.waitFor({ timeout: 5000 }).then(() => true, () => false);
    }, 60_000, 0);
    await runContextMenuEntry(
      page,
      termRow,
      "Stop Run",
      () => waitUntil("the CLI stopping", () => /stopping after this iteration/.test(cliErr) || cli.exitCode !== null, 10_000).then(() => true, () => false),
      `Stop Run on ${termId} did not reach the CLI`,
    );
    const exited = await cliExit;
    assert.equal(exited.code, 130, `the CLI exits 130 as after Ctrl-C: ${cliErr.slice(-500)}`);
    assert.equal(JSON.parse(cliOut.trimEnd().split("\n").at(-1)).status, "stopped");
    const termStatus = JSON.parse(fs.readFileSync(path.join(termDir, "status.json"), "utf8"));
    assert.equal(termStatus.state, "stopped");
    assert.ok(fs.existsSync(path.join(termDir, "checkpoint.bin")), "a checkpoint to resume from");
    const toast = page.locator(".notification-toast", { hasText: `stopped ${termId} at step` }).first();
    await toast.waitFor({ timeout: 30_000 });
    await waitUntil("the Runs view showing the terminal's run stopped", async () => /stopped/.test(await termRow.innerText().catch(() => "")), 30_000);
    await page.screenshot({ path: path.join(OUT, "dash-stop-terminal-run.png") });
    lap(`Stop Run on the terminal's run ${termId}: CLI exit 130 at step ${termStatus.globalStep}; "${(await toast.innerText()).replace(/\s+/g, " ").slice(0, 120)}"; Runs view: ${(await termRow.innerText()).replace(/\s+/g, " ")}`);

    assert.deepEqual([...offbox], [], "no request left 127.0.0.1");
  });
});
