import { test } from "node:test";
import assert from "node:assert/strict";
import { RewardError, RewardShaper } from "../../../runtime/src/experiment/reward-shaper.js";
import { CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";
import type { RewardFunction, Transition } from "../../../runtime/src/api.js";

const obs = (x: number, xDot: number, theta: number, thetaDot: number) => new Float32Array([x, xDot, theta, thetaDot]);

test("observations reach the function as records named by the env's fields, with the transition's other values", () => {
  const seen: Transition[] = [];
  const shaper = new RewardShaper((t) => (seen.push(t), 0), CARTPOLE_SPEC, 1);
  shaper.shape(0, obs(0.5, -1, 0.125, 2), 1, obs(0.25, 0, -0.125, 0), 1, true, false, 7);
  const t = seen[0]!;
  assert.deepEqual(t.obs, { x: 0.5, xDot: -1, theta: 0.125, thetaDot: 2 });
  assert.deepEqual(t.nextObs, { x: 0.25, xDot: 0, theta: -0.125, thetaDot: 0 });
  assert.equal(t.action, 1);
  assert.equal(t.envReward, 1);
  assert.equal(t.terminated, true);
  assert.equal(t.truncated, false);
  assert.equal(t.episodeStep, 7);
});

test("a continuous action is handed over as a plain array", () => {
  let action: unknown;
  const shaper = new RewardShaper((t) => ((action = t.action), 0), CARTPOLE_SPEC, 1);
  shaper.shape(0, obs(0, 0, 0, 0), new Float32Array([0.5, -2]), obs(0, 0, 0, 0), 0, false, false, 0);
  assert.deepEqual(action, [0.5, -2]);
});

test("a bare number is the reward and is summed under the component 'reward'", () => {
  const shaper = new RewardShaper((t) => t.envReward * 2, CARTPOLE_SPEC, 2);
  assert.equal(shaper.shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 0), 2);
  assert.equal(shaper.shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 0.5, false, false, 1), 1);
  assert.deepEqual(shaper.componentNames, ["reward"]);
  assert.deepEqual(shaper.takeEpisodeSums(0), { reward: 3 });
  assert.deepEqual(shaper.takeEpisodeSums(0), { reward: 0 }, "taking the sums resets them");
});

test("named components are summed into the reward and per env per episode", () => {
  // upright = 1 − |θ|/0.2095 as in the README's example; θ = 0.2095/2 gives 0.5.
  const fn: RewardFunction = ({ nextObs, envReward }) => ({ alive: envReward, upright: 1 - Math.abs(nextObs.theta!) / 0.2095 });
  const shaper = new RewardShaper(fn, CARTPOLE_SPEC, 2);
  const half = 0.2095 / 2;
  const r0 = shaper.shape(0, obs(0, 0, 0, 0), 1, obs(0, 0, half, 0), 1, false, false, 0);
  assert.ok(Math.abs(r0 - 1.5) < 1e-6, `1 + 0.5, got ${r0}`);
  shaper.shape(0, obs(0, 0, 0, 0), 1, obs(0, 0, 0, 0), 1, false, false, 1); // 1 + 1
  shaper.shape(1, obs(0, 0, 0, 0), 0, obs(0, 0, -half, 0), 1, false, false, 0); // env 1: 1 + 0.5
  assert.deepEqual(shaper.componentNames, ["alive", "upright"]);
  const env0 = shaper.takeEpisodeSums(0);
  assert.equal(env0.alive, 2);
  assert.ok(Math.abs(env0.upright! - 1.5) < 1e-6);
  const env1 = shaper.takeEpisodeSums(1);
  assert.equal(env1.alive, 1);
  assert.ok(Math.abs(env1.upright! - 0.5) < 1e-6);
});

test("a component first seen mid-run reads 0 for envs that never returned it", () => {
  const shaper = new RewardShaper((t): Record<string, number> => (t.episodeStep > 0 ? { a: 1, late: 2 } : { a: 1 }), CARTPOLE_SPEC, 2);
  shaper.shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 0, false, false, 0);
  shaper.shape(1, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 0, false, false, 1);
  assert.deepEqual(shaper.takeEpisodeSums(0), { a: 1, late: 0 });
  assert.deepEqual(shaper.takeEpisodeSums(1), { a: 1, late: 2 });
});

function catchRewardError(run: () => unknown): RewardError {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof RewardError, `expected a RewardError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a RewardError");
}

test("NaN in a component names the component, the step and the observation fields", () => {
  // A misspelt field: nextObs.angle is undefined on CartPole, so the arithmetic gives NaN.
  const shaper = new RewardShaper((t) => ({ alive: 1, upright: 1 - Math.abs((t.nextObs as Record<string, number>).angle!) }), CARTPOLE_SPEC, 3);
  const err = catchRewardError(() => shaper.shape(2, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 12));
  assert.equal(err.component, "upright");
  assert.equal(err.episodeStep, 12);
  assert.equal(err.envIndex, 2);
  assert.match(err.message, /episode step 12/);
  assert.match(err.message, /component "upright" = NaN/);
  assert.match(err.message, /CartPole-v1 has x, xDot, theta, thetaDot/);
});

test("Infinity, a non-number component, and a bare NaN are RewardErrors", () => {
  const inf = catchRewardError(() => new RewardShaper(() => ({ bonus: Infinity }), CARTPOLE_SPEC, 1).shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 3));
  assert.equal(inf.component, "bonus");
  assert.match(inf.message, /component "bonus" = Infinity.*finite number/);
  const str = catchRewardError(() => new RewardShaper(() => ({ bonus: "1" }) as unknown as number, CARTPOLE_SPEC, 1).shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 0));
  assert.match(str.message, /component "bonus" = "1"/);
  const bare = catchRewardError(() => new RewardShaper(() => Number.NaN, CARTPOLE_SPEC, 1).shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 5));
  assert.equal(bare.component, "reward");
  assert.match(bare.message, /episode step 5.*returned NaN/);
  const negInf = catchRewardError(() => new RewardShaper(() => -Infinity, CARTPOLE_SPEC, 1).shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 0));
  assert.match(negInf.message, /returned -Infinity/);
});

test("a return that is neither a number nor a record is a RewardError", () => {
  for (const bad of [undefined, null, [1, 2], true]) {
    const err = catchRewardError(() => new RewardShaper(() => bad as unknown as number, CARTPOLE_SPEC, 1).shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 4));
    assert.match(err.message, /must return a number or a record of named numbers/);
    assert.equal(err.episodeStep, 4);
  }
});

test("a throwing reward becomes a RewardError with the step and the original error as cause", () => {
  const boom = new TypeError("cannot read properties of undefined");
  const err = catchRewardError(() =>
    new RewardShaper(() => {
      throw boom;
    }, CARTPOLE_SPEC, 1).shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 9),
  );
  assert.equal(err.episodeStep, 9);
  assert.equal(err.cause, boom);
  assert.match(err.message, /episode step 9.*threw TypeError: cannot read properties of undefined/);
});

test("a failed step leaves the episode sums as they were", () => {
  let fail = false;
  const shaper = new RewardShaper(() => (fail ? { a: 1, b: Number.NaN } : { a: 1, b: 1 }), CARTPOLE_SPEC, 1);
  shaper.shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 0);
  fail = true;
  catchRewardError(() => shaper.shape(0, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 1));
  assert.deepEqual(shaper.takeEpisodeSums(0), { a: 1, b: 1 });
});

test("an env index outside the vector is a RangeError", () => {
  const shaper = new RewardShaper(() => 0, CARTPOLE_SPEC, 2);
  assert.throws(() => shaper.shape(2, obs(0, 0, 0, 0), 0, obs(0, 0, 0, 0), 1, false, false, 0), RangeError);
  assert.throws(() => shaper.takeEpisodeSums(-1), RangeError);
  assert.throws(() => new RewardShaper(() => 0, CARTPOLE_SPEC, 0), RangeError);
});
