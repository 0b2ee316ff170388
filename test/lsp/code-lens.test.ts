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

test("▶ Train, ✨ Suggest reward and 💬 Explain above defineExperiment, running their commands with the document URI", async () => {
  const uri = "file:///tmp/lens.rl.ts";
  await client.open(uri, CARTPOLE_EXPERIMENT);
  const lenses = await client.codeLenses(uri);
  assert.equal(lenses.length, 3);
  const line = CARTPOLE_EXPERIMENT.split("\n").findIndex((l) => l.includes("defineExperiment({"));
  assert.deepEqual(lenses[0], {
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    command: { title: "▶ Train", command: "rlStudio.train", arguments: [uri] },
  });
  assert.deepEqual(lenses[1]!.command, { title: "✨ Suggest reward", command: "rlStudio.suggestReward", arguments: [uri] });
  assert.deepEqual(lenses[2]!.command, { title: "💬 Explain", command: "rlStudio.explain", arguments: [uri] });
});

test("no lens in a TypeScript file without defineExperiment", async () => {
  const uri = "file:///tmp/plain.rl.ts";
  await client.open(uri, "export const x = 1;\n");
  assert.deepEqual(await client.codeLenses(uri), []);
});
