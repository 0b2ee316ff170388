/**
 * The algorithm checks are driven by the runtime's algorithm table (runtime/src/experiment/
 * algorithms.ts): the same table resolve accepts, and any table passed to the pure check.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseExperiment } from "../../../language-server/src/experiment-ast.js";
import { checkExperiment } from "../../../language-server/src/checks.js";
import { ALGORITHMS, findAlgorithm, type AlgorithmSpec } from "../../../runtime/src/experiment/algorithms.js";
import { resolveExperiment } from "../../../runtime/src/experiment/resolve.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** resolve only checks that the model file exists (the trainer loads it). */
const TEST_MODEL_FILE = join(mkdtempSync(join(tmpdir(), "rl-algorithms-")), "model.gguf");
writeFileSync(TEST_MODEL_FILE, "");

const experiment = (env: string, algorithm: string) =>
  `import { defineExperiment } from "rl-studio";\nexport default defineExperiment({\n  name: "n",\n  env: "${env}",\n  algorithm: "${algorithm}",\n});\n`;

const TABLE: readonly AlgorithmSpec[] = [
  { id: "dqn", actionKinds: ["discrete"], doc: "Deep Q-Network (discrete actions only)." },
  ...ALGORITHMS,
];

function problems(text: string, algorithms?: readonly AlgorithmSpec[]) {
  const ast = parseExperiment(text);
  assert.ok(ast);
  return checkExperiment(ast, algorithms ? { algorithms } : {}).map((p) => ({ ...p, covers: text.slice(p.span.start, p.span.end) }));
}

test("a discrete-only algorithm from the table fits CartPole-v1 (Discrete)", () => {
  assert.deepEqual(problems(experiment("CartPole-v1", "dqn"), TABLE), []);
});

test("a discrete-only algorithm from the table does not fit Pendulum-v1 (Box), with a fix to the one that does", () => {
  const text = experiment("Pendulum-v1", "dqn");
  const [p, ...rest] = problems(text, TABLE);
  assert.deepEqual(rest, []);
  assert.equal(p?.code, "algorithm-action-space");
  assert.equal(p?.covers, '"dqn"');
  assert.equal(p?.message, `Algorithm "dqn" does not handle Pendulum-v1's continuous (Box) action space; "ppo" does.`);
  assert.equal(p?.fix?.newText, "ppo");
  assert.equal(text.slice(p!.fix!.span.start, p!.fix!.span.end), "dqn");
});

test("the table decides which ids exist: without a table row, an id is unknown", () => {
  const [p] = problems(experiment("CartPole-v1", "dqn"));
  assert.equal(p?.code, "unknown-algorithm");
  assert.equal(p?.message, 'Unknown algorithm "dqn". Allowed: "ppo", "twosome".');
  const [q] = problems(experiment("CartPole-v1", "ppo"), [{ id: "dqn", actionKinds: ["discrete"], doc: "" }]);
  assert.equal(q?.code, "unknown-algorithm");
  assert.equal(q?.message, 'Unknown algorithm "ppo". Allowed: "dqn".');
});

test("the runtime's resolve accepts exactly the table's ids", () => {
  const source = { path: "/x.rl.ts", text: "", sha256: "", bundle: "" };
  for (const alg of ALGORITHMS) {
    // A text-only algorithm (twosome) is checked on a text env; its model comes from the override.
    const env = "textEnvOnly" in alg && alg.textEnvOnly ? "Overcooked-TomatoSalad-v0" : "CartPole-v1";
    const overrides = alg.id === "twosome" ? { model: TEST_MODEL_FILE } : {};
    assert.equal(resolveExperiment({ name: "n", env, algorithm: alg.id }, source, overrides).algorithm, alg.id);
    assert.ok(findAlgorithm(alg.id));
  }
  assert.throws(() => resolveExperiment({ name: "n", env: "CartPole-v1", algorithm: "dqn" }, source), /algorithm = "dqn" is not supported/);
});
