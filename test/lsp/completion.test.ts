import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { CompletionItem, MarkupContent } from "vscode-languageserver-protocol";
import { CARTPOLE_EXPERIMENT, LspTestClient, positionOf, textAt } from "./lsp-client.js";

let client: LspTestClient;
let n = 0;
before(async () => {
  client = await LspTestClient.start();
});
after(async () => {
  assert.deepEqual(client.loggedErrors, [], "no handler may fail");
  await client.dispose();
});

async function complete(text: string, needle: string, delta: number): Promise<CompletionItem[]> {
  const uri = `file:///tmp/completion-${n++}.rl.ts`;
  await client.open(uri, text);
  return client.completion(uri, positionOf(text, needle, delta));
}

const docOf = (item: CompletionItem | undefined) => (item?.documentation as MarkupContent | undefined)?.value ?? "";

test('env ids inside env: "…", replacing the id typed so far, with spaces and fields as detail', async () => {
  const text = CARTPOLE_EXPERIMENT.replace('"CartPole-v1"', '"Cart"');
  const items = await complete(text, 'env: "', 'env: "'.length + 2);
  assert.deepEqual(items.map((i) => i.label), [
    "CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1",
    "Overcooked-TomatoSalad-v0", "Overcooked-TomatoLettuceSalad-v0", "VirtualHome-FoodPreparation-v0", "VirtualHome-Entertainment-v0",
  ]);
  const cartpole = items[0]!;
  assert.equal(cartpole.detail, "Discrete(2) actions; Box(4) observations: x, xDot, theta, thetaDot");
  assert.ok(cartpole.textEdit && "range" in cartpole.textEdit);
  assert.equal(textAt(text, cartpole.textEdit.range), "Cart");
  assert.match(docOf(cartpole), /### Episode End/);
  assert.match(items[4]!.detail!, /^Box\(1\) actions; Box\(3\) observations: cosTheta, sinTheta, thetaDot$/);
});

test("env ids right after an unterminated quote while typing", async () => {
  const text = 'import { defineExperiment } from "rl-studio";\nexport default defineExperiment({\n  name: "x",\n  env: "';
  const items = await complete(text, 'env: "', 'env: "'.length);
  assert.equal(items.length, 9);
});

test("hyperparameter keys inside hyperparameters: { … }, without those already written", async () => {
  const text = CARTPOLE_EXPERIMENT.replace("learningRate: 1e-3 }", "learningRate: 1e-3, ga }");
  const items = await complete(text, ", ga }", 4);
  const labels = items.map((i) => i.label);
  assert.ok(labels.includes("gamma") && labels.includes("clipCoef") && labels.includes("hiddenSizes"));
  for (const written of ["totalTimesteps", "numEnvs", "numSteps", "learningRate"]) assert.ok(!labels.includes(written), written);
  const gamma = items.find((i) => i.label === "gamma")!;
  assert.ok(gamma.textEdit && "range" in gamma.textEdit);
  assert.equal(textAt(text, gamma.textEdit.range), "ga");
  const doc = docOf(gamma);
  assert.match(doc, /Discount factor γ/);
  assert.match(doc, /Default: `0\.99`/);
  assert.match(doc, /Valid: a finite number > 0 and ≤ 1/);
  assert.match(doc, /CleanRL `ppo.py`: `0\.99`; RL Zoo \(CartPole-v1\): `0\.98`/);
});

test("no hyperparameter keys inside a value", async () => {
  const items = await complete(CARTPOLE_EXPERIMENT, "numEnvs: 8", "numEnvs: ".length + 1);
  assert.deepEqual(items, []);
});

test("observation fields after nextObs. and obs. with their descriptions", async () => {
  const text = CARTPOLE_EXPERIMENT.replace("nextObs.theta)", "nextObs.th)");
  const items = await complete(text, "nextObs.th", "nextObs.th".length);
  assert.deepEqual(items.map((i) => i.label), ["x", "xDot", "theta", "thetaDot"]);
  const theta = items[2]!;
  assert.equal(theta.detail, "pole angle from vertical (rad, positive leans right)");
  assert.ok(theta.textEdit && "range" in theta.textEdit);
  assert.equal(textAt(text, theta.textEdit.range), "th");
  assert.match(docOf(theta), /within an episode \[-0\.2094, 0\.2094\]/);
});

test("observation fields in the (t) => t.obs. form", async () => {
  const text = CARTPOLE_EXPERIMENT.replace(/reward: [\s\S]*\}\),\n\}\);/, "reward: (t) => t.obs.\n});");
  const items = await complete(text, "t.obs.", "t.obs.".length);
  assert.deepEqual(items.map((i) => i.label), ["x", "xDot", "theta", "thetaDot"]);
});

test("action meanings after action === for a discrete env", async () => {
  const text = CARTPOLE_EXPERIMENT.replace("alive: envReward,", "alive: envReward,\n    right: action === 1 ? 1 : 0,");
  const items = await complete(text, "action === ", "action === ".length);
  assert.deepEqual(items.map((i) => [i.label, i.detail]), [["0", "push cart to the left"], ["1", "push cart to the right"]]);
  assert.ok(items[1]!.textEdit && "range" in items[1]!.textEdit);
  assert.equal(textAt(text, items[1]!.textEdit.range), "1");
});

test("no completion in the task text", async () => {
  assert.deepEqual(await complete(CARTPOLE_EXPERIMENT, "Balance the", 4), []);
});

test('algorithms inside algorithm: "…", from the runtime\'s algorithm table, with their action spaces', async () => {
  const text = CARTPOLE_EXPERIMENT.replace('algorithm: "ppo"', 'algorithm: "p"');
  const items = await complete(text, 'algorithm: "', 'algorithm: "'.length + 1);
  const { ALGORITHMS } = await import("../../runtime/src/experiment/algorithms.js");
  assert.deepEqual(items.map((i) => i.label), ALGORITHMS.map((a) => a.id));
  const ppo = items[0]!;
  assert.equal(ppo.detail, "Discrete and continuous (Box) actions");
  assert.ok(ppo.textEdit && "range" in ppo.textEdit);
  assert.equal(textAt(text, ppo.textEdit.range), "p");
  assert.match(docOf(ppo), /Proximal Policy Optimization/);
  assert.match(docOf(ppo), /Fits CartPole-v1's discrete action space\./);
});
