import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic } from "vscode-languageserver-protocol";
import { CARTPOLE_EXPERIMENT, LspTestClient, textAt } from "./lsp-client.js";

const messageOf = (d: Diagnostic) => (typeof d.message === "string" ? d.message : d.message.value);

let client: LspTestClient;
let n = 0;
before(async () => {
  client = await LspTestClient.start();
});
after(async () => {
  assert.deepEqual(client.loggedErrors, [], "no handler may fail");
  await client.dispose();
});

/** Open `text` as a fresh document; return its diagnostics with the text each covers. */
async function diagnose(text: string) {
  const uri = `file:///tmp/diagnostics-${n++}.rl.ts`;
  const diagnostics = await client.open(uri, text);
  return diagnostics.map((d) => ({ code: d.code, covers: textAt(text, d.range), message: messageOf(d), source: d.source }));
}

test("the example experiment has no diagnostics", async () => {
  assert.deepEqual(await diagnose(CARTPOLE_EXPERIMENT), []);
});

test("unknown env id: range is the string literal, message suggests the registered id", async () => {
  const [d, ...rest] = await diagnose(CARTPOLE_EXPERIMENT.replace('"CartPole-v1"', '"CartPol-v1"'));
  assert.equal(rest.length, 0);
  assert.equal(d?.code, "unknown-env");
  assert.equal(d?.source, "rl-studio");
  assert.equal(d?.covers, '"CartPol-v1"');
  assert.match(d!.message, /Unknown environment "CartPol-v1"\. Did you mean "CartPole-v1"\?/);
  assert.match(d!.message, /Pendulum-v1/);
});

test("unknown hyperparameter key: range is the key", async () => {
  const [d] = await diagnose(CARTPOLE_EXPERIMENT.replace("learningRate: 1e-3", "learning_rat: 1e-3"));
  assert.equal(d?.code, "unknown-hyperparameter");
  assert.equal(d?.covers, "learning_rat");
  assert.equal(d?.message, 'Unknown hyperparameter "learning_rat". Did you mean "learningRate"?');
});

test("out-of-range values name the allowed range; wrong types name the type", async () => {
  const text = CARTPOLE_EXPERIMENT.replace("learningRate: 1e-3", "learningRate: -1e-3, gamma: 1.5, clipCoef: -0.1, annealLr: 1, numEnvs: 2.5");
  const ds = await diagnose(text.replace("numEnvs: 8, ", ""));
  const byCover = Object.fromEntries(ds.map((d) => [d.covers, d]));
  assert.equal(byCover["-1e-3"]?.message, "learningRate = -0.001 is out of range: must be > 0 and ≤ 1");
  assert.equal(byCover["1.5"]?.message, "gamma = 1.5 is out of range: must be > 0 and ≤ 1");
  assert.equal(byCover["-0.1"]?.message, "clipCoef = -0.1 is out of range: must be ≥ 0");
  assert.match(byCover["1"]!.message, /^annealLr = 1 has the wrong type \(a number\): must be true or false/);
  assert.match(byCover["2.5"]!.message, /^numEnvs = 2\.5 is not an integer/);
  assert.ok(ds.every((d) => d.code === "invalid-hyperparameter"), JSON.stringify(ds));
});

test("batch not divisible into minibatches: on numMinibatches, naming the batch and divisors", async () => {
  const [d] = await diagnose(CARTPOLE_EXPERIMENT.replace("learningRate: 1e-3", "learningRate: 1e-3, numMinibatches: 3"));
  assert.equal(d?.code, "minibatch-divisibility");
  assert.equal(d?.covers, "3");
  assert.match(d!.message, /batch of 256 \(numEnvs 8 × numSteps 32\) is not divisible into 3 minibatches/);
});

test("divisibility with a default: numMinibatches 4 (default) and numSteps 33 → on the written field", async () => {
  const [d] = await diagnose(CARTPOLE_EXPERIMENT.replace("numEnvs: 8, numSteps: 32", "numEnvs: 3, numSteps: 33"));
  assert.equal(d?.code, "minibatch-divisibility");
  assert.equal(d?.covers, "numEnvs");
  assert.match(d!.message, /batch of 99 .* not divisible into 4 minibatches.*numMinibatches is not set: its default is 4/);
});

test("reward reading a field the env lacks: range is the field name, did you mean", async () => {
  const [d] = await diagnose(CARTPOLE_EXPERIMENT.replace("nextObs.theta", "nextObs.angle"));
  assert.equal(d?.code, "unknown-observation-field");
  assert.equal(d?.covers, "angle");
  assert.equal(d?.message, 'CartPole-v1 has no observation field "angle". Did you mean "theta"? Fields: x, xDot, theta, thetaDot.');
});

test("observation fields in the (t) => t.nextObs.x form and in nested destructuring", async () => {
  const text = CARTPOLE_EXPERIMENT.replace(
    /reward: [\s\S]*\}\),\n\}\);/,
    "reward: (t) => t.nextObs.thetta + t.obs.x,\n});\nconst other = defineExperiment;",
  );
  const ds = await diagnose(text);
  assert.deepEqual(ds.map((d) => d.covers), ["thetta"]);
  const nested = CARTPOLE_EXPERIMENT.replace("({ obs, action, nextObs, envReward, terminated })", "({ nextObs: { theta, velocity } })").replace("nextObs.theta", "theta");
  const ds2 = await diagnose(nested);
  assert.deepEqual(ds2.map((d) => [d.covers, d.code]), [["velocity", "unknown-observation-field"]]);
});

test("reward returning a string, a boolean component, or nothing", async () => {
  const str = await diagnose(CARTPOLE_EXPERIMENT.replace(/\(\{\n    alive[\s\S]*?\}\)/, '"upright"'));
  assert.equal(str[0]?.code, "reward-return-type");
  assert.equal(str[0]?.covers, '"upright"');
  assert.match(str[0]!.message, /returns a string; it must return a number or a record of numbers/);

  const bool = await diagnose(CARTPOLE_EXPERIMENT.replace("alive: envReward", "alive: true"));
  assert.equal(bool[0]?.covers, "true");
  assert.match(bool[0]!.message, /Reward component "alive" is a boolean/);

  const block = await diagnose(
    CARTPOLE_EXPERIMENT.replace(/=> \(\{\n    alive[\s\S]*?\}\)/, '=> {\n    if (terminated) return;\n    const f = () => "nested is fine";\n    return envReward;\n  }'),
  );
  assert.deepEqual(block.map((d) => [d.covers, d.code]), [["return;", "reward-return-type"]]);
});

test("unknown algorithm lists the allowed ones", async () => {
  const [d] = await diagnose(CARTPOLE_EXPERIMENT.replace('"ppo"', '"dqn"'));
  assert.equal(d?.code, "unknown-algorithm");
  assert.equal(d?.covers, '"dqn"');
  assert.equal(d?.message, 'Unknown algorithm "dqn". Allowed: "ppo", "twosome".');
});

test("ppo fits a continuous env: Pendulum-v1 with its own fields has no diagnostics", async () => {
  const text = CARTPOLE_EXPERIMENT.replace('"CartPole-v1"', '"Pendulum-v1"').replace("nextObs.theta", "nextObs.thetaDot");
  assert.deepEqual(await diagnose(text), []);
});

test("a custom env class is not checked against the registry", async () => {
  const text = CARTPOLE_EXPERIMENT.replace('env: "CartPole-v1"', "env: MyEnv").replace("nextObs.theta", "nextObs.anything");
  assert.deepEqual(await diagnose(text), []);
});

test("diagnostics follow edits (incremental sync)", async () => {
  const uri = "file:///tmp/diagnostics-edit.rl.ts";
  assert.deepEqual(await client.open(uri, CARTPOLE_EXPERIMENT), []);
  const line = CARTPOLE_EXPERIMENT.split("\n").findIndex((l) => l.includes('env: "CartPole-v1"'));
  const ds = await client.change(uri, 2, [{ range: { start: { line, character: 8 }, end: { line, character: 12 } }, text: "Kart" }]);
  assert.equal(ds?.[0]?.code, "unknown-env");
  assert.match(messageOf(ds![0]!), /"KartPole-v1"/);
});
