import { test } from "node:test";
import assert from "node:assert/strict";
import { AcrobotEnv, ACROBOT_SPEC, bound, wrap } from "../../../runtime/src/envs/acrobot.js";
import { assertAllClose, assertClose } from "./helpers.js";

// Expected states below come from a Python transcription of Gymnasium's acrobot.py (NumPy float64,
// rk4 over [0, 0.2], wrap/bound, book dynamics); the hand computations check the equations themselves.

test("Acrobot: angular accelerations at rest with torque +1, by hand from the book's equations", () => {
  // At θ1 = θ2 = 0 and rest, gravity's torques vanish (cos(−π/2) = 0) and so do the velocity terms:
  // d1 = m1·lc1² + m2·(l1² + lc2² + 2·l1·lc2) + I1 + I2 = 0.25 + 2.25 + 2 = 4.5
  // d2 = m2·(lc2² + l1·lc2) + I2 = 0.75 + 1 = 1.75
  // θ̈2 = a / (m2·lc2² + I2 − d2²/d1) = 1 / (1.25 − 3.0625/4.5) = 1.7560975…
  // θ̈1 = −d2·θ̈2 / d1 = −0.6829268…
  const ddtheta2 = 1 / (1.25 - 1.75 ** 2 / 4.5);
  const ddtheta1 = (-1.75 * ddtheta2) / 4.5;
  assertClose(ddtheta2, 1.7560975609756102, 1e-15, "θ̈2 by hand");
  assertClose(ddtheta1, -0.6829268292682932, 1e-15, "θ̈1 by hand");

  // One 0.2 s RK4 step from rest with action 2 (+1 torque): to second order θ ≈ ½·θ̈·t², θ̇ ≈ θ̈·t;
  // gravity only enters at third order, so these agree to ~1e-3.
  const env = new AcrobotEnv();
  env.setState([0, 0, 0, 0]);
  const r = env.step(2);
  const [t1, t2, w1, w2] = env.state;
  assertClose(t1, 0.5 * ddtheta1 * 0.04, 2e-3, "θ1 ≈ ½θ̈1t²");
  assertClose(t2, 0.5 * ddtheta2 * 0.04, 2e-3, "θ2 ≈ ½θ̈2t²");
  assertClose(w1, ddtheta1 * 0.2, 2e-2, "θ̇1 ≈ θ̈1t");
  assertClose(w2, ddtheta2 * 0.2, 2e-2, "θ̇2 ≈ θ̈2t");
  // Exactly, as Gymnasium computes it:
  assertAllClose(env.state, [-0.013262967177227795, 0.03428722934738544, -0.12866185280996106, 0.33450108998660194], 1e-14, "state vs Gymnasium");
  assert.equal(r.reward, -1);
  assert.equal(r.terminated, false);
  assert.deepEqual(Array.from(r.obs), [Math.cos(t1), Math.sin(t1), Math.cos(t2), Math.sin(t2), w1, w2].map(Math.fround));
});

test("Acrobot: hanging straight down at rest with no torque is an equilibrium", () => {
  const env = new AcrobotEnv();
  env.setState([0, 0, 0, 0]);
  env.step(1);
  // Only the rounding of cos(−π/2) ≈ 6e-17 moves it.
  for (const v of env.state) assert.ok(Math.abs(v) < 1e-14, `state ${env.state}`);
});

test("Acrobot: a general RK4 step with torque −1 matches Gymnasium", () => {
  const env = new AcrobotEnv();
  env.setState([0.1, -0.2, 0.3, -0.4]);
  const r = env.step(0);
  assertAllClose(env.state, [0.1544280535176176, -0.2796784625217692, 0.23102745634235644, -0.37533176739803126], 1e-14, "state");
  assert.equal(r.reward, -1);
  assert.equal(r.terminated, false);
});

test("Acrobot: angles wrap into [−π, π] and velocities are bounded at 4π and 9π", () => {
  const env = new AcrobotEnv();
  env.setState([0.5, 0.5, 12.5, 28.0]);
  env.step(2);
  const [t1, t2, w1, w2] = env.state;
  assertClose(t1, -0.8255851091363189, 1e-12, "θ1 (wrapped by −2π)");
  assertClose(t2, 2.7797259088754287, 1e-12, "θ2");
  assert.equal(w1, 4 * Math.PI, "θ̇1 clipped at +4π");
  assert.equal(w2, -9 * Math.PI, "θ̇2 clipped at −9π");

  assert.equal(wrap(Math.PI + 0.5, -Math.PI, Math.PI), Math.PI + 0.5 - 2 * Math.PI);
  assert.equal(wrap(-Math.PI - 0.5, -Math.PI, Math.PI), -Math.PI - 0.5 + 2 * Math.PI);
  assert.equal(wrap(13, -Math.PI, Math.PI), 13 - 2 * Math.PI - 2 * Math.PI, "two periods");
  assert.equal(wrap(1, -Math.PI, Math.PI), 1);
  assert.equal(bound(13, -4 * Math.PI, 4 * Math.PI), 4 * Math.PI);
  assert.equal(bound(-1, -2, 2), -1);
});

test("Acrobot: terminates with reward 0 when −cos θ1 − cos(θ1 + θ2) > 1", () => {
  const env = new AcrobotEnv();
  // Near upright and swinging: Gymnasium gives θ = (−2.9798, −0.3050) after wrapping, height
  // −cos(−2.9798) − cos(−3.2848) = 0.987 + 0.992 > 1.
  env.setState([3.1, 0.1, 1.0, -2.0]);
  const r = env.step(1);
  assertAllClose(env.state, [-2.97982278287399, -0.30501240885213543, 1.084159365104582, -2.1407615932389836], 1e-12, "state");
  const [t1, t2] = env.state;
  assert.ok(-Math.cos(t1) - Math.cos(t1 + t2) > 1);
  assert.equal(r.terminated, true);
  assert.equal(r.reward, 0);
  assert.equal(r.truncated, false);
  assert.equal(r.info.terminationCause, "target height reached");
  assert.throws(() => env.step(1), /Acrobot-v1: step\(\) called on an episode that has ended/);

  // Hanging down: height −cos 0 − cos 0 = −2, far below the target.
  env.setState([0, 0, 0, 0]);
  assert.equal(env.step(1).terminated, false);
});

test("Acrobot: reset draws θ1, θ2, θ̇1, θ̇2 uniformly in (−0.1, 0.1), rounded to float32", () => {
  const env = new AcrobotEnv();
  const lo = [Infinity, Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity, -Infinity];
  for (let seed = 0; seed < 300; seed++) {
    const { obs } = env.reset({ seed });
    env.state.forEach((v, i) => {
      assert.ok(v >= -0.1 && v <= 0.1, `seed ${seed}: state[${i}] = ${v}`);
      assert.equal(v, Math.fround(v), "reset state is float32 (Gymnasium: .astype(np.float32))");
      lo[i] = Math.min(lo[i]!, v);
      hi[i] = Math.max(hi[i]!, v);
    });
    assert.ok(env.observationSpace.contains(obs));
    assert.ok(obs[0]! > 0.99 && obs[2]! > 0.99, "both links hang down");
  }
  for (let i = 0; i < 4; i++) assert.ok(lo[i]! < -0.09 && hi[i]! > 0.09, `state[${i}] spread [${lo[i]}, ${hi[i]}]`);
});

test("Acrobot: invalid actions throw, naming the env and the space", () => {
  const env = new AcrobotEnv();
  env.reset({ seed: 0 });
  assert.throws(() => env.step(3), /Acrobot-v1: action must be one of 0, 1, 2 \(Discrete\(3\)\), got 3/);
  assert.throws(() => env.step(-1), /Discrete\(3\)/);
  assert.throws(() => env.step(1.5), /Discrete\(3\)/);
});

test("Acrobot spec: Gymnasium's v1 registration and named fields", () => {
  assert.equal(ACROBOT_SPEC.maxEpisodeSteps, 500);
  assert.equal(ACROBOT_SPEC.rewardThreshold, -100);
  assert.deepEqual(
    ACROBOT_SPEC.observationFields.map((f) => f.name),
    ["cosTheta1", "sinTheta1", "cosTheta2", "sinTheta2", "thetaDot1", "thetaDot2"],
  );
  assert.deepEqual(ACROBOT_SPEC.terminationCauses, ["target height reached"]);
});
