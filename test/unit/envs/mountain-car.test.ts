import { test } from "node:test";
import assert from "node:assert/strict";
import { MountainCarEnv, MOUNTAIN_CAR_SPEC } from "../../../runtime/src/envs/mountain-car.js";
import { MountainCarContinuousEnv, MOUNTAIN_CAR_CONTINUOUS_SPEC } from "../../../runtime/src/envs/mountain-car-continuous.js";
import { assertAllClose } from "./helpers.js";

// Published dynamics (Moore 1990; Gymnasium's docstring): v' = clip(v + (a − 1)·0.001 − 0.0025·cos 3p, ±0.07),
// p' = clip(p + v', −1.2, 0.6), left wall inelastic.

test("MountainCar: one step from (−0.5, 0) accelerating right, by hand", () => {
  const env = new MountainCarEnv();
  env.setState([-0.5, 0]);
  const r = env.step(2);
  const v = 0 + (2 - 1) * 0.001 - 0.0025 * Math.cos(3 * -0.5); // 0.001 − 0.0025·0.0707372 = 0.000823157
  const p = -0.5 + v;
  assertAllClose(env.state, [p, v], 1e-17, "state");
  assertAllClose(env.state, [-0.49917684300416926, 0.0008231569958307428], 1e-16, "state vs Gymnasium");
  assert.deepEqual(Array.from(r.obs), [Math.fround(p), Math.fround(v)]);
  assert.equal(r.reward, -1);
  assert.equal(r.terminated, false);
  assert.equal(r.truncated, false);
});

test("MountainCar: velocity is clipped at ±0.07", () => {
  const env = new MountainCarEnv();
  env.setState([-0.5, 0.0695]);
  env.step(2); // 0.0695 + 0.001 − 0.0025·cos(−1.5) = 0.07032 → 0.07
  assert.equal(env.state[1], 0.07);
  env.setState([-0.5, -0.0695]);
  env.step(0); // −0.0695 − 0.001 − 0.000177 → −0.07
  assert.equal(env.state[1], -0.07);
});

test("MountainCar: hitting the left wall stops the car (inelastic collision)", () => {
  const env = new MountainCarEnv();
  env.setState([-1.19, -0.02]);
  const r = env.step(0);
  // v' = −0.02 − 0.001 − 0.0025·cos(−3.57) < 0, p' = −1.19 + v' < −1.2 → clipped to −1.2 and v' set to 0.
  assert.deepEqual(env.state, [-1.2, 0]);
  assert.equal(r.terminated, false);
});

test("MountainCar: terminates at position ≥ 0.5 with velocity ≥ 0, not when moving left", () => {
  const env = new MountainCarEnv();
  env.setState([0.49, 0.02]);
  const r = env.step(2);
  assertAllClose(env.state, [0.5107484356665326, 0.020748435666532672], 1e-16, "state vs Gymnasium");
  assert.equal(r.terminated, true);
  assert.equal(r.reward, -1);
  assert.equal(r.info.terminationCause, "goal reached");
  assert.throws(() => env.step(1), /MountainCar-v0: step\(\) called on an episode that has ended/);

  env.setState([0.49, -0.005]);
  const r2 = env.step(1); // p' = 0.4847 < 0.5
  assert.equal(r2.terminated, false);
  // Past the flag but moving left (velocity < goal_velocity 0): not terminated.
  env.setState([0.55, -0.001]);
  const r3 = env.step(1); // v' = −0.001 − 0.0025·cos(1.65) = −0.00080, p' = 0.5492 ≥ 0.5
  assert.ok(env.state[0] >= 0.5 && env.state[1] < 0);
  assert.equal(r3.terminated, false);
});

test("MountainCar: reset puts the car uniformly in [−0.6, −0.4) at rest", () => {
  const env = new MountainCarEnv();
  let lo = Infinity;
  let hi = -Infinity;
  for (let seed = 0; seed < 300; seed++) {
    const { obs } = env.reset({ seed });
    const [p, v] = env.state;
    assert.ok(p >= -0.6 && p < -0.4, `seed ${seed}: position ${p}`);
    assert.equal(v, 0);
    assert.ok(env.observationSpace.contains(obs));
    lo = Math.min(lo, p);
    hi = Math.max(hi, p);
  }
  assert.ok(lo < -0.58 && hi > -0.42, `spread [${lo}, ${hi}]`);
});

test("MountainCar: invalid actions throw", () => {
  const env = new MountainCarEnv();
  env.reset({ seed: 0 });
  assert.throws(() => env.step(3), /MountainCar-v0: action must be one of 0, 1, 2 \(Discrete\(3\)\)/);
  assert.throws(() => env.step(Number.NaN), /Discrete\(3\)/);
});

test("MountainCarContinuous: one step with force 0.5, by hand; the state is stored as float32", () => {
  const env = new MountainCarContinuousEnv();
  env.setState([-0.5, 0]);
  const r = env.step(new Float32Array([0.5]));
  const v = 0 + 0.5 * 0.0015 - 0.0025 * Math.cos(3 * -0.5); // power 0.0015
  const p = -0.5 + v;
  assert.deepEqual(env.state, [Math.fround(p), Math.fround(v)]);
  assertAllClose(env.state, [-0.49942684173583984, 0.0005731569835916162], 0, "state vs Gymnasium");
  // Reward −0.1·a² = −0.025.
  assert.equal(r.reward, -0.1 * 0.5 ** 2);
  assert.equal(r.terminated, false);
});

test("MountainCarContinuous: the force is clipped to [−1, 1] but the energy cost uses the action as given; +100 at the goal", () => {
  const env = new MountainCarContinuousEnv();
  env.setState([0.44, 0.03]);
  const r = env.step(new Float32Array([2]));
  const v = 0.03 + 1 * 0.0015 - 0.0025 * Math.cos(3 * 0.44); // force clipped to 1
  const p = 0.44 + v; // 0.4709 ≥ 0.45
  assert.deepEqual(env.state, [Math.fround(p), Math.fround(v)]);
  assert.equal(r.terminated, true);
  assert.equal(r.info.terminationCause, "goal reached");
  assert.equal(r.reward, 100 - 0.1 * 2 ** 2); // 99.6, as Gymnasium computes it
  assert.throws(() => env.step(new Float32Array([0])), /MountainCarContinuous-v0: step\(\) called on an episode that has ended/);
});

test("MountainCarContinuous: malformed actions throw, naming the env and the space", () => {
  const env = new MountainCarContinuousEnv();
  env.reset({ seed: 0 });
  assert.throws(() => env.step(new Float32Array([Number.NaN])), /MountainCarContinuous-v0: action\[0\] must be a finite number/);
  assert.throws(() => env.step(new Float32Array(2)), /must have length 1 \(Box\(-1.0, 1.0, \(1,\), float32\)\)/);
  assert.throws(() => env.step(0.5 as unknown as Float32Array), /must be a Float32Array of length 1/);
});

test("MountainCarContinuous: reset like MountainCar; specs follow Gymnasium's registrations", () => {
  const env = new MountainCarContinuousEnv();
  for (let seed = 0; seed < 50; seed++) {
    env.reset({ seed });
    assert.ok(env.state[0] >= -0.6 && env.state[0] < -0.4 && env.state[1] === 0);
  }
  assert.equal(MOUNTAIN_CAR_SPEC.maxEpisodeSteps, 200);
  assert.equal(MOUNTAIN_CAR_SPEC.rewardThreshold, -110);
  assert.equal(MOUNTAIN_CAR_CONTINUOUS_SPEC.maxEpisodeSteps, 999);
  assert.equal(MOUNTAIN_CAR_CONTINUOUS_SPEC.rewardThreshold, 90);
  assert.deepEqual(MOUNTAIN_CAR_SPEC.observationFields.map((f) => f.name), ["position", "velocity"]);
  assert.deepEqual(MOUNTAIN_CAR_CONTINUOUS_SPEC.actionSpace, { kind: "box", low: [-1], high: [1] });
});
