import { test } from "node:test";
import assert from "node:assert/strict";
import { formatError, toErrorReport } from "../../../runtime/src/util/format-error.js";
import { ExperimentError } from "../../../runtime/src/experiment/errors.js";
import { RewardError } from "../../../runtime/src/experiment/reward-shaper.js";

test("an ExperimentError reports its location and field", () => {
  const err = new ExperimentError('unknown env id "CartPol-v1"', { file: "/w/cartpole.rl.ts", line: 5, column: 3, field: "env" });
  assert.equal(err.message, 'cartpole.rl.ts:5:3: error: unknown env id "CartPol-v1"');
  assert.deepEqual(toErrorReport(err), {
    kind: "experiment",
    message: 'cartpole.rl.ts:5:3: error: unknown env id "CartPol-v1"',
    file: "/w/cartpole.rl.ts",
    line: 5,
    column: 3,
    field: "env",
  });
  assert.equal(new ExperimentError("x", { file: "/w/a.rl.ts" }).message, "a.rl.ts: error: x");
  assert.equal(new ExperimentError("x").message, "x");
});

test("a RewardError reports step, component and the global step once the loop sets it", () => {
  const err = new RewardError('component "upright" = NaN', { envIndex: 1, episodeStep: 12, component: "upright" });
  err.globalStep = 4096;
  const report = toErrorReport(err);
  assert.equal(report.kind, "reward");
  assert.equal(report.episodeStep, 12);
  assert.equal(report.globalStep, 4096);
  assert.equal(report.component, "upright");
  assert.equal(report.message, 'reward function failed at episode step 12 of env 1: component "upright" = NaN (global step 4096)');
});

test("anything else is internal and keeps its stack for the terminal", () => {
  const err = new TypeError("x is undefined");
  assert.equal(toErrorReport(err).kind, "internal");
  assert.equal(formatError(err), err.stack);
  assert.equal(formatError("plain"), "plain");
  assert.equal(formatError(new ExperimentError("bad", { file: "/a/b.rl.ts", line: 1 })), "b.rl.ts:1: error: bad");
});
