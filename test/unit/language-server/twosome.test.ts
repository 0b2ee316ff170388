/**
 * The language server on TWOSOME experiments: diagnostics on the llm block (the runtime's own
 * validator, each on the field it names), on TWOSOME-only / PPO-only hyperparameters and on a
 * non-text env; completion of llm keys (top level and inside lora) and of TWOSOME's hyperparameters;
 * hover documentation of llm fields.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { TextDocument } from "vscode-languageserver-textdocument";
import { parseExperiment } from "../../../language-server/src/experiment-ast.js";
import { checkExperiment } from "../../../language-server/src/checks.js";
import { completions } from "../../../language-server/src/completion.js";
import { hoverAt } from "../../../language-server/src/hover.js";

const file = (body: string, env = "Overcooked-TomatoSalad-v0", algorithm = "twosome") =>
  `import { defineExperiment } from "rl-studio";\nexport default defineExperiment({\n  name: "t",\n  env: "${env}",\n  algorithm: "${algorithm}",\n${body}\n});\n`;

function problems(text: string) {
  const ast = parseExperiment(text);
  assert.ok(ast);
  return checkExperiment(ast).map((p) => ({ code: p.code, message: p.message, covers: text.slice(p.span.start, p.span.end) }));
}

test("diagnostics: bad llm values on their fields, an unknown key, llm under ppo, a non-text env, hyperparameters of the other algorithm", () => {
  const bad = problems(file('  llm: { normalization: "words", lora: { rank: 0, targets: ["q", "x"] }, modle: "m.gguf" },\n  hyperparameters: { hiddenSizes: [32], valueNumMinibatches: 5 },'));
  const by = (covers: string) => bad.find((p) => p.covers === covers);
  assert.match(by('"words"')!.message, /llm\.normalization = "words": must be one of "token", "word", "none"/);
  assert.match(by("0")!.message, /llm\.lora\.rank = 0: must be an integer ≥ 1 and ≤ 256/);
  assert.match(by('["q", "x"]')!.message, /llm\.lora\.targets/);
  assert.match(by("modle")!.message, /did you mean "model"/);
  assert.match(by("[32]")!.message, /hiddenSizes is read only by algorithm "ppo", not by "twosome"/);
  assert.match(by("5")!.message, /valueNumMinibatches = 5: batch of 128 .* is not divisible/);
  assert.deepEqual(problems(file('  llm: { normalization: "token", lora: { rank: 4, alpha: 8, dropout: 0.05, targets: ["q", "v"] } },\n  hyperparameters: { learningRate: 1e-4, valueLearningRate: 1e-3 },')), []);

  const ppo = problems(file('  llm: { normalization: "word" },\n  hyperparameters: { valueLearningRate: 1e-3 },', "CartPole-v1", "ppo"));
  assert.ok(ppo.some((p) => p.covers === "llm" && /read only by algorithm "twosome", not by "ppo"/.test(p.message)));
  assert.ok(ppo.some((p) => p.covers === "1e-3" && /valueLearningRate is read only by algorithm "twosome"/.test(p.message)));

  const cartpole = problems(file("", "CartPole-v1"));
  assert.ok(cartpole.some((p) => p.code === "algorithm-text-env" && /CartPole-v1 has none\. Text envs: Overcooked-TomatoSalad-v0/.test(p.message)));
});

test("completion: llm keys, lora keys, and the hyperparameters TWOSOME reads", () => {
  const labels = (text: string, needle: string) => {
    const doc = TextDocument.create("file:///t.rl.ts", "typescript", 1, text);
    return completions(doc, parseExperiment(text), text.indexOf(needle) + needle.length).map((c) => c.label);
  };
  const top = file('  llm: { normalization: "word",  },');
  assert.deepEqual(labels(top, 'normalization: "word", '), ["model", "lora"]);
  const lora = file("  llm: { lora: { rank: 4,  } },");
  assert.deepEqual(labels(lora, "rank: 4, "), ["alpha", "dropout", "targets"]);
  const hp = labels(file("  hyperparameters: {  },"), "hyperparameters: { ");
  assert.ok(hp.includes("valueLearningRate") && hp.includes("gradientAccumulationSteps") && !hp.includes("hiddenSizes"));
  const ppoHp = labels(file("  hyperparameters: {  },", "CartPole-v1", "ppo"), "hyperparameters: { ");
  assert.ok(ppoHp.includes("hiddenSizes") && !ppoHp.includes("valueLearningRate"));
});

test("hover: an llm field's meaning, default and allowed values; a hyperparameter's TWOSOME default", () => {
  const text = file('  llm: { normalization: "word", lora: { rank: 4 } },\n  hyperparameters: { learningRate: 1e-4 },');
  const doc = TextDocument.create("file:///t.rl.ts", "typescript", 1, text);
  const ast = parseExperiment(text);
  const at = (needle: string) => (hoverAt(doc, ast, text.indexOf(needle) + 1, null)?.contents as { value: string } | undefined)?.value ?? "";
  assert.match(at("normalization"), /\*\*llm\.normalization\*\* — How an action's summed token log-likelihood is normalised.*Default: "word"/s);
  assert.match(at("rank"), /\*\*llm\.lora\.rank\*\*.*Default: 8.*Valid: an integer ≥ 1 and ≤ 256/s);
  assert.match(at("learningRate"), /TWOSOME \(`algorithm: "twosome"`, its scripts\): `5e-7`/);
});
