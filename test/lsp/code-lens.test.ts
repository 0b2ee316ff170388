import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { CARTPOLE_EXPERIMENT, LspTestClient } from "./lsp-client.js";

let client: LspTestClient;
before(async () => {
  client = await LspTestClient.start();
});
after(async () => {
  assert.deepEqual(client.loggedErrors, [], "no handler may fail");
  await client.dispose();
});

test("Train, Run Sweep, Suggest reward, Propose sub-goals and Explain above defineExperiment, with codicons, running their commands with the document URI", async () => {
  const uri = "file:///tmp/lens.rl.ts";
  await client.open(uri, CARTPOLE_EXPERIMENT);
  const lenses = await client.codeLenses(uri);
  assert.equal(lenses.length, 5);
  const line = CARTPOLE_EXPERIMENT.split("\n").findIndex((l) => l.includes("defineExperiment({"));
  assert.deepEqual(lenses[0], {
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    command: { title: "$(play) Train", command: "rlStudio.train", arguments: [uri] },
  });
  assert.deepEqual(lenses[1]!.command, { title: "$(run-all) Run Sweep", command: "rlStudio.runSweep", arguments: [uri] });
  assert.deepEqual(lenses[2]!.command, { title: "$(sparkle) Suggest reward", command: "rlStudio.suggestReward", arguments: [uri] });
  assert.deepEqual(lenses[3]!.command, { title: "$(sparkle) Propose sub-goals", command: "rlStudio.proposeSubgoals", arguments: [uri] });
  assert.deepEqual(lenses[4]!.command, { title: "$(comment-discussion) Explain", command: "rlStudio.explain", arguments: [uri] });
  // Product icons only: an emoji needs an emoji font and shows as an empty box without one.
  for (const lens of lenses) assert.doesNotMatch(lens.command!.title, /\p{Extended_Pictographic}/u, lens.command!.title);
});

test("a TWOSOME experiment also gets Zero-shot prior, after Train", async () => {
  const uri = "file:///tmp/twosome-lens.rl.ts";
  await client.open(uri, CARTPOLE_EXPERIMENT.replace('env: "CartPole-v1"', 'env: "Overcooked-TomatoSalad-v0"').replace('algorithm: "ppo"', 'algorithm: "twosome"'));
  const lenses = await client.codeLenses(uri);
  assert.deepEqual(
    lenses.map((l) => l.command!.command),
    ["rlStudio.train", "rlStudio.evalPrior", "rlStudio.runSweep", "rlStudio.suggestReward", "rlStudio.proposeSubgoals", "rlStudio.explain"],
  );
  assert.deepEqual(lenses[1]!.command, { title: "$(beaker) Zero-shot prior", command: "rlStudio.evalPrior", arguments: [uri] });
});

test("no lens in a TypeScript file without defineExperiment", async () => {
  const uri = "file:///tmp/plain.rl.ts";
  await client.open(uri, "export const x = 1;\n");
  assert.deepEqual(await client.codeLenses(uri), []);
});
