import { test } from "node:test";
import assert from "node:assert/strict";
import { parseExperiment } from "../../../language-server/src/experiment-ast.js";
import { checkExperiment } from "../../../language-server/src/checks.js";

const file = (subgoals: string) => `import { defineExperiment } from "rl-studio";
export default defineExperiment({
  name: "mc",
  env: "MountainCar-v0",
  algorithm: "ppo",
  subgoals: [
${subgoals}
  ],
});
`;

function problems(subgoals: string) {
  const text = file(subgoals);
  return checkExperiment(parseExperiment(text)!).map((p) => ({ code: p.code, text: text.slice(p.span.start, p.span.end), message: p.message, severity: p.severity, fix: p.fix?.newText }));
}

test("a well-written sub-goal list has no diagnostics", () => {
  assert.deepEqual(
    problems(`    { name: "moving", achieved: ({ obs }) => Math.abs(obs.velocity) > 0.01 },
    { name: "left", description: "swing left", achieved({ obs }) { if (obs.velocity > 0) return false; return obs.position < -0.9; } },`),
    [],
  );
});

test("an unknown field is an error at the field, with the fix", () => {
  const [p] = problems(`    { name: "left", achieved: ({ obs }) => obs.postion < -0.9 },`);
  assert.equal(p!.code, "unknown-observation-field");
  assert.equal(p!.text, "postion");
  assert.equal(p!.fix, "position");
  assert.match(p!.message, /MountainCar-v0 has no observation field "postion". Did you mean "position"\?/);
});

test("a predicate returning a number, a string or nothing is an error at what it returns", () => {
  const ps = problems(`    { name: "a", achieved: ({ obs }) => obs.position },
    { name: "b", achieved: ({ obs }) => Math.abs(obs.velocity) },
    { name: "c", achieved: ({ obs }) => obs.position > 0 ? "yes" : false },
    { name: "d", achieved: () => { return; } },`);
  assert.deepEqual(ps.map((p) => [p.code, p.text]), [
    ["subgoal-return-type", "obs.position"],
    ["subgoal-return-type", "Math.abs(obs.velocity)"],
    ["subgoal-return-type", '"yes"'],
    ["subgoal-return-type", "return;"],
  ]);
  assert.match(ps[0]!.message, /Sub-goal "a": achieved returns a number; it must return true or false/);
});

test("nextObs, a throw, bad and duplicate names", () => {
  const ps = problems(`    { name: "a b", achieved: ({ nextObs }) => nextObs.position > 0 },
    { name: "c", achieved: ({ obs }) => { if (obs.position > 1) throw new Error("no"); return true; } },
    { name: "c", achieved: () => true },`);
  assert.deepEqual(ps.map((p) => [p.code, p.text, p.severity]), [
    ["subgoal-name", '"a b"', "error"],
    ["subgoal-observation", "position", "error"],
    ["subgoal-throws", 'throw new Error("no");', "warning"],
    ["subgoal-name", '"c"', "error"],
  ]);
});
