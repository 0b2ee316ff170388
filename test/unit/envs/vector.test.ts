import { test } from "node:test";
import assert from "node:assert/strict";
import { SyncVectorEnv } from "../../../runtime/src/envs/vector.js";
import { makeEnv } from "../../../runtime/src/envs/registry.js";
import { CartPoleEnv } from "../../../runtime/src/envs/cartpole.js";
import { TIME_LIMIT } from "../../../runtime/src/envs/types.js";

test("SyncVectorEnv.reset(seed) seeds sub-env i with seed + i and batches the observations row-major", () => {
  const vec = new SyncVectorEnv(() => makeEnv("Acrobot-v1"), 3);
  assert.equal(vec.autoresetMode, "same-step");
  assert.equal(vec.obsDim, 6);
  const obs = vec.reset(10);
  assert.equal(obs.length, 18);
  for (let i = 0; i < 3; i++) {
    const single = makeEnv("Acrobot-v1").reset({ seed: 10 + i }).obs;
    assert.deepEqual(obs.subarray(i * 6, (i + 1) * 6), single, `row ${i}`);
  }
  // Without a seed, each sub-env continues its own stream.
  const next = vec.reset();
  const again = makeEnv("Acrobot-v1");
  again.reset({ seed: 11 });
  assert.deepEqual(next.subarray(6, 12), again.reset().obs);
});

test("SyncVectorEnv same-step autoreset: finalObs is the episode's last observation, obs the reset observation, infos the final step's", () => {
  const n = 4;
  const vec = new SyncVectorEnv(() => makeEnv("CartPole-v1"), n);
  const singles = Array.from({ length: n }, () => makeEnv("CartPole-v1"));
  vec.reset(0);
  singles.forEach((env, i) => env.reset({ seed: i }));
  const actions = new Int32Array(n).fill(1); // always push right: the pole falls within ~10 steps
  let endings = 0;
  for (let t = 0; t < 40; t++) {
    const r = vec.step(actions);
    for (let i = 0; i < n; i++) {
      const s = singles[i]!.step(1);
      assert.equal(r.rewards[i], s.reward);
      assert.equal(r.terminated[i], s.terminated ? 1 : 0);
      assert.equal(r.truncated[i], s.truncated ? 1 : 0);
      const row = r.obs.subarray(i * 4, (i + 1) * 4);
      if (s.terminated || s.truncated) {
        endings++;
        assert.deepEqual(r.finalObs[i], s.obs, `t=${t} env ${i}: finalObs`);
        assert.deepEqual(r.infos[i], s.info);
        assert.equal(r.infos[i]!.terminationCause, "pole angle");
        // The row already holds the next episode's first observation (reset without a seed).
        assert.deepEqual(row, singles[i]!.reset().obs, `t=${t} env ${i}: reset obs`);
      } else {
        assert.equal(r.finalObs[i], null);
        assert.deepEqual(row, s.obs);
      }
    }
  }
  assert.ok(endings >= n * 2, `expected several episodes to end, got ${endings}`);
});

test("SyncVectorEnv: truncation by TimeLimit autoresets too, with truncationCause", () => {
  const vec = new SyncVectorEnv(() => makeEnv("Pendulum-v1"), 2);
  vec.reset(3);
  const actions = new Float32Array([0.5, -0.5]);
  for (let t = 1; t < 200; t++) {
    const r = vec.step(actions);
    assert.equal(r.truncated[0], 0);
  }
  const r = vec.step(actions);
  assert.deepEqual(Array.from(r.truncated), [1, 1]);
  assert.deepEqual(Array.from(r.terminated), [0, 0]);
  assert.equal(r.infos[1]!.truncationCause, TIME_LIMIT);
  assert.ok(r.finalObs[0] instanceof Float32Array && r.finalObs[0].length === 3);
  // Episodes restarted: the next 199 steps do not truncate.
  assert.equal(vec.step(actions).truncated[0], 0);
});

test("SyncVectorEnv: continuous actions are split per row (numEnvs × actDim)", () => {
  const vec = new SyncVectorEnv(() => makeEnv("Pendulum-v1"), 3);
  vec.reset(7);
  const singles = [0, 1, 2].map((i) => {
    const env = makeEnv("Pendulum-v1");
    env.reset({ seed: 7 + i });
    return env;
  });
  const actions = new Float32Array([2, -1.25, 0.5]);
  const r = vec.step(actions);
  for (let i = 0; i < 3; i++) {
    const s = singles[i]!.step(new Float32Array([actions[i]!]));
    assert.deepEqual(r.obs.subarray(i * 3, i * 3 + 3), s.obs);
    assert.equal(r.rewards[i], s.reward);
  }
});

test("SyncVectorEnv: buffers are reused across steps; bad calls fail loudly", () => {
  const vec = new SyncVectorEnv(() => new CartPoleEnv(), 2);
  assert.throws(() => vec.step(new Int32Array(2)), /step\(\) called before reset\(\)/);
  const obs = vec.reset(0);
  const r1 = vec.step(new Int32Array([0, 1]));
  const r2 = vec.step(new Int32Array([0, 1]));
  assert.equal(r1, r2);
  assert.equal(r1.obs, obs);
  assert.throws(() => vec.step(new Int32Array(3)), /actions must have numEnvs × actDim = 2 × 1 = 2 elements, got 3/);
  assert.throws(() => new SyncVectorEnv(() => new CartPoleEnv(), 0), /numEnvs must be a positive integer/);
  assert.throws(
    () => new SyncVectorEnv((i) => makeEnv(i === 0 ? "CartPole-v1" : "Acrobot-v1"), 2),
    /sub-env 1 \(Acrobot-v1\) has observation space .* all sub-envs must share their spaces/,
  );
});
