import { test } from "node:test";
import assert from "node:assert/strict";
import { CartPoleEnv, CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";
import { assertAllClose } from "./helpers.js";

test("CartPole: one step from [0.01, −0.02, 0.03, 0.04] with action 1 (force +10 N), by hand from Florian (2007)", () => {
  const env = new CartPoleEnv();
  env.setState([0.01, -0.02, 0.03, 0.04]);
  const r = env.step(1);

  // Hand computation with Gymnasium's constants: g = 9.8, m_c = 1, m_p = 0.1, half-length l = 0.5, τ = 0.02.
  const F = 10;
  const sin = Math.sin(0.03); // 0.0299955002…
  const cos = Math.cos(0.03); // 0.9995500337…
  const temp = (F + 0.1 * 0.5 * 0.04 ** 2 * sin) / 1.1; // (F + m_p·l·θ̇²·sinθ)/(m_c + m_p) = 9.0909…
  const thetaAcc = (9.8 * sin - cos * temp) / (0.5 * (4 / 3 - (0.1 * cos * cos) / 1.1)); // ≈ −14.1534
  const xAcc = temp - (0.1 * 0.5 * thetaAcc * cos) / 1.1; // ≈ 9.7340
  const expected = [0.01 + 0.02 * -0.02, -0.02 + 0.02 * xAcc, 0.03 + 0.02 * 0.04, 0.04 + 0.02 * thetaAcc];
  assertAllClose(env.state, expected, 1e-15, "state");
  // The same step run through a Python transcription of Gymnasium's cartpole.py (NumPy float64).
  assertAllClose(env.state, [0.009600000000000001, 0.17467919574755525, 0.030799999999999998, -0.2430687179600081], 1e-15, "state vs Gymnasium");
  // Euler order: x uses the old velocity, so x only moved by τ·ẋ.
  assert.equal(env.state[0], 0.01 + 0.02 * -0.02);
  assert.deepEqual(Array.from(r.obs), expected.map(Math.fround));
  assert.equal(r.reward, 1);
  assert.equal(r.terminated, false);
  assert.equal(r.truncated, false);
});

test("CartPole: Gymnasium's operation order to the last bit (θ̇**2 and cosθ**2 are single products)", () => {
  // Reference: a transcription of Gymnasium's cartpole.py `step` run in CPython (float64; Python's
  // x**2 is one correctly rounded x·x), printed with float.hex and converted exactly. At this state
  // sin/cos of V8 and glibc agree, so any difference is operation order. Grouping the products as
  // m_p·l·θ̇·θ̇·sinθ and m_p·cosθ·cosθ (left to right) gives ẋ = 0.5826571998991977 and
  // θ̇ = 1.3975158598210187 instead: one ulp each, which a 500-step episode amplifies chaotically.
  const env = new CartPoleEnv();
  env.setState([0.00722386, 0.38608, -0.165509, 1.73679]);
  env.step(1);
  assert.deepEqual(env.state, [0.01494546, 0.5826571998991978, -0.13077319999999998, 1.3975158598210184]);
  // Same check from another state, pushing left (reference as above).
  env.setState([0.0169957, 0.857657, -0.037343, -0.109148]);
  env.step(0);
  assert.deepEqual(env.state, [0.03414884, 0.6630895141457035, -0.03952596, 0.17152346869720972]);
});

test("CartPole: action 0 pushes with −10 N (mirror image of action 1 from the mirrored state)", () => {
  const a = new CartPoleEnv();
  const b = new CartPoleEnv();
  a.setState([0.1, 0.2, 0.05, -0.3]);
  b.setState([-0.1, -0.2, -0.05, 0.3]);
  a.step(1);
  b.step(0);
  assertAllClose(a.state, b.state.map((v) => -v), 1e-15, "mirrored state");
});

test("CartPole: terminates when |θ| exceeds 12° (0.20944 rad), not at it", () => {
  const env = new CartPoleEnv();
  // θ' = θ + τ·θ̇ = 0.2 + 0.02·0.5 = 0.21 > 0.2094395: terminated on this step, with reward 1.
  env.setState([0, 0, 0.2, 0.5]);
  const r = env.step(1);
  assert.equal(r.terminated, true);
  assert.equal(r.reward, 1);
  assert.equal(r.info.terminationCause, "pole angle");
  assert.throws(() => env.step(1), /CartPole-v1: step\(\) called on an episode that has ended/);

  // θ' = 0.2 + 0.02·0.4 = 0.208 < 0.2094395: still running.
  env.setState([0, 0, 0.2, 0.4]);
  assert.equal(env.step(1).terminated, false);
  // Negative side.
  env.setState([0, 0, -0.2, -0.5]);
  assert.equal(env.step(0).info.terminationCause, "pole angle");
});

test("CartPole: terminates when |x| exceeds 2.4", () => {
  const env = new CartPoleEnv();
  // x' = 2.39 + 0.02·1 = 2.41 > 2.4.
  env.setState([2.39, 1, 0, 0]);
  const r = env.step(1);
  assert.equal(r.terminated, true);
  assert.equal(r.info.terminationCause, "cart position");
  // x' = 2.39 + 0.02·0.4 = 2.398 ≤ 2.4.
  env.setState([2.39, 0.4, 0, 0]);
  assert.equal(env.step(1).terminated, false);
  env.setState([-2.39, -1, 0, 0]);
  assert.equal(env.step(0).info.terminationCause, "cart position");
});

test("CartPole: reset draws every state variable uniformly in (−0.05, 0.05); a seed reproduces it", () => {
  const env = new CartPoleEnv();
  const lo = [Infinity, Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity, -Infinity];
  for (let seed = 0; seed < 300; seed++) {
    const { obs, info } = env.reset({ seed });
    assert.deepEqual(info, {});
    env.state.forEach((v, i) => {
      assert.ok(v >= -0.05 && v < 0.05, `seed ${seed}: state[${i}] = ${v}`);
      lo[i] = Math.min(lo[i]!, v);
      hi[i] = Math.max(hi[i]!, v);
    });
    assert.ok(env.observationSpace.contains(obs));
  }
  // 300 uniform draws: each extreme within 0.005 of its end except with probability ≈ 0.9^300.
  for (let i = 0; i < 4; i++) assert.ok(lo[i]! < -0.045 && hi[i]! > 0.045, `state[${i}] spread [${lo[i]}, ${hi[i]}]`);
  const a = env.reset({ seed: 5 }).obs;
  const b = new CartPoleEnv().reset({ seed: 5 }).obs;
  assert.deepEqual(a, b);
});

test("CartPole: invalid actions and stepping before reset throw, naming the env", () => {
  const env = new CartPoleEnv();
  assert.throws(() => env.step(0), /CartPole-v1: step\(\) called .* never reset/);
  env.reset({ seed: 0 });
  assert.throws(() => env.step(2), /CartPole-v1: action must be 0 or 1/);
  assert.throws(() => env.step(-1), /action must be 0 or 1/);
  assert.throws(() => env.step(0.5), /action must be 0 or 1/);
  assert.throws(() => env.setState([0, 0, Number.NaN, 0]), /setState needs 4 finite numbers/);
});

test("CartPole spec: Gymnasium's registration (500 steps, threshold 475) and named fields", () => {
  assert.equal(CARTPOLE_SPEC.maxEpisodeSteps, 500);
  assert.equal(CARTPOLE_SPEC.rewardThreshold, 475);
  assert.deepEqual(CARTPOLE_SPEC.observationFields.map((f) => f.name), ["x", "xDot", "theta", "thetaDot"]);
  assert.deepEqual(CARTPOLE_SPEC.actionSpace, { kind: "discrete", n: 2 });
});
