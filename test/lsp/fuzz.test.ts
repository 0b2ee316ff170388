/**
 * The server must survive anything an editor can send: thousands of random edits, truncations and
 * garbage documents over LSP, with requests at random positions in between. It must keep
 * answering, never log a failed handler, and still give the right diagnostics afterwards.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Position } from "vscode-languageserver-protocol";
import { Rng } from "../../runtime/src/rng.js";
import { CARTPOLE_EXPERIMENT, LspTestClient } from "./lsp-client.js";

const EDITS = 3000;
const REQUEST_EVERY = 15;

/** Fragments an experiment file is made of, plus the characters that break parsers. */
const FRAGMENTS = [
  "{", "}", "(", ")", "[", "]", '"', "'", "`", "${", ",", ":", ";", ".", "=>", "===", "\n", " ", "/*", "*/", "//", "\\",
  "env: \"", "env: MyEnv", "\"CartPole-v1\"", "\"Pendulum-v1\"", "\"CartPol\"", "hyperparameters: {", "learningRate: -1", "numMinibatches: 0",
  "numEnvs: 1e999", "gamma: NaN", "hiddenSizes: [64, -1]", "targetKl: null", "reward: (t) => t.nextObs.", "reward: ({ obs, nextObs: { angle } }) => ",
  "nextObs.", "obs.", "action === ", "return", "return \"x\";", "({ a: true, b: \"s\", c: [1], d: {} })", "defineExperiment(", "defineExperiment({",
  "algorithm: \"dqn\"", "name: \"cartpole-ppo\"", "function () { return; }", "class E {}", "async *", "<T,>", "as const", "satisfies X", "...x",
  "\u0000", "\uFFFF", "\uD83D", "🤖", "\r\n", "\t", "1_000_", "0x", "-", "+", "!", "?.", "??", "#private", "@decorator",
];

function offsetToPosition(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}

function randomText(rng: Rng, pieces: number): string {
  let s = "";
  for (let i = 0; i < pieces; i++) {
    s += rng.random() < 0.8 ? FRAGMENTS[rng.integer(FRAGMENTS.length)]! : String.fromCharCode(rng.integer(0x3000));
  }
  return s;
}

let client: LspTestClient;
before(async () => {
  client = await LspTestClient.start();
});
after(async () => {
  await client.dispose();
});

test(`survives ${EDITS} random edits, truncations and garbage documents, and keeps answering`, async () => {
  const rng = new Rng(20240611);
  const uri = "file:///tmp/fuzz.rl.ts";
  let text = CARTPOLE_EXPERIMENT;
  let version = 1;
  await client.open(uri, text, version);
  let answered = 0;

  for (let i = 0; i < EDITS; i++) {
    const r = rng.random();
    version++;
    if (r < 0.05) {
      // A whole new document: garbage, or back to the example.
      text = rng.random() < 0.5 ? randomText(rng, rng.integer(200)) : CARTPOLE_EXPERIMENT;
      await client.change(uri, version, [{ text }], false);
    } else {
      // An incremental edit: delete a random range (a truncation when it runs to the end) and insert fragments.
      const start = rng.integer(text.length + 1);
      const end = r < 0.1 ? text.length : Math.min(text.length, start + rng.integer(12));
      const inserted = r < 0.1 ? "" : randomText(rng, rng.integer(3));
      const range = { start: offsetToPosition(text, start), end: offsetToPosition(text, end) };
      text = text.slice(0, start) + inserted + text.slice(end);
      await client.change(uri, version, [{ range, text: inserted }], false);
    }

    if (i % REQUEST_EVERY === 0) {
      const offset = rng.integer(text.length + 1);
      const position = rng.random() < 0.1 ? { line: 100_000, character: 5 } : offsetToPosition(text, offset);
      const range = { start: position, end: offsetToPosition(text, Math.min(text.length, offset + rng.integer(40))) };
      const [completion, hover, lenses, actions] = await Promise.all([
        client.completion(uri, position),
        client.hover(uri, position),
        client.codeLenses(uri),
        client.codeActions(uri, range, []),
      ]);
      assert.ok(Array.isArray(completion) && (hover === null || typeof hover === "object") && Array.isArray(lenses) && Array.isArray(actions));
      answered++;
    }
  }

  // The last version's diagnostics arrive (the server kept up with every edit) ...
  version++;
  const final = await client.change(uri, version, [{ text: CARTPOLE_EXPERIMENT.replace("nextObs.theta", "nextObs.angle") }]);
  // ... and are still right.
  assert.deepEqual(final?.map((d) => d.code), ["unknown-observation-field"]);
  assert.ok(client.alive, "server process still running");
  assert.ok(answered >= EDITS / REQUEST_EVERY);
  assert.deepEqual(client.loggedErrors, [], "no handler failed");
  assert.doesNotMatch(client.stderr, /Error|uncaught/i);
});
