import { test } from "node:test";
import assert from "node:assert/strict";
import { PendulumEnv, PENDULUM_SPEC, angleNormalize } from "../../../runtime/src/envs/pendulum.js";
import { assertAllClose, assertClose } from "./helpers.js";

// Published dynamics (Gymnasium's pendulum.py): θ̇' = clip(θ̇ + (3g/(2l)·sin θ + 3/(ml²)·u)·dt, ±8),
// θ' = θ + θ̇'·dt, g = 10, m = l = 1, dt = 0.05; reward −(norm(θ)² + 0.1·θ̇² + 0.001·u²) before the update.
// "vs Gymnasium" numbers: a Python transcription of pendulum.py run with float64 actions (under NumPy 2's
// NEP 50 a float32 action makes 0.001·u² a float32 product, which shifts the reward by ~1e-10).

test("Pendulum: one step from θ = 1, θ̇ = 0.5 with torque 1.5, by hand", () => {
  const env = new PendulumEnv();
  env.setState([1.0, 0.5]);
  const r = env.step(new Float32Array([1.5]));
  const thdot = 0.5 + (15 * Math.sin(1.0) + 3 * 1.5) * 0.05; // 0.5 + (12.6221 + 4.5)·0.05 = 1.35610
  const th = 1.0 + thdot * 0.05;
  assertAllClose(env.state, [th, thdot], 1e-15, "state");
  assertAllClose(env.state, [1.0678051619302962, 1.3561032386059226], 1e-15, "state vs Gymnasium");
  // Cost uses the state before the update: 1² + 0.1·0.5² + 0.001·1.5² = 1 + 0.025 + 0.00225.
  assertClose(r.reward, -(1 + 0.025 + 0.00225), 1e-15, "reward");
  assertClose(r.reward, -1.02725, 1e-15, "reward vs Gymnasium");
  assert.deepEqual(Array.from(r.obs), [Math.cos(th), Math.sin(th), thdot].map(Math.fround));
  assert.equal(r.terminated, false);
  assert.equal(r.truncated, false);
});

test("Pendulum: u² in the cost is a float64 product of the float32 torque, as Gymnasium computes it", () => {
  // u = float32(1.3) = 1.2999999523162842. Reference: Gymnasium's pendulum.py step in float64
  // (NumPy 1.x promotion: a float32 scalar times a Python number is float64), CPython repr.
  // Rounding u·u to float32 first gives −1.0266899998188017 instead.
  const env = new PendulumEnv();
  env.setState([1.0, 0.5]);
  const r = env.step(new Float32Array([1.3]));
  assert.equal(r.reward, -1.0266899998760222);
  assert.deepEqual(env.state, [1.0663051615726682, 1.3261032314533652]);
});

test("Pendulum: torque clipped to ±2, angular velocity to ±8; the angle in the cost is normalised into [−π, π)", () => {
  const env = new PendulumEnv();
  env.setState([4.0, -7.9]);
  const r = env.step(new Float32Array([-3]));
  // θ̇' = −7.9 + (15·sin 4 − 3·2)·0.05 = −7.9 − 0.8676 → clipped to −8; θ' = 4 − 0.4 = 3.6.
  assert.deepEqual(env.state, [4.0 + -8 * 0.05, -8]);
  // norm(4) = 4 − 2π = −2.28319; cost = 2.28319² + 0.1·7.9² + 0.001·2² (u clipped to −2).
  const cost = (4 - 2 * Math.PI) ** 2 + 0.1 * 7.9 ** 2 + 0.001 * 4;
  assertClose(r.reward, -cost, 1e-13, "reward");
  assertClose(r.reward, -11.457935146920741, 1e-13, "reward vs Gymnasium");
});

test("Pendulum: angleNormalize uses the floored modulo of Python", () => {
  assertClose(angleNormalize(4.0), 4.0 - 2 * Math.PI, 1e-15, "4");
  assertClose(angleNormalize(-4.0), -4.0 + 2 * Math.PI, 1e-15, "−4");
  assert.equal(angleNormalize(Math.PI), -Math.PI, "π maps to −π ([−π, π) )");
  assert.equal(angleNormalize(0), 0);
  assertClose(angleNormalize(7 * Math.PI + 0.25), -Math.PI + 0.25, 1e-13, "7π + 0.25");
});

test("Pendulum: upright at rest with no torque earns the maximum reward 0 and stays there", () => {
  const env = new PendulumEnv();
  env.setState([0, 0]);
  const r = env.step(new Float32Array([0]));
  assert.equal(r.reward === 0, true);
  assert.deepEqual(env.state, [0, 0]);
});

test("Pendulum: never terminates by itself; reset draws θ in [−π, π) and θ̇ in [−1, 1)", () => {
  const env = new PendulumEnv();
  env.reset({ seed: 0 });
  for (let t = 0; t < 300; t++) assert.equal(env.step(new Float32Array([2])).terminated, false);
  let lo = [Infinity, Infinity];
  let hi = [-Infinity, -Infinity];
  for (let seed = 0; seed < 300; seed++) {
    const { obs } = env.reset({ seed });
    const [th, thdot] = env.state;
    assert.ok(th >= -Math.PI && th < Math.PI, `θ ${th}`);
    assert.ok(thdot >= -1 && thdot < 1, `θ̇ ${thdot}`);
    assert.ok(env.observationSpace.contains(obs));
    lo = [Math.min(lo[0]!, th), Math.min(lo[1]!, thdot)];
    hi = [Math.max(hi[0]!, th), Math.max(hi[1]!, thdot)];
  }
  assert.ok(lo[0]! < -2.9 && hi[0]! > 2.9 && lo[1]! < -0.9 && hi[1]! > 0.9, `spread ${lo} ${hi}`);
});

test("Pendulum: malformed actions throw; spec follows Gymnasium's registration", () => {
  const env = new PendulumEnv();
  env.reset({ seed: 0 });
  assert.throws(() => env.step(new Float32Array([Infinity])), /Pendulum-v1: action\[0\] must be a finite number/);
  assert.throws(() => env.step(new Float32Array(0)), /Pendulum-v1: action must have length 1/);
  assert.equal(PENDULUM_SPEC.maxEpisodeSteps, 200);
  assert.equal(PENDULUM_SPEC.rewardThreshold, undefined);
  assert.deepEqual(PENDULUM_SPEC.observationFields.map((f) => f.name), ["cosTheta", "sinTheta", "thetaDot"]);
  assert.deepEqual(PENDULUM_SPEC.terminationCauses, []);
});
