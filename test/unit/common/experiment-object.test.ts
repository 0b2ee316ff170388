// The one reward-property finder and the experiment object's lexical scan, checked against
// TypeScript's own parser (the oracle below) on the shipped examples and on generated files, and
// on what only a lexical scan can read: half-typed text and nesting too deep for a parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import ts from "typescript";
import { findRewardProperty, scanExperimentObject } from "../../../common/src/experiment-object.js";
import { Rng } from "../../../runtime/src/rng.js";

/** What TypeScript's syntax tree says: the reward property's span (the last one), or the insertion point. */
function oracle(text: string): { start: number; end: number; found: boolean; env: string | null } | null {
  const sf = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let obj: ts.ObjectLiteralExpression | undefined;
  const visit = (n: ts.Node): void => {
    if (obj) return;
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "defineExperiment" && n.arguments[0] && ts.isObjectLiteralExpression(n.arguments[0])) {
      obj = n.arguments[0];
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  if (!obj) return null;
  const named = (p: ts.ObjectLiteralElementLike, name: string) => p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === name;
  const env = obj.properties.filter((p) => named(p, "env")).at(-1);
  const envText = env && ts.isPropertyAssignment(env) && ts.isStringLiteral(env.initializer) ? env.initializer.text : null;
  const reward = obj.properties.filter((p) => named(p, "reward")).at(-1);
  if (reward) return { start: reward.getStart(sf), end: reward.getEnd(), found: true, env: envText };
  const last = obj.properties[obj.properties.length - 1];
  const at = last ? last.getEnd() : obj.getStart(sf) + 1;
  return { start: at, end: at, found: false, env: envText };
}

function agree(text: string, what: string): void {
  const want = oracle(text);
  const got = findRewardProperty(text);
  assert.ok(want && got, `${what}: both find the experiment object`);
  assert.deepEqual(got.range, { start: want.start, end: want.end }, `${what}: ${JSON.stringify(text.slice(want.start, want.end))} vs ${JSON.stringify(text.slice(got.range.start, got.range.end))}`);
  assert.equal(got.property !== null, want.found, what);
  const env = scanExperimentObject(text)!.properties.filter((p) => p.name === "env").at(-1);
  assert.equal(env?.string?.value ?? null, want.env, `${what}: env`);
}

test("agrees with TypeScript's syntax tree on every shipped example", () => {
  const examples = readdirSync("examples").filter((f) => f.endsWith(".rl.ts"));
  assert.ok(examples.length >= 5, examples.join(", "));
  for (const name of examples) agree(readFileSync(`examples/${name}`, "utf8"), name);
});

/** Properties an experiment may have, several of them built to mislead a lexical scan. */
const PROPERTIES = [
  'name: "reward: not this"',
  'env: "CartPole-v1"',
  "env: 'Pendulum-v1'",
  "task: `a ${\"reward: {\"} b ${`nested ${1 + 2} }`} c`",
  "/* reward: nor this */ seed: 1",
  "// reward: nope\n  algorithm: \"ppo\"",
  "hyperparameters: { reward: 1, totalTimesteps: 10_000, hiddenSizes: [64, 64] }",
  "reward: (t) => ({ a: t.envReward })",
  "reward: ({ nextObs }) => (/[\"'{}]/.test(String(nextObs.x)) ? 1 : 0)",
  "reward: ({ nextObs, envReward }) => envReward / 2 / (1 + Math.abs(nextObs.x))",
  "reward({ envReward }) { return { alive: envReward, s: `}` }; }",
  "\"reward\": (t) => t.envReward",
  "helper: { env: \"not the experiment\", reward: 0 }",
  "check: (s: string) => s.split(\"/\").length > 1 && /\\/\\*/.test(s)",
];

test("agrees with TypeScript's syntax tree on generated experiments (properties, order, comments, regexes, templates)", () => {
  const rng = new Rng(7);
  for (let i = 0; i < 400; i++) {
    const picked = PROPERTIES.filter(() => rng.random() < 0.5);
    for (let k = picked.length - 1; k > 0; k--) {
      const j = rng.integer(k + 1);
      [picked[k], picked[j]] = [picked[j]!, picked[k]!];
    }
    const sep = () => [",\n  ", ", ", ",\n  // a comment, reward: x\n  ", " ,"][rng.integer(4)]!;
    const body = picked.map((p, k) => (k === 0 ? "" : sep()) + p).join("");
    const trailing = picked.length > 0 && rng.random() < 0.5 ? "," : "";
    const before = rng.random() < 0.5 ? 'const other = { env: "Acrobot-v1", reward: 1 };\n' : "";
    const text = `import { defineExperiment } from "rl-studio";\n${before}export default defineExperiment({\n  ${body}${trailing}\n});\n`;
    agree(text, `generated #${i}:\n${text}`);
  }
});

test("the reward property's exact span: value, method, quoted key, shorthand, and the last of two", () => {
  const span = (text: string) => {
    const r = findRewardProperty(text)!;
    return text.slice(r.range.start, r.range.end);
  };
  assert.equal(span('defineExperiment({ env: "E", reward: (t) => ({ a: 1 }), seed: 1 })'), "reward: (t) => ({ a: 1 })");
  assert.equal(span('defineExperiment({ env: "E", reward(t) { return 1; } })'), "reward(t) { return 1; }");
  assert.equal(findRewardProperty('defineExperiment({ env: "E", reward(t) { return 1; } })')!.property!.kind, "method");
  assert.equal(span('defineExperiment({ env: "E", "reward": 1 })'), '"reward": 1');
  const shorthand = findRewardProperty('const reward = () => 1;\ndefineExperiment({ env: "E", reward })')!;
  assert.equal(shorthand.property!.kind, "shorthand");
  assert.equal(span('defineExperiment({ env: "E", reward: 1, reward: 2 })'), "reward: 2", "the last one runs");
});

test("defineExperiment's argument is the experiment, not an earlier object with an env key; else the first object with one", () => {
  const text = 'const x = { env: "A", reward: 1 };\nexport default defineExperiment({ env: "B", reward: 2 });';
  const r = findRewardProperty(text)!;
  assert.equal(text.slice(r.range.start, r.range.end), "reward: 2");
  assert.equal(scanExperimentObject(text)!.callStart, text.indexOf("defineExperiment"));
  const plain = 'export default { env: "A", reward: 1 };';
  assert.equal(scanExperimentObject(plain)!.callStart, null);
  assert.equal(plain.slice(findRewardProperty(plain)!.range.start, findRewardProperty(plain)!.range.end), "reward: 1");
  assert.equal(findRewardProperty("const x = { a: 1 };"), null, "no object with env");
});

test("half-typed text: an empty `reward:`, an unclosed object, an unterminated string", () => {
  const empty = `defineExperiment({\n  env: "E",\n  reward: \n  seed: 1,\n});\n`;
  const r = findRewardProperty(empty)!;
  assert.equal(r.property?.empty, true);
  assert.equal(empty.slice(r.range.start, r.range.end), "reward:");
  assert.deepEqual(r.property?.valueSpan, { start: r.property!.colon, end: r.property!.colon });

  const unclosed = 'defineExperiment({ env: "E", reward: (t) => t.envReward';
  assert.equal(unclosed.slice(findRewardProperty(unclosed)!.range.start), "reward: (t) => t.envReward");
  assert.equal(findRewardProperty('defineExperiment({ env: "E", seed: 1'), null, "no reward and nowhere to insert one");
  const o = scanExperimentObject('defineExperiment({ env: "E", seed: 1')!;
  assert.equal(o.closed, false);
  assert.equal(o.insertAt, null);

  const typing = 'defineExperiment({ name: "x", env: "CartPo';
  const env = scanExperimentObject(typing)!.properties.find((p) => p.name === "env")!.string!;
  assert.equal(env.value, "CartPo");
  assert.deepEqual(env.contentSpan, { start: typing.indexOf("CartPo"), end: typing.length });
});

test("insertion point: after the last property (before its comma), or just inside an empty object", () => {
  const text = 'defineExperiment({\n  env: "E",\n  seed: 1,\n});';
  const at = text.indexOf("seed: 1") + "seed: 1".length;
  assert.deepEqual(findRewardProperty(text)!.range, { start: at, end: at });
  const none = "defineExperiment({});";
  assert.deepEqual(findRewardProperty(none)!.range, { start: none.indexOf("{") + 1, end: none.indexOf("{") + 1 });
});

test("string values and an object value's keys, with their spans", () => {
  const text = 'defineExperiment({ name: "n", env: "CartPole-v1", hyperparameters: { gamma: 0.99, numEnvs: 8, x: }, algorithm: `ppo` })';
  const o = scanExperimentObject(text)!;
  const byName = new Map(o.properties.map((p) => [p.name, p]));
  assert.deepEqual(byName.get("env")!.string, {
    value: "CartPole-v1",
    span: { start: text.indexOf('"CartPole-v1"'), end: text.indexOf('"CartPole-v1"') + 13 },
    contentSpan: { start: text.indexOf("CartPole-v1"), end: text.indexOf("CartPole-v1") + 11 },
  });
  assert.equal(byName.get("algorithm")!.string!.value, "ppo");
  const hp = byName.get("hyperparameters")!;
  assert.equal(text.slice(hp.valueSpan.start, hp.valueSpan.end), "{ gamma: 0.99, numEnvs: 8, x: }");
  assert.deepEqual(
    hp.objectKeys!.map((k) => [k.name, text.slice(k.keySpan.start, k.keySpan.end), text.slice(k.valueSpan.start, k.valueSpan.end)]),
    [["gamma", "gamma", "0.99"], ["numEnvs", "numEnvs", "8"], ["x", "x", ""]],
  );
  assert.equal(byName.get("name")!.objectKeys, undefined);
});

test("nesting no parser survives, and 100 k-character lines, are read in linear time", () => {
  const shapes: Record<string, string> = {
    "100 k nested parentheses": "(".repeat(100_000) + "1" + ")".repeat(100_000),
    "100 k nested arrays": "[".repeat(100_000) + "]".repeat(100_000),
    "100 k unclosed parentheses": "(".repeat(100_000),
    "obs.obs.obs…": "obs." .repeat(25_000) + "x",
    "a long string": JSON.stringify("a".repeat(100_000)),
    "a long template": "`" + "${x}a".repeat(20_000) + "`",
    "nested templates": "`${".repeat(10_000) + "1" + "}`".repeat(10_000),
  };
  for (const [what, value] of Object.entries(shapes)) {
    const text = `defineExperiment({ name: "deep", env: "CartPol", reward: (t) => ${value} });\n`;
    // CPU time, not wall time: the bound must hold on a loaded machine too.
    const c0 = process.cpuUsage();
    const o = scanExperimentObject(text);
    const c = process.cpuUsage(c0);
    const ms = (c.user + c.system) / 1000;
    assert.ok(o, what);
    assert.equal(o.properties.find((p) => p.name === "env")?.string?.value, "CartPol", what);
    if (!what.includes("unclosed")) assert.equal(text.slice(findRewardProperty(text)!.range.start, findRewardProperty(text)!.range.end), `reward: (t) => ${value}`, what);
    // Linear: tens of milliseconds of CPU; a quadratic scan of 100 k characters takes seconds.
    assert.ok(ms < 1000, `${what}: ${ms.toFixed(0)} ms of CPU`);
  }
});
