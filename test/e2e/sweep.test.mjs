// Sweeps end to end in a real VS Code (code-server): Run Sweep from the palette (seeds, a
// hyperparameter picked, its values) → the sweep page fills its table (one row per configuration,
// mean ± std over seeds) and its parallel coordinates, members live to completed → the Runs view
// shows the members grouped under their sweep. Screenshots of a failure go to test/e2e/out/.
// Needs `bash test/e2e/install.sh` and a build; run: node --import tsx --test test/e2e/sweep.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { findFrame, missingBuild, missingTools, openFile, openWorkbench, runCommand, waitUntil, withCodeServer } from "./harness.mjs";

const missing = missingTools() ?? missingBuild();

const EXPERIMENT = `import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "sweep-e2e",
  env: "CartPole-v1",
  algorithm: "ppo",
  hyperparameters: { totalTimesteps: 640, numEnvs: 2, numSteps: 16 },
  seed: 1,
});
`;

test("e2e: Run Sweep from the palette → sweep page table and parallel coordinates → members grouped under the sweep in the Runs view", { skip: missing ?? false, timeout: 420_000 }, async (t) => {
  await withCodeServer(t, { files: { "package.json": "{}\n", "sweep.rl.ts": EXPERIMENT } }, async ({ cs, browser, lap }) => {
    const { page } = await openWorkbench(browser, cs.url);
    lap("workbench ready");
    await openFile(page, "sweep.rl.ts");
    // The Run Sweep code lens is there (the language server is up).
    await page.locator(".monaco-editor .codelens-decoration a", { hasText: "Run Sweep" }).first().waitFor({ timeout: 90_000 });
    lap("Run Sweep code lens shown");

    await runCommand(page, "RL Studio: Run Sweep", { note: lap });
    const input = page.locator(".quick-input-widget input.input");
    await input.waitFor({ state: "visible" });
    await waitUntil("the seeds prompt", async () => /Seeds/.test(await page.locator(".quick-input-widget").innerText().catch(() => "")));
    await input.fill("1-2");
    await page.keyboard.press("Enter");
    // The hyperparameters to vary: a multi-select pick; check learningRate, then OK.
    const lrRow = page.locator(".quick-input-list .monaco-list-row", { hasText: "learningRate" }).first();
    await lrRow.waitFor();
    await input.fill("learningRate");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "learningRate" }).first().locator(".quick-input-list-checkbox, input[type=checkbox], .monaco-checkbox").first().click();
    await page.keyboard.press("Enter");
    await waitUntil("the values prompt", async () => /Values of learningRate/.test(await page.locator(".quick-input-widget").innerText().catch(() => "")));
    await input.fill("1e-3,3e-4");
    await page.keyboard.press("Enter");
    lap("Run Sweep: seeds 1-2, learningRate 1e-3,3e-4");

    const sweepsRoot = path.join(cs.workspace, ".rl-studio", "sweeps");
    const sweepId = await waitUntil("the sweep folder", () => fs.existsSync(sweepsRoot) && fs.readdirSync(sweepsRoot).find((d) => fs.existsSync(path.join(sweepsRoot, d, "sweep.json"))), 60_000);
    const manifest = JSON.parse(fs.readFileSync(path.join(sweepsRoot, sweepId, "sweep.json"), "utf8"));
    assert.equal(manifest.members.length, 4);
    lap(`sweep ${sweepId} created`);

    // The sweep page: members go live to completed; the table has one row per configuration.
    const frame = await findFrame(page, "#members tbody tr", 90_000);
    await waitUntil(
      "every member completed on the sweep page",
      async () => (await frame.locator('#members tbody tr[data-state="completed"]').count()) === 4,
      240_000,
      1000,
    );
    const rows = frame.locator("#configs tbody tr.config");
    await waitUntil("two configuration rows", async () => (await rows.count()) === 2);
    const headers = await frame.locator("#configs thead th").allInnerTexts();
    assert.ok(headers.some((h) => h.startsWith("learningRate")), headers.join("|"));
    assert.ok(headers.some((h) => h.startsWith("final mean return")), headers.join("|"));
    const text = (await rows.allInnerTexts()).join("\n");
    assert.match(text, /0\.001/);
    assert.match(text, /0\.0003/);
    assert.match(text, /\d+\.\d ± \d+\.\d/, "mean ± std over the two seeds");
    assert.match(text, /2\/2/, "both seeds of each configuration completed");
    assert.equal(await frame.locator("#parcoords polyline").count(), 2, "one line per configuration in the parallel coordinates");
    // Sorting by a column reorders (ascending vs descending final mean return).
    const finalHeader = frame.locator("#configs thead th", { hasText: "final mean return" });
    const order = async () => (await rows.allInnerTexts()).map((r) => r.split("\t")[0]).join(",");
    const before = await order();
    await finalHeader.click();
    await waitUntil("the table re-sorted", async () => (await order()) !== before, 10_000);
    lap(`sweep page: ${before} → sorted ${await order()}`);

    // The Runs view: the members under their sweep, with its live count.
    await page.locator('.activitybar .action-item a[aria-label^="RL Studio"]').first().click();
    const sweepRow = page.locator(".pane-body .monaco-list-row", { hasText: `sweep ${sweepId}` }).first();
    await waitUntil("the sweep row with 4/4 completed", async () => /4\/4 completed/.test(await sweepRow.innerText().catch(() => "")), 60_000);
    const memberRows = page.locator(".pane-body .monaco-list-row", { hasText: "learningRate=" });
    await waitUntil("4 member rows", async () => (await memberRows.count()) === 4, 30_000);
    const memberTexts = (await memberRows.allInnerTexts()).map((s) => s.replace(/\s+/g, " "));
    assert.match(memberTexts[0], /learningRate=0\.001 · seed 1 · #0/);
    assert.match(memberTexts[3], /learningRate=0\.0003 · seed 2 · #3/);
    // Grouped: the sweep row sits above its members, one level up.
    const level = async (loc) => Number(await loc.getAttribute("aria-level"));
    assert.equal(await level(memberRows.first()), (await level(sweepRow)) + 1);
    lap(`Runs view: ${(await sweepRow.innerText()).replace(/\s+/g, " ")}; ${memberTexts.length} members below it`);
  });
});
