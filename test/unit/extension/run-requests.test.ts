// Train and Resume carry the run settings (extension/src/run-requests.ts): the user-code timeout the
// runtime enforces (rlStudio.training.userCodeTimeoutMs) and the backend; a malformed setting is an
// error that names it, never another limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DEFAULT_USER_CODE_TIMEOUT_MS } from "../../../protocol/src/runtime.js";
import { MIN_USER_CODE_TIMEOUT_MS, resumeParams, trainParams, USER_CODE_TIMEOUT_SETTING, userCodeTimeoutMs } from "../../../extension/src/run-requests.js";

const settings = { backend: "js" as const, userCodeTimeoutMs: 12_345 };

test("the Train request carries the user-code timeout and the backend", () => {
  assert.deepEqual(trainParams("/ws/cartpole.rl.ts", "/ws/.rl-studio/runs", settings), {
    experimentPath: "/ws/cartpole.rl.ts",
    runsRoot: "/ws/.rl-studio/runs",
    backend: "js",
    userCodeTimeoutMs: 12_345,
  });
});

test("the Resume request carries them too, first without force, then with it after Resume Anyway", () => {
  assert.deepEqual(resumeParams("/ws/.rl-studio/runs/r1", settings), { runDir: "/ws/.rl-studio/runs/r1", backend: "js", userCodeTimeoutMs: 12_345 });
  assert.deepEqual(resumeParams("/ws/.rl-studio/runs/r1", settings, true), { runDir: "/ws/.rl-studio/runs/r1", backend: "js", userCodeTimeoutMs: 12_345, force: true });
});

test("the setting: unset → the runtime's default; a number ≥ the minimum as it is; anything else an error naming the setting", () => {
  assert.equal(userCodeTimeoutMs(undefined), DEFAULT_USER_CODE_TIMEOUT_MS);
  assert.equal(userCodeTimeoutMs(MIN_USER_CODE_TIMEOUT_MS), MIN_USER_CODE_TIMEOUT_MS);
  assert.equal(userCodeTimeoutMs(60_000), 60_000);
  for (const bad of [0, -5, MIN_USER_CODE_TIMEOUT_MS - 1, Number.NaN, "5000", true, {}]) {
    assert.throws(() => userCodeTimeoutMs(bad), (err: Error) => err.message.includes(USER_CODE_TIMEOUT_SETTING) && err.message.includes(`≥ ${MIN_USER_CODE_TIMEOUT_MS}`), `value ${String(bad)}`);
  }
});

test("package.json declares the setting with the same default and minimum, saying what it guards", () => {
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { contributes: { configuration: { properties: Record<string, { type: string; default: unknown; minimum: unknown; markdownDescription: string }> } } };
  const decl = pkg.contributes.configuration.properties[USER_CODE_TIMEOUT_SETTING];
  assert.ok(decl, `${USER_CODE_TIMEOUT_SETTING} is contributed`);
  assert.equal(decl.type, "number");
  assert.equal(decl.default, DEFAULT_USER_CODE_TIMEOUT_MS);
  assert.equal(decl.minimum, MIN_USER_CODE_TIMEOUT_MS);
  for (const word of ["reward", "reset", "step", "top level", "fails the run", "keeps its metrics"]) assert.ok(decl.markdownDescription.includes(word), `the description mentions "${word}"`);
});
