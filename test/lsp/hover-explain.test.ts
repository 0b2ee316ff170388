/**
 * Hovers that show what the trained policy measurably does: after `explain`, the env id and a
 * reward component of the experiment show the saved explanation's summary, with an
 * "Open explanation" command link.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { MarkupContent } from "vscode-languageserver-protocol";
import { explainedWorkspace, LspTestClient, positionOf, SMALL_CARTPOLE_EXPERIMENT as experiment } from "./lsp-client.js";

let client: LspTestClient;
let workspace: string;

before(async () => {
  ({ workspace } = await explainedWorkspace("rl-studio-hover-explain-"));
  client = await LspTestClient.start();
});
after(async () => {
  assert.deepEqual(client.loggedErrors, [], "no handler may fail");
  await client.dispose();
  rmSync(workspace, { recursive: true, force: true });
});

test("hovering the env id of an explained experiment shows the measured summary and the panel link", async () => {
  const uri = pathToFileURL(join(workspace, "cartpole.rl.ts")).href;
  await client.open(uri, experiment);
  const hover = await client.hover(uri, positionOf(experiment, '"CartPole-v1"', 3));
  const markdown = (hover?.contents as MarkupContent).value;
  assert.match(markdown, /Deterministic policy: mean return [\d.]+ ± [\d.]+ over 2 episodes/);
  assert.match(markdown, /\[Open explanation\]\(command:rlStudio\.openExplanation\?/);
  // The env's own documentation is still there, after the behaviour.
  assert.ok(markdown.indexOf("Deterministic policy") < markdown.indexOf("### Action Space"));
});

test("hovering a reward component adds its contribution in the evaluation rollouts", async () => {
  const uri = pathToFileURL(join(workspace, "cartpole.rl.ts")).href;
  const hover = await client.hover(uri, positionOf(experiment, "upright:", 2));
  const markdown = (hover?.contents as MarkupContent).value;
  assert.match(markdown, /In the latest run/);
  assert.match(markdown, /upright/);
  assert.match(markdown, /Open explanation/);
});
