import { test } from "node:test";
import assert from "node:assert/strict";
import { checkComponent } from "../../../runtime/src/reward-design/check-code.js";
import { rewardSnippet } from "../../../runtime/src/reward-design/snippet.js";
import { findRewardProperty } from "../../../runtime/src/reward-design/reward-source.js";
import { describeEnv } from "../../../runtime/src/reward-design/prompt.js";
import { CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";

const FIELDS = ["x", "xDot", "theta", "thetaDot"];
const messages = (name: string, code: string) => checkComponent(name, code, FIELDS).map((p) => p.message);

test("a valid expression passes, arrow helpers and their parameters included", () => {
  assert.deepEqual(messages("upright", "1 - Math.abs(nextObs.theta) / 0.2095"), []);
  assert.deepEqual(messages("shaped", "[obs.x, nextObs.x].map((v) => v * v).reduce((a, b) => a + b, 0) + (terminated ? -1 : 0)"), []);
  assert.deepEqual(messages("keyed", 'obs["thetaDot"] * action'), []);
});

test("an unknown field gets a did-you-mean and the field list", () => {
  assert.deepEqual(messages("u", "nextObs.thetta"), ["nextObs.thetta is not an observation field: did you mean nextObs.theta? (fields: x, xDot, theta, thetaDot)"]);
  assert.match(messages("u", "obs[k]")[0]!, /computed key cannot be checked/);
});

test("statements, injections and syntax errors are refused", () => {
  assert.match(messages("a", "1); process.exit(0); (1")[0]!, /single expression/);
  assert.match(messages("a", "1 +")[0]!, /syntax error/);
  assert.match(messages("a", "")[0]!, /empty/);
  assert.match(messages("bad name", "1")[0]!, /must be an identifier/);
});

test("text V8 reads differently from TypeScript is refused before the names are checked on TypeScript's reading", () => {
  // Issue 9 item 1: TypeScript reads `0 < !--envReward + `…`` (one expression over known names);
  // V8 reads `0`, an HTML-like comment, a line of code, and another comment.
  const exploit = "0 <!--envReward + `\n), step = function () { return this.constructor.constructor('return process')(); }, () => (0\n-->`";
  assert.deepEqual(messages("a", exploit), ["`<!--` and `-->` are not allowed: V8 reads them as HTML-like comments where TypeScript reads operators"]);
  assert.match(messages("a", "nextObs.x-->0")[0]!, /HTML-like comments/);
  assert.match(messages("a", "(import('fs'), 0)")[0]!, /`import` is not available/);
  // TypeScript-only syntax parses for TypeScript's JavaScript reader; V8, compiling it as the sandbox will, does not.
  assert.match(messages("a", "nextObs.x as number")[0]!, /^syntax error: SyntaxError: Unexpected identifier 'as'/);
  assert.match(messages("a", "nextObs.x!")[0]!, /^syntax error: SyntaxError: Unexpected token '!'/);
  assert.match(messages("a", "((v: number) => v)(nextObs.x)")[0]!, /^syntax error: SyntaxError: Unexpected token ':'/);
  // The sandbox compiles in strict mode (TypeScript refuses this one first, in its own words).
  assert.match(messages("a", "010")[0]!, /Octal literals are not allowed/);
  // TypeScript's own syntax errors keep their position in the code.
  assert.match(messages("a", "1 +")[0]!, /^syntax error at line \d+, column \d+ of its code/);
});

test("free names outside the transition and Math are refused", () => {
  assert.deepEqual(messages("a", "require('fs') + process.pid"), [
    '"require" is not defined: use obs, action, nextObs, envReward, terminated, truncated, episodeStep and Math (no require, process or other globals)',
    '"process" is not defined: use obs, action, nextObs, envReward, terminated, truncated, episodeStep and Math (no require, process or other globals)',
  ]);
});

test("rewardSnippet destructures only the names used", () => {
  assert.equal(
    rewardSnippet([{ name: "upright", code: "1 - Math.abs(nextObs.theta) / 0.2095" }, { name: "alive", code: "envReward" }]),
    "reward: ({ nextObs, envReward }) => ({\n    upright: 1 - Math.abs(nextObs.theta) / 0.2095,\n    alive: envReward,\n  }),",
  );
});

test("findRewardProperty locates the reward property, or the insertion point", () => {
  const src = 'export default defineExperiment({\n  name: "a",\n  env: "CartPole-v1",\n  reward: ({ envReward }) => envReward,\n});\n';
  const at = findRewardProperty(src)!;
  assert.equal(at.text, "reward: ({ envReward }) => envReward");
  assert.equal(src.slice(at.start, at.end), at.text);
  const none = findRewardProperty('export default defineExperiment({ name: "a", env: "CartPole-v1" });')!;
  assert.equal(none.text, null);
  assert.equal(none.start, 'export default defineExperiment({ name: "a", env: "CartPole-v1"'.length);
});

test("the env description lists each field with meaning and ranges", () => {
  const d = describeEnv(CARTPOLE_SPEC);
  assert.match(d, /- theta: pole angle from vertical \(rad, positive leans right\); range -0\.4189 to 0\.4189; within an episode -0\.2094 to 0\.2094/);
  assert.match(d, /- 1: push cart to the right/);
  assert.match(d, /truncated = the time limit of 500 steps/);
});
