// Sub-goals on the dashboard in a real VS Code: a MountainCar run with four hand-written sub-goals
// (examples/mountaincar-subgoals.rl.ts, trained by the CLI as a user would from a terminal) opened with
// Open Dashboard shows a subgoals/ section after reward/, one card per sub-goal titled as the share of
// episodes that reached it, each drawing every value the run logged, on a y axis fixed to [0, 1] (read
// back from the tick labels chart.js paints on the canvas). Screenshot: test/e2e/out/subgoals-dashboard.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { OUT, ROOT, findFrame, missingBuild, missingTools, painted, skipUnlessReady, openWorkbench, runCommand, waitUntil, withCodeServer } from "./harness.mjs";

const skip = skipUnlessReady(missingTools(), missingBuild(["dist/cli.js"]));
const SUBGOALS = ["buildSpeed", "swingLeft", "climbRight", "nearFlag"];

test("e2e: the dashboard draws one curve per sub-goal, the share of episodes that reached it", { skip, timeout: 600_000 }, async (t) => {
  const prepare = (ws) => {
    execFileSync(process.execPath, [path.join(ROOT, "dist/cli.js"), "train", "mc.rl.ts", "--total-timesteps", "8192"], { cwd: ws, stdio: "pipe", env: { ...process.env, NODE_OPTIONS: "" } });
  };
  const files = { "mc.rl.ts": fs.readFileSync(path.join(ROOT, "examples/mountaincar-subgoals.rl.ts"), "utf8") };
  await withCodeServer(t, { files, prepare }, async ({ cs, browser, lap }) => {
    const runsRoot = path.join(cs.workspace, ".rl-studio", "runs");
    const [runId] = fs.readdirSync(runsRoot);
    const records = fs.readFileSync(path.join(runsRoot, runId, "metrics.jsonl"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    const logged = (name) => records.filter((r) => Number.isFinite(r.metrics[`subgoals/${name}`])).length;
    for (const name of SUBGOALS) assert.ok(logged(name) > 0, `the run logged subgoals/${name}`);
    lap(`CLI run ${runId}: ${records.length} records`);

    const { page } = await openWorkbench(browser, cs.url);
    await runCommand(page, "RL Studio: Open Dashboard");
    const card = (name) => `[data-metric="subgoals/${name}"]`;
    const frame = await findFrame(page, card(SUBGOALS[0]), 60_000);
    for (const name of SUBGOALS) {
      const c = frame.locator(card(name));
      await waitUntil(`${name}'s curve drawn`, async () => Number(await c.getAttribute("data-points")) === logged(name), 30_000);
      assert.equal((await c.locator("figcaption span").textContent()).trim(), `subgoals/${name} (share of episodes that reached it)`);
      const lines = ((await c.getAttribute("data-datasets")) ?? "").split("\n").filter((l) => l && !l.includes("(raw)"));
      assert.deepEqual(lines, [lines[0]], `one curve for the one run: ${JSON.stringify(lines)}`);
    }
    const groups = await frame.locator("section.group:not([hidden])").evaluateAll((els) => els.map((e) => e.dataset.group));
    assert.ok(groups.indexOf("reward") >= 0 && groups.indexOf("subgoals") === groups.indexOf("reward") + 1, `subgoals/ right after reward/: ${JSON.stringify(groups)}`);
    lap(`sections ${JSON.stringify(groups)}; a card per sub-goal`);

    // The y axis of a sub-goal card spans [0, 1] whatever the run reached: record the texts chart.js
    // paints, make it redraw, and read the tick labels off the left.
    await frame.evaluate(() => {
      window.__rlTexts = [];
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
        window.__rlTexts.push({ metric: this.canvas.closest("figure")?.dataset.metric, text: String(text), align: this.textAlign });
        return fillText.call(this, text, x, y, ...rest);
      };
    });
    await frame.locator("#smoothing").fill("0.5");
    await painted(frame);
    // A sub-goal whose logged rates stay clear of 0 or of 1, so an axis fitted to the data would not span [0, 1].
    const values = (name) => records.map((r) => r.metrics[`subgoals/${name}`]).filter(Number.isFinite);
    const telling = SUBGOALS.find((name) => Math.max(...values(name)) < 0.8 || Math.min(...values(name)) > 0.2);
    assert.ok(telling, `a sub-goal whose rates do not span [0, 1]: ${JSON.stringify(SUBGOALS.map((n) => [Math.min(...values(n)), Math.max(...values(n))]))}`);
    const metric = `subgoals/${telling}`;
    const yTicks = await waitUntil("the y ticks repainted", async () => {
      // The y axis's labels sit left of it, right-aligned (the x axis's are centred under their ticks).
      const drawn = await frame.evaluate((m) => window.__rlTexts.filter((r) => r.metric === m && r.align === "right"), metric);
      return drawn.length === 0 ? null : [...new Set(drawn.map((r) => Number(r.text)))].sort((a, b) => a - b);
    }, 10_000);
    assert.equal(yTicks[0], 0, `y from 0: ${JSON.stringify(yTicks)}`);
    assert.equal(yTicks[yTicks.length - 1], 1, `y to 1: ${JSON.stringify(yTicks)}`);
    lap(`${metric} (rates ${Math.min(...values(telling)).toFixed(2)}…${Math.max(...values(telling)).toFixed(2)}) y ticks ${JSON.stringify(yTicks)}`);
    await page.screenshot({ path: path.join(OUT, "subgoals-dashboard.png") });
  });
});
