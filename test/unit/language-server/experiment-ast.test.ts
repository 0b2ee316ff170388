import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_PARSED_LINE, parseExperiment } from "../../../language-server/src/experiment-ast.js";
import { checkExperiment, suggestObservationFields } from "../../../language-server/src/checks.js";
import { CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";

const wrap = (body: string) => `import { defineExperiment } from "rl-studio";\nexport default defineExperiment({\n${body}\n});\n`;
const slice = (text: string, span: { start: number; end: number }) => text.slice(span.start, span.end);

test("reads env, algorithm, name and literal hyperparameter values (separators, signs, arrays, null)", () => {
  const text = wrap(`  name: "n", env: "CartPole-v1", algorithm: "ppo",\n  hyperparameters: { totalTimesteps: 1_000_000, learningRate: -3e-4, hiddenSizes: [64, 64], targetKl: null, gamma: g, annealLr: false }`);
  const ast = parseExperiment(text)!;
  assert.equal(ast.name?.value, "n");
  assert.equal(ast.env?.value, "CartPole-v1");
  assert.equal(slice(text, ast.env!.contentSpan), "CartPole-v1");
  assert.equal(ast.algorithm?.value, "ppo");
  assert.deepEqual(
    ast.hyperparameters!.entries.map((e) => [e.key, e.value]),
    [
      ["totalTimesteps", { kind: "known", value: 1_000_000 }],
      ["learningRate", { kind: "known", value: -3e-4 }],
      ["hiddenSizes", { kind: "known", value: [64, 64] }],
      ["targetKl", { kind: "known", value: null }],
      ["gamma", { kind: "unknown" }],
      ["annealLr", { kind: "known", value: false }],
    ],
  );
});

test("a custom env (class) is recognised and not an env id", () => {
  const ast = parseExperiment(wrap("  env: MyEnv,"))!;
  assert.equal(ast.env, undefined);
  assert.equal(ast.customEnv, true);
});

test("observation reads: destructured, renamed, nested, (t) => t.nextObs.x, element access, method syntax", () => {
  const forms: [string, string[]][] = [
    ["reward: ({ obs, nextObs }) => obs.x + nextObs.theta", ["obs.x", "nextObs.theta"]],
    ["reward: ({ nextObs: n }) => n.xDot", ["nextObs.xDot"]],
    ["reward: ({ nextObs: { theta, x: cartX } }) => theta + cartX", ["nextObs.theta", "nextObs.x"]],
    ["reward: (t) => t.nextObs.thetaDot - t.obs.x", ["nextObs.thetaDot", "obs.x"]],
    ['reward: ({ obs }) => obs["theta"]', ["obs.theta"]],
    ["reward({ nextObs }) { return nextObs.x; }", ["nextObs.x"]],
  ];
  for (const [form, expected] of forms) {
    const text = wrap(`  env: "CartPole-v1",\n  ${form},`);
    const reward = parseExperiment(text)!.reward!;
    assert.deepEqual(reward.observationAccesses.map((a) => `${a.object}.${a.field}`), expected, form);
    for (const a of reward.observationAccesses) assert.equal(slice(text, a.fieldSpan), a.field, form);
  }
});

test("return checks: strings, booleans, nested objects, bare return; nested functions and numbers are fine", () => {
  const text = wrap(`  env: "CartPole-v1",
  reward: ({ envReward, terminated }) => {
    const label = () => "not the reward";
    if (terminated) return;
    if (envReward > 2) return "big";
    return { ok: envReward, flag: terminated === true, deep: { a: 1 }, list: [1], fine: envReward * 2 };
  },`);
  const reward = parseExperiment(text)!.reward!;
  assert.deepEqual(
    reward.returnProblems.map((p) => [p.kind, p.component ?? null, slice(text, p.span)]),
    [
      ["nothing", null, "return;"],
      ["string", null, '"big"'],
      ["object", "deep", "{ a: 1 }"],
      ["array", "list", "[1]"],
    ],
  );
  // `terminated === true` is a boolean only at run time: syntactically not a literal, so not flagged.
  assert.deepEqual(reward.components.map((c) => c.name), ["ok", "flag", "deep", "list", "fine"]);
});

test("observation field suggestions: typos by edit distance, synonyms from the field descriptions", () => {
  assert.deepEqual(suggestObservationFields("thetta", CARTPOLE_SPEC), ["theta"]);
  assert.deepEqual(suggestObservationFields("angle", CARTPOLE_SPEC), ["theta"]);
  assert.deepEqual(suggestObservationFields("cartVelocity", CARTPOLE_SPEC), ["xDot"]);
  assert.deepEqual(suggestObservationFields("velocity", CARTPOLE_SPEC), ["xDot", "thetaDot"]);
  assert.deepEqual(suggestObservationFields("banana", CARTPOLE_SPEC), []);
});

test("no defineExperiment, or a non-object argument: nothing to check", () => {
  assert.equal(parseExperiment("export const x = 1;"), undefined);
  assert.equal(parseExperiment("defineExperiment(config);"), undefined);
});

test("totalTimesteps smaller than one rollout is reported on totalTimesteps", () => {
  const text = wrap(`  env: "CartPole-v1",\n  hyperparameters: { totalTimesteps: 100, numEnvs: 8, numSteps: 32 },`);
  const problems = checkExperiment(parseExperiment(text)!);
  assert.deepEqual(problems.map((p) => [p.code, slice(text, p.span)]), [["hyperparameter-consistency", "100"]]);
  assert.match(problems[0]!.message, /totalTimesteps = 100 is smaller than one rollout/);
});

test("nesting TypeScript's parser cannot follow: read shallowly (name, env, algorithm, hyperparameter keys), and said so", () => {
  const deep = "(\n".repeat(20_000) + "1" + "\n)".repeat(20_000);
  const text = wrap(`  name: "n", env: "CartPol", algorithm: "ppo",\n  hyperparameters: { numEnv: 8, gamma: 0.99 },\n  reward: (t) => ${deep},`);
  const ast = parseExperiment(text)!;
  assert.ok(ast.shallow, "shallow");
  assert.match(ast.shallow.reason, /nests too deeply for TypeScript's parser \(Maximum call stack size exceeded\)/);
  assert.equal(ast.name?.value, "n");
  assert.equal(slice(text, ast.env!.contentSpan), "CartPol");
  assert.equal(ast.algorithm?.value, "ppo");
  assert.deepEqual(ast.hyperparameters!.entries.map((e) => [e.key, slice(text, e.keySpan), slice(text, e.valueSpan), e.value.kind]), [
    ["numEnv", "numEnv", "8", "unknown"],
    ["gamma", "gamma", "0.99", "unknown"],
  ]);
  assert.equal(ast.reward, undefined, "the reward is not analysed");
  assert.equal(slice(text, ast.callSpan).startsWith("defineExperiment("), true);
  const problems = checkExperiment(ast);
  assert.deepEqual(problems.map((p) => p.code), ["shallow-analysis", "unknown-env", "unknown-hyperparameter"]);
  assert.equal(slice(text, problems[0]!.span), "defineExperiment");
  assert.equal(problems[0]!.severity, "warning");
  assert.equal(problems[1]!.fix?.newText, "CartPole-v1");
  // The parser recovers for the next document.
  assert.equal(parseExperiment(wrap('  env: "CartPole-v1", reward: (t) => t.envReward,'))!.shallow, undefined);
});

test("a line over MAX_PARSED_LINE is not given to TypeScript: shallow, naming the line", () => {
  const text = wrap(`  env: "CartPole-v1",\n  reward: ({ obs }) => obs.${"obs.".repeat(MAX_PARSED_LINE / 4)}x,`);
  const ast = parseExperiment(text)!;
  assert.match(ast.shallow!.reason, new RegExp(`^line 4 has ${(MAX_PARSED_LINE + 29).toLocaleString("en-US")} characters, and lines over 20,000 are not parsed`));
  const justUnder = wrap(`  env: "CartPole-v1",\n  reward: ({ obs }) => obs.${"obs.".repeat(MAX_PARSED_LINE / 4 - 10)}x,`);
  assert.equal(parseExperiment(justUnder)!.shallow, undefined, "a long line under the limit is parsed, its deep tree walked without overflow");
});

test("the reward is the property the shared finder names: the last one written, method form included", () => {
  const two = wrap('  env: "CartPole-v1",\n  reward: (t) => ({ first: 1 }),\n  reward: (t) => ({ second: t.envReward }),');
  assert.deepEqual(parseExperiment(two)!.reward!.components.map((c) => c.name), ["second"]);
  const method = wrap('  env: "CartPole-v1",\n  reward({ nextObs }) { return { upright: nextObs.thetaa }; },');
  const ast = parseExperiment(method)!;
  assert.deepEqual(ast.reward!.components.map((c) => c.name), ["upright"]);
  assert.deepEqual(ast.reward!.observationAccesses.map((a) => a.field), ["thetaa"]);
});
