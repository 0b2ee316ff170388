/**
 * Gymnasium's seeding of reset, for every built-in env: `reset({ seed })` re-seeds (the stream is
 * exactly `new Rng(seed)`'s, so seeded runs are unchanged), a reset without a seed continues the
 * stream, and an env never seeded draws its first seed from OS entropy (Gymnasium creates
 * `np_random` from fresh entropy when no seed was ever given): unseeded envs do not all start alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { envIds, makeEnv } from "../../../runtime/src/envs/registry.js";
import { CartPoleEnv } from "../../../runtime/src/envs/cartpole.js";
import { EnvRng, Rng } from "../../../runtime/src/rng.js";

const BUILT_IN = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"];

test("the five classic-control envs are the ones checked here", () => {
  for (const id of BUILT_IN) assert.ok(envIds().includes(id), id);
});

for (const id of BUILT_IN) {
  test(`${id}: unseeded resets of fresh envs start from different states; a seed reproduces one`, () => {
    const starts = Array.from({ length: 5 }, () => Array.from(makeEnv(id).reset().obs).join(","));
    // 5 draws from 2^32 seeds: a repeat has probability ≈ 2e-9.
    assert.equal(new Set(starts).size, 5, `unseeded starts: ${starts.join(" | ")}`);
    assert.deepEqual(makeEnv(id).reset({ seed: 7 }).obs, makeEnv(id).reset({ seed: 7 }).obs);
  });

  test(`${id}: after reset({ seed }), resets without a seed continue that stream (no fresh entropy)`, () => {
    const a = makeEnv(id);
    const b = makeEnv(id);
    a.reset({ seed: 3 });
    b.reset({ seed: 3 });
    for (let i = 0; i < 3; i++) assert.deepEqual(a.reset().obs, b.reset().obs, `reset ${i + 1} after the seed`);
  });
}

test("an unseeded env draws its seed once: later unseeded resets continue its stream", () => {
  const env = new CartPoleEnv();
  env.reset();
  const [x1] = env.state;
  env.reset();
  const [x2] = env.state;
  assert.notEqual(x1, x2, "the second reset draws the next numbers, not a new seed's first ones");
});

test("seeded resets are bit-identical to the Rng stream of that seed (what runs recorded before)", () => {
  const env = new CartPoleEnv();
  env.reset({ seed: 5 });
  const rng = new Rng(5);
  assert.deepEqual(env.state, [0, 1, 2, 3].map(() => rng.uniform(-0.05, 0.05)));
  env.reset();
  assert.deepEqual(env.state, [0, 1, 2, 3].map(() => rng.uniform(-0.05, 0.05)), "an unseeded reset continues it");
});

test("EnvRng: forReset(seed) is new Rng(seed); forReset() without ever a seed is seeded from entropy once", () => {
  const seeded = new EnvRng().forReset(42);
  const plain = new Rng(42);
  for (let i = 0; i < 5; i++) assert.equal(seeded.nextUint32(), plain.nextUint32());
  const a = new EnvRng().forReset(undefined);
  const b = new EnvRng().forReset(undefined);
  assert.notDeepEqual([a.nextUint32(), a.nextUint32()], [b.nextUint32(), b.nextUint32()]);
  // A second unseeded call keeps the stream: it equals a copy taken before it.
  const copy = new Rng(0);
  copy.setState(a.getState());
  a.forReset(undefined);
  assert.equal(a.nextUint32(), copy.nextUint32());
});
