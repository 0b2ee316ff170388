/**
 * The `rlStudio.runsFolder` setting reaches the hovers: with runs in a custom folder (sent by the
 * client in initializationOptions, then changed with workspace/didChangeConfiguration), the env
 * id and reward-component hovers find them there and not in the default `.rl-studio/runs`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { MarkupContent } from "vscode-languageserver-protocol";
import { explainedWorkspace, LspTestClient, positionOf, SMALL_CARTPOLE_EXPERIMENT as experiment } from "./lsp-client.js";
import { RunDir } from "../../runtime/src/runs/run-dir.js";

let client: LspTestClient;
let workspace: string;
let customRuns: string;
let otherRuns: string;
let trainedRunId: string;

before(async () => {
  // The trained and explained run lives in the custom folder only.
  ({ workspace, runId: trainedRunId } = await explainedWorkspace("rl-studio-hover-runs-folder-", (w) => join(w, "custom", "runs")));
  customRuns = join(workspace, "custom", "runs");
  otherRuns = join(workspace, "other-runs");
  // Another folder, for the changed setting: one run of the experiment, not explained.
  const other = RunDir.create(otherRuns, { runId: "cartpole-ppo-other", experiment: { name: "cartpole-ppo", createdAt: new Date().toISOString(), seed: 1 }, sourceText: "", bundle: "" });
  other.appendEpisode({ globalStep: 10, wallSeconds: 1, envIndex: 0, episodicReturn: 7, episodicLength: 7, terminated: true, truncated: false, components: { alive: 7, upright: 3 } });
  other.close();
  client = await LspTestClient.start({ initializationOptions: { runsRoots: [{ folder: workspace, runsRoot: "custom/runs" }] } });
});
after(async () => {
  assert.deepEqual(client.loggedErrors, [], "no handler may fail");
  await client.dispose();
  rmSync(workspace, { recursive: true, force: true });
});

const uri = () => pathToFileURL(join(workspace, "cartpole.rl.ts")).href;

async function markdownAt(needle: string, delta: number): Promise<string> {
  const hover = await client.hover(uri(), positionOf(experiment, needle, delta));
  return (hover?.contents as MarkupContent | undefined)?.value ?? "";
}

test("env id hover finds the explained run in the configured runs folder", async () => {
  await client.open(uri(), experiment);
  const markdown = await markdownAt('"CartPole-v1"', 3);
  assert.match(markdown, /Deterministic policy: mean return [\d.]+ ± [\d.]+ over 2 episodes/);
  assert.ok(markdown.includes(encodeURIComponent(JSON.stringify([join(customRuns, trainedRunId)]))), "links the run in the custom folder");
});

test("reward component hover finds the latest run in the configured runs folder", async () => {
  const markdown = await markdownAt("upright:", 2);
  assert.match(markdown, new RegExp(`In the latest run \`${trainedRunId}\``));
  assert.match(markdown, /Open explanation/);
});

test("a changed setting (didChangeConfiguration) moves the hovers to the new folder", async () => {
  await client.changeConfiguration({ rlStudio: { runsRoots: [{ folder: workspace, runsRoot: otherRuns }] } });
  const component = await markdownAt("upright:", 2);
  assert.match(component, /In the latest run `cartpole-ppo-other` \(1 episodes\): mean 3\.00 per episode/);
  assert.doesNotMatch(component, /Open explanation/);
  assert.doesNotMatch(await markdownAt('"CartPole-v1"', 3), /Deterministic policy/);

  // The default folder has no runs: back to the default, the hover says so.
  await client.changeConfiguration({ rlStudio: { runsRoots: [{ folder: workspace, runsRoot: ".rl-studio/runs" }] } });
  assert.match(await markdownAt("upright:", 2), /No run yet of "cartpole-ppo"/);
});
