import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic, TextEdit } from "vscode-languageserver-protocol";
import { CARTPOLE_EXPERIMENT, LspTestClient, textAt } from "./lsp-client.js";

let client: LspTestClient;
let n = 0;
before(async () => {
  client = await LspTestClient.start();
});
after(async () => {
  assert.deepEqual(client.loggedErrors, [], "no handler may fail");
  await client.dispose();
});

/** Apply non-overlapping edits to a text (from the end, so earlier offsets stay valid). */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split("\n");
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((s, l) => s + l.length + 1, 0) + p.character;
  return [...edits]
    .sort((a, b) => offset(b.range.start) - offset(a.range.start))
    .reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}

/** Open the broken text, ask for the quick fixes on its one diagnostic, apply the fix, check the result is clean. */
async function fixOf(broken: string): Promise<{ diagnostic: Diagnostic; title: string; fixed: string; replaced: string }> {
  const uri = `file:///tmp/fix-${n++}.rl.ts`;
  const diagnostics = await client.open(uri, broken);
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
  const diagnostic = diagnostics[0]!;
  const actions = await client.codeActions(uri, diagnostic.range, [diagnostic]);
  assert.equal(actions.length, 1, JSON.stringify(actions));
  const action = actions[0]!;
  assert.equal(action.kind, "quickfix");
  assert.equal(action.isPreferred, true);
  assert.equal(action.diagnostics?.[0]?.code, diagnostic.code);
  const edits = action.edit?.changes?.[uri];
  assert.ok(edits && edits.length === 1);
  const fixed = applyEdits(broken, edits);
  assert.deepEqual(await client.open(`file:///tmp/fix-${n++}.rl.ts`, fixed), [], "the fixed text has no diagnostics");
  return { diagnostic, title: action.title, fixed, replaced: textAt(broken, edits[0]!.range) };
}

test("unknown env id → replace the id inside the quotes", async () => {
  const r = await fixOf(CARTPOLE_EXPERIMENT.replace('"CartPole-v1"', '"cartpole-v1"'));
  assert.equal(r.title, 'Change to "CartPole-v1"');
  assert.equal(r.replaced, "cartpole-v1");
  assert.equal(r.fixed, CARTPOLE_EXPERIMENT);
});

test("unknown hyperparameter key → the known key", async () => {
  const r = await fixOf(CARTPOLE_EXPERIMENT.replace("numSteps: 32", "num_steps: 32"));
  assert.equal(r.title, 'Change to "numSteps"');
  assert.equal(r.replaced, "num_steps");
  assert.equal(r.fixed, CARTPOLE_EXPERIMENT);
});

test("unknown observation field → the env's field (nextObs.angle → theta)", async () => {
  const r = await fixOf(CARTPOLE_EXPERIMENT.replace("nextObs.theta", "nextObs.angle"));
  assert.equal(r.title, 'Change to "theta"');
  assert.equal(r.replaced, "angle");
  assert.equal(r.fixed, CARTPOLE_EXPERIMENT);
});

test("unknown algorithm close to a known one → the known one", async () => {
  const r = await fixOf(CARTPOLE_EXPERIMENT.replace('"ppo"', '"PPO"'));
  assert.equal(r.replaced, "PPO");
  assert.equal(r.fixed, CARTPOLE_EXPERIMENT);
});

test("no quick fix is offered where none is obvious (out-of-range learning rate)", async () => {
  const uri = `file:///tmp/fix-${n++}.rl.ts`;
  const [d] = await client.open(uri, CARTPOLE_EXPERIMENT.replace("learningRate: 1e-3", "learningRate: 0"));
  assert.equal(d?.code, "invalid-hyperparameter");
  assert.deepEqual(await client.codeActions(uri, d!.range, [d!]), []);
});
