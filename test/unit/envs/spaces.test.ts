import { test } from "node:test";
import assert from "node:assert/strict";
import { Box, Discrete } from "../../../runtime/src/envs/spaces.js";
import { Rng } from "../../../runtime/src/rng.js";

test("Rng: the same seed gives the same stream; another seed a different one", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const sa = Array.from({ length: 20 }, () => a.nextUint32());
  const sb = Array.from({ length: 20 }, () => b.nextUint32());
  const sc = Array.from({ length: 20 }, () => c.nextUint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

test("Rng: re-seeding restarts the stream, getState/setState continues it", () => {
  const rng = new Rng(7);
  const first = [rng.random(), rng.random(), rng.normal()];
  rng.seed(7);
  assert.deepEqual([rng.random(), rng.random(), rng.normal()], first);
  rng.seed(7);
  rng.random();
  rng.normal(); // leaves a spare normal in the state
  const saved = rng.getState();
  const expected = [rng.normal(), rng.random(), rng.uniform(-2, 3)];
  const other = new Rng(0);
  other.setState(saved);
  assert.deepEqual([other.normal(), other.random(), other.uniform(-2, 3)], expected);
});

test("Rng: random() in [0, 1), integer(n) in [0, n) hitting every value, normal() has mean ≈ 0 and variance ≈ 1", () => {
  const rng = new Rng(1);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const u = rng.random();
    assert.ok(u >= 0 && u < 1, `random() = ${u}`);
    const k = rng.integer(5);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 5, `integer(5) = ${k}`);
    seen.add(k);
  }
  assert.equal(seen.size, 5);
  let sum = 0;
  let sumSq = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    sum += z;
    sumSq += z * z;
  }
  const mean = sum / n;
  const variance = sumSq / n - mean * mean;
  // Standard errors: 1/√n ≈ 0.007 for the mean, √(2/n) ≈ 0.01 for the variance; 5 standard errors.
  assert.ok(Math.abs(mean) < 0.035, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
});

test("Rng rejects a non-finite seed", () => {
  assert.throws(() => new Rng(Number.NaN), /seed must be a finite number/);
});

test("Discrete: sample covers start … start+n−1, contains only integers in that range", () => {
  const space = new Discrete(3, 2);
  const rng = new Rng(0);
  const seen = new Set<number>();
  for (let i = 0; i < 300; i++) {
    const a = space.sample(rng);
    assert.ok(space.contains(a), `sample ${a}`);
    seen.add(a);
  }
  assert.deepEqual([...seen].sort(), [2, 3, 4]);
  assert.equal(space.contains(1), false);
  assert.equal(space.contains(5), false);
  assert.equal(space.contains(2.5), false);
  assert.equal(space.contains("2"), false);
  assert.equal(space.contains(Number.NaN), false);
  assert.equal(String(space), "Discrete(3, start=2)");
  assert.equal(String(new Discrete(2)), "Discrete(2)");
  assert.throws(() => new Discrete(0), /positive integer/);
  assert.throws(() => new Discrete(2.5), /positive integer/);
});

test("Discrete: the same seed gives the same samples", () => {
  const space = new Discrete(6);
  const a = new Rng(9);
  const b = new Rng(9);
  assert.deepEqual(
    Array.from({ length: 50 }, () => space.sample(a)),
    Array.from({ length: 50 }, () => space.sample(b)),
  );
});

test("Box: bounded samples are uniform inside the bounds, unbounded and half-bounded samples finite and on the right side", () => {
  const box = new Box(new Float32Array([-1, -Infinity, 0, -Infinity]), new Float32Array([2, Infinity, Infinity, 5]));
  const rng = new Rng(3);
  let min0 = Infinity;
  let max0 = -Infinity;
  for (let i = 0; i < 1000; i++) {
    const s = box.sample(rng);
    assert.ok(s instanceof Float32Array && s.length === 4);
    assert.ok(box.contains(s), `sample [${s.join(", ")}]`);
    min0 = Math.min(min0, s[0]!);
    max0 = Math.max(max0, s[0]!);
    assert.ok(Number.isFinite(s[1]!));
    assert.ok(s[2]! >= 0 && Number.isFinite(s[2]!), `half-bounded below: ${s[2]}`);
    assert.ok(s[3]! <= 5 && Number.isFinite(s[3]!), `half-bounded above: ${s[3]}`);
  }
  // 1000 uniform draws on [−1, 2): the extremes lie within 0.05 of the ends with probability > 1 − 2e-7.
  assert.ok(min0 < -0.95 && max0 > 1.95, `range of samples [${min0}, ${max0}]`);
});

test("Box.contains: length, NaN and bounds compared in float32", () => {
  const box = Box.uniform(2, -1, 1);
  assert.equal(box.contains(new Float32Array([0, 1])), true);
  assert.equal(box.contains([0, -1]), true);
  assert.equal(box.contains(new Float32Array([0, 1.5])), false);
  assert.equal(box.contains(new Float32Array([0])), false);
  assert.equal(box.contains(new Float32Array([0, Number.NaN])), false);
  assert.equal(box.contains(0), false);
  // 1 + 1e-9 rounds to 1 in float32, so a float32 Box contains it (Gymnasium's dtype semantics).
  assert.equal(box.contains([0, 1 + 1e-9]), true);
  assert.equal(box.contains([0, 1 + 1e-6]), false);
  assert.throws(() => new Box(new Float32Array([1]), new Float32Array([0])), /low\[0\] = 1 exceeds high\[0\] = 0/);
  assert.throws(() => new Box(new Float32Array([1]), new Float32Array([2, 3])), /low has 1 elements but high has 2/);
});
