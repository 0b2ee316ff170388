import { test } from "node:test";
import assert from "node:assert/strict";
import { TimeLimit } from "../../../runtime/src/envs/time-limit.js";
import { PendulumEnv } from "../../../runtime/src/envs/pendulum.js";
import { MountainCarEnv } from "../../../runtime/src/envs/mountain-car.js";
import { TIME_LIMIT } from "../../../runtime/src/envs/types.js";

const ZERO = new Float32Array([0]);

test("TimeLimit: truncated exactly on step maxEpisodeSteps with info.truncationCause, then stepping is an error", () => {
  const env = new TimeLimit(new PendulumEnv(), 3);
  env.reset({ seed: 1 });
  for (let t = 1; t <= 2; t++) {
    const r = env.step(ZERO);
    assert.equal(r.truncated, false, `step ${t}`);
    assert.equal(r.info.truncationCause, undefined);
    assert.equal(env.elapsedSteps, t);
  }
  const last = env.step(ZERO);
  assert.equal(last.truncated, true);
  assert.equal(last.terminated, false);
  assert.equal(last.info.truncationCause, TIME_LIMIT);
  assert.throws(() => env.step(ZERO), /Pendulum-v1: step\(\) called on an episode that has ended/);
  // reset starts a new count.
  env.reset();
  assert.equal(env.elapsedSteps, 0);
  assert.equal(env.step(ZERO).truncated, false);
});

test("TimeLimit: defaults to spec.maxEpisodeSteps (Pendulum-v1: 200)", () => {
  const env = new TimeLimit(new PendulumEnv());
  assert.equal(env.maxEpisodeSteps, 200);
  env.reset({ seed: 0 });
  let steps = 0;
  for (;;) {
    steps++;
    if (env.step(ZERO).truncated) break;
  }
  assert.equal(steps, 200);
});

test("TimeLimit: an episode that terminates on the last allowed step is both terminated and truncated (as in Gymnasium)", () => {
  const env = new TimeLimit(new MountainCarEnv(), 1);
  env.reset({ seed: 0 });
  (env.unwrapped as MountainCarEnv).setState([0.49, 0.02]);
  const r = env.step(2);
  assert.equal(r.terminated, true);
  assert.equal(r.truncated, true);
  assert.equal(r.info.terminationCause, "goal reached");
  assert.equal(r.info.truncationCause, TIME_LIMIT);
});

test("TimeLimit: passes spec and spaces through, rejects a bad limit, and does not mutate the env's info", () => {
  const inner = new PendulumEnv();
  const env = new TimeLimit(inner, 1);
  assert.equal(env.spec, inner.spec);
  assert.equal(env.observationSpace, inner.observationSpace);
  assert.equal(env.actionSpace, inner.actionSpace);
  assert.equal(env.unwrapped, inner);
  assert.equal(new TimeLimit(env, 5).unwrapped, inner);
  assert.throws(() => new TimeLimit(inner, 0), /TimeLimit\(Pendulum-v1\): maxEpisodeSteps must be a positive integer, got 0/);
  assert.throws(() => env.step(ZERO), /never reset/);
});
