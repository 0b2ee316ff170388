// Apply Evolved Reward in a real VS Code (code-server) edits only files inside the workspace:
// evolution.json is a file on disk like any other, so the experiment file it names is checked first.
// (1) A saved evolution naming an experiment file in a sibling folder whose name starts with the
//     workspace's ("workspace-other/", the string-prefix trick) → an error naming the file, no diff,
//     the file unchanged. (2) One naming a file inside the workspace that is a link to that outside
//     file → refused as leading through a link, the file unchanged. Needs no model: the refusal comes
//     before anything is validated or opened.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ROOT, missingBuild, missingTools, openWorkbench, runCommand, skipUnlessReady, waitUntil, withCodeServer } from "./harness.mjs";

const skip = skipUnlessReady(missingTools(), missingBuild());
const SOURCE = fs.readFileSync(path.join(ROOT, "examples/cartpole.rl.ts"), "utf8");

/** A finished evolution (the runtime's evolution.json format) whose winner is to be written into `experimentPath`. */
function saveEvolution(workspace, experimentPath) {
  const id = "outside-e2e";
  const dir = path.join(workspace, ".rl-studio/evolutions", id);
  const winner = {
    iteration: 1, index: 1, components: [{ name: "alive", code: "envReward" }], rationale: "", repaired: false, status: "trained", fitness: 20,
    successRate: 0, episodes: 10, globalStep: 1024, wallSeconds: 1, code: "reward: ({ envReward }) => ({ alive: envReward }),", curves: [],
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "evolution.json"), JSON.stringify({
    id, dir, experimentPath, envId: "CartPole-v1", status: "completed", candidatesPerIteration: 1, iterations: 1, budget: 1024,
    best: winner, candidates: [winner], reflections: [], llm: { generations: 1, promptTokens: 1, generatedTokens: 1, seconds: 1, tokensPerSecond: 1 }, wallSeconds: 1,
  }));
}

test("e2e: Apply Evolved Reward refuses an experiment file outside the workspace, by name prefix or through a link", { skip, timeout: 300_000 }, async (t) => {
  await withCodeServer(t, { files: { "cartpole.rl.ts": SOURCE } }, async ({ cs, browser, lap }) => {
    const outsideDir = `${cs.workspace}-other`;
    const outside = path.join(outsideDir, "cartpole.rl.ts");
    fs.mkdirSync(outsideDir, { recursive: true });
    fs.writeFileSync(outside, SOURCE);
    const linked = path.join(cs.workspace, "linked.rl.ts");
    fs.symlinkSync(outside, linked);
    const { page } = await openWorkbench(browser, cs.url);
    lap("workbench ready");

    const refusal = async (what, expected) => {
      await runCommand(page, "RL Studio: Apply Evolved Reward");
      const toast = page.locator(".notification-toast", { hasText: "was not applied" }).first();
      await toast.waitFor({ timeout: 60_000 });
      const text = await toast.innerText();
      assert.match(text, expected, `${what}: ${text}`);
      await page.waitForTimeout(1000);
      assert.equal(await page.locator(".monaco-diff-editor").count(), 0, `${what}: no diff preview`);
      assert.equal(fs.readFileSync(outside, "utf8"), SOURCE, `${what}: the outside file is unchanged`);
      await toast.locator(".codicon-notifications-clear").first().click().catch(() => {});
      await toast.waitFor({ state: "hidden", timeout: 10_000 }).catch(() => {});
      lap(`${what}: ${text.split("\n")[0]}`);
    };

    saveEvolution(cs.workspace, outside);
    await refusal("a sibling folder named like the workspace", /cartpole\.rl\.ts" is outside this workspace's folders/);

    saveEvolution(cs.workspace, linked);
    await refusal("a link inside the workspace to that file", /linked\.rl\.ts" leads through a link to .*-other\/cartpole\.rl\.ts", outside this workspace's folders/);
    await waitUntil("the workspace's own file unchanged too", () => fs.readFileSync(path.join(cs.workspace, "cartpole.rl.ts"), "utf8") === SOURCE, 5_000);
    fs.rmSync(outsideDir, { recursive: true, force: true });
  });
});
