// RL Studio end to end in a real VS Code (code-server): what a new user does.
// New Experiment → Train (command palette) → the dashboard's curve grows, the status bar shows
// step/total, SPS and the last return, a progress notification follows the run → its Cancel stops it
// (status.json and the Runs view say stopped) → Resume from the Runs view's context menu continues the
// same curve → Stop and Resume from the palette → the runtime is killed: a notification (with Show Log)
// and the status bar show the crash, the run is marked failed, the runtime comes back. Screenshots go
// to test/e2e/out/.
// Needs `bash test/e2e/install.sh` and a build (`node scripts/build.mjs`); run: node scripts/test.mjs e2e
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { OUT, findFrame, missingBuild, missingTools, painted, skipUnlessReady, openWorkbench, runCommand, runContextMenuEntry, waitUntil, withCodeServer } from "./harness.mjs";

const skip = skipUnlessReady(missingTools(), missingBuild());

function readJsonl(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });
}

const palette = (page, title, note) => runCommand(page, title, { note });
const readStatus = (runDir) => { try { return JSON.parse(fs.readFileSync(path.join(runDir, "status.json"), "utf8")); } catch { return null; } };

test("e2e: new experiment → train → live dashboard, status bar, progress → cancel → resume → stop → resume → runtime crash recovers", { skip, timeout: 900_000 }, async (t) => {
  await withCodeServer(t, {}, async ({ cs, browser, lap }) => {
    const { page, offbox } = await openWorkbench(browser, cs.url);
    lap("workbench ready");

    // 1. New Experiment → CartPole → name "cartpole": writes cartpole.rl.ts and opens it.
    await palette(page, "RL Studio: New Experiment", lap);
    const pick = page.locator(".quick-input-list .monaco-list-row", { hasText: "CartPole-v1" }).first();
    await pick.waitFor();
    await pick.click();
    const input = page.locator(".quick-input-widget input.input");
    await input.waitFor({ state: "visible" });
    await input.fill("cartpole");
    await page.keyboard.press("Enter");
    const file = path.join(cs.workspace, "cartpole.rl.ts");
    await waitUntil("cartpole.rl.ts written", () => fs.existsSync(file));
    await page.locator(".tab", { hasText: "cartpole.rl.ts" }).first().waitFor();
    assert.match(fs.readFileSync(file, "utf8"), /env: "CartPole-v1"/);
    lap("New Experiment wrote cartpole.rl.ts and opened it");
    // A budget long enough that Stop has something to stop (the template's 100 k steps can finish in seconds).
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("totalTimesteps: 100_000", "totalTimesteps: 5_000_000"));
    // The open editor reloads the file changed on disk: wait until it shows the new budget.
    await page.locator(".monaco-editor .view-lines", { hasText: "5_000_000" }).first().waitFor({ timeout: 60_000 });

    // 2. Train from the palette → dashboard with a growing curve.
    await page.locator(".tab", { hasText: "cartpole.rl.ts" }).first().click();
    await palette(page, "RL Studio: Train Experiment", lap);
    const runsRoot = path.join(cs.workspace, ".rl-studio", "runs");
    const runDir = await waitUntil("a run folder", () => fs.existsSync(runsRoot) && fs.readdirSync(runsRoot).map((d) => path.join(runsRoot, d))[0], 120_000);
    lap(`training: ${path.basename(runDir)}`);
    const card = '[data-metric="charts/episodic_return"]';
    const frame = await findFrame(page, card, 90_000);
    const points = async () => Number((await frame.locator(card).getAttribute("data-points")) ?? 0);
    const lastX = async () => Number((await frame.locator(card).getAttribute("data-last-x")) ?? 0);
    const p1 = await waitUntil("points on the episodic-return chart", async () => ((await points()) > 0 ? points() : 0));
    const p2 = await waitUntil("the curve to grow", async () => { const p = await points(); return p > p1 ? p : 0; });
    assert.ok(p2 > p1, `points grew: ${p1} → ${p2}`);
    const runId = path.basename(runDir);
    // The status bar while training: step/total, SPS and the last return (e.g. "13k/5.0M · 10,630 SPS · R 500.0").
    const trainingItem = page.locator(".statusbar-item", { hasText: /SPS/ }).first();
    const barText = async () => (await trainingItem.innerText().catch(() => "")).replace(/\s+/g, " ").trim();
    const bar = await waitUntil("step/total, SPS and the last return in the status bar", async () => { const x = await barText(); return /^[\d.]+[kM]?\/5\.0M · [\d,]+ SPS · R -?\d+\.\d$/.test(x) ? x : null; }, 30_000);
    assert.ok(Number(bar.split(" · ")[1].replace(/[^\d]/g, "")) > 0, `SPS > 0: ${bar}`);
    lap(`dashboard curve grows (${p1} → ${p2} points); status bar: ${bar}`);

    // 3. The progress notification follows the run; its Cancel button stops it.
    const progressToast = (title) => page.locator(".notification-toast", { hasText: `${title} ${runId}` }).first();
    const trainingToast = progressToast("Training");
    await trainingToast.waitFor({ timeout: 30_000 });
    const toastText = await waitUntil("steps and SPS in the notification", async () => { const x = (await trainingToast.innerText().catch(() => "")).replace(/\s+/g, " "); return /[\d,]+\/[\d,]+ steps · \d+ SPS/.test(x) ? x : null; }, 30_000);
    await page.screenshot({ path: path.join(OUT, "training-progress.png") });
    // The toast re-renders as progress arrives: retry the click if it landed on a replaced element.
    for (let attempt = 1; ; attempt++) {
      await trainingToast.locator(".monaco-button", { hasText: /^Cancel$/ }).first().click({ timeout: 10_000 }).catch(() => {});
      const stopped = await waitUntil("status.json stopped", () => readStatus(runDir)?.state === "stopped", 20_000).then(() => true, () => false);
      if (stopped) break;
      if (attempt === 3) throw new Error("Cancel in the progress notification did not stop the run after 3 clicks");
    }
    // On a loaded machine the editor can be far behind the runtime (one progress message per PPO
    // iteration, dozens a second): the toast and the status bar item go once it has caught up.
    await trainingToast.waitFor({ state: "hidden", timeout: 90_000 });
    await trainingItem.waitFor({ state: "hidden", timeout: 90_000 });
    // The Runs view shows it stopped.
    await page.locator('.activitybar .action-item a[aria-label^="RL Studio"]').first().click();
    const runRow = page.locator(".pane-body .monaco-list-row", { hasText: runId }).first();
    await waitUntil("the Runs view showing the run stopped", async () => /stopped/.test(await runRow.innerText().catch(() => "")), 60_000);
    const stoppedRecords = readJsonl(path.join(runDir, "metrics.jsonl"));
    const stoppedSteps = stoppedRecords.map((r) => r.globalStep);
    const stoppedAt = stoppedSteps[stoppedSteps.length - 1];
    const withReturn = stoppedRecords.filter((r) => Number.isFinite(r.metrics["charts/episodic_return"])).length;
    await waitUntil(`the chart to show all ${withReturn} recorded returns`, async () => (await points()) === withReturn, 120_000);
    const xBefore = await lastX();
    lap(`notification "${toastText.slice(0, 90)}…" → Cancel: stopped at step ${stoppedAt} (${stoppedSteps.length} iterations); Runs view: ${(await runRow.innerText()).replace(/\s+/g, " ")}`);

    // 4. Resume from the Runs view's context menu: the same run folder, the curve continues from the checkpoint.
    await runContextMenuEntry(
      page,
      runRow,
      "Resume Run",
      () => waitUntil("status.json running again", () => readStatus(runDir)?.state === "running", 20_000).then(() => true, () => false),
      "Resume Run from the Runs view's context menu did not resume the run",
    );
    await progressToast("Resuming").locator(".monaco-button", { hasText: /^Cancel$/ }).first().waitFor({ timeout: 30_000 });
    await waitUntil("the Runs view showing the run running", async () => !/stopped/.test(await runRow.innerText().catch(() => "stopped")), 60_000);
    const xAfter = await waitUntil("the curve to continue past the stop", async () => { const x = await lastX(); return x > xBefore ? x : 0; }, 90_000);
    assert.equal(fs.readdirSync(runsRoot).length, 1, "resume continues the same run (no new run folder)");
    const steps = readJsonl(path.join(runDir, "metrics.jsonl")).map((r) => r.globalStep);
    for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1], `metrics.jsonl steps strictly increase (line ${i + 1}: ${steps[i - 1]} → ${steps[i]})`);
    assert.ok(steps.length > stoppedSteps.length, "new iterations after resume");
    lap(`resumed from the Runs view: curve continues ${xBefore} → ${xAfter}`);

    // 5. Stop and Resume from the command palette.
    await palette(page, "RL Studio: Stop Run", lap);
    await waitUntil("status.json stopped", () => readStatus(runDir)?.state === "stopped", 60_000);
    const xStopped = await waitUntil("the chart to show every recorded return", async () => {
      const n = readJsonl(path.join(runDir, "metrics.jsonl")).filter((r) => Number.isFinite(r.metrics["charts/episodic_return"])).length;
      return (await points()) === n ? lastX() : 0;
    }, 120_000);
    lap(`palette Stop: stopped at x ${xStopped}`);
    await palette(page, "RL Studio: Resume Run", lap);
    await waitUntil("status.json running again", () => readStatus(runDir)?.state === "running", 60_000);
    const xResumed = await waitUntil("the curve to continue", async () => { const x = await lastX(); return x > xStopped ? x : 0; }, 90_000);
    lap(`palette Stop → Resume: curve continues ${xStopped} → ${xResumed}`);
    await painted(frame);
    await page.screenshot({ path: path.join(OUT, "dashboard.png") });

    // 5. Kill the runtime while it trains: the status bar shows the crash, the run is marked failed, the runtime comes back.
    const runtimePid = readStatus(runDir)?.pid;
    assert.ok(Number.isInteger(runtimePid) && runtimePid > 0, "status.json names the runtime's pid");
    // The crashed state lasts one backoff second (restartDelayMs(1)); on a loaded machine the workbench
    // can render it and the restart within one frame, so every text the health item takes is recorded.
    await page.evaluate(() => {
      const seen = (window.__rlHealthTexts = []);
      const bar = document.querySelector(".part.statusbar");
      const note = (text) => { const t = (text ?? "").replace(/\s+/g, " ").trim(); if (/RL runtime/.test(t) && seen[seen.length - 1] !== t) seen.push(t); };
      new MutationObserver((records) => {
        for (const r of records) {
          for (const n of r.removedNodes) note(n.textContent);
          if (r.type === "characterData") note(r.oldValue);
        }
        for (const item of bar.querySelectorAll(".statusbar-item")) note(item.textContent);
      }).observe(bar, { subtree: true, childList: true, characterData: true, characterDataOldValue: true });
    });
    process.kill(runtimePid, "SIGKILL");
    const toast = page.locator(".notification-toast", { hasText: "the runtime process was killed" }).first();
    await toast.waitFor({ timeout: 30_000 });
    assert.ok(await toast.locator(".monaco-button", { hasText: "Show Log" }).count(), "the crash notification links to the log");
    await page.screenshot({ path: path.join(OUT, "runtime-crashed.png") });
    const healthTexts = await waitUntil("the status bar to show the crash", async () => { const h = await page.evaluate(() => window.__rlHealthTexts); return h.some((x) => /RL runtime crashed/.test(x)) ? h : null; }, 30_000);
    lap(`crash notification shown; status bar went ${JSON.stringify(healthTexts)}`);
    await page.locator(".statusbar-item", { hasText: /^\s*RL runtime\s*$/ }).first().waitFor({ timeout: 60_000 });
    await waitUntil("the killed run marked failed", () => readStatus(runDir)?.state === "failed", 30_000);
    assert.match(readStatus(runDir).error ?? "", /runtime process died/);
    lap("runtime restarted; run marked failed (resumable)");
    await page.screenshot({ path: path.join(OUT, "recovered.png") });

    assert.deepEqual([...offbox], [], "no request left 127.0.0.1");
  });
});
