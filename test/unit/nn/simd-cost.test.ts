import { test } from "node:test";
import assert from "node:assert/strict";
import { ActorCriticLayout } from "../../../runtime/src/nn/actor-critic.js";
import { breakEvenMinibatch, chooseThreads, estimateUpdateSeconds, gflopsFor, updateFlops, type SimdCostFigures } from "../../../runtime/src/nn/simd/cost.js";
import { planSimdMemory, memoryLimitProblem } from "../../../runtime/src/nn/simd/plan.js";
import { splitRows } from "../../../runtime/src/nn/simd/threads.js";

const layout = (w: number) => new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [w, w] });
const FIGURES: SimdCostFigures = { gflopsByWidth: [[64, 10], [256, 20]], fixedSeconds: 1e-4, syncSeconds: 5e-5, measured: "test" };

test("updateFlops counts the forward, dW and dX products (dX not for the first layer)", () => {
  // Actor 4→64→64→2, critic 4→64→64→1: MACs per row = Σ nIn·nOut · (2 first layer, else 3).
  const macs = (4 * 64 * 2 + 64 * 64 * 3 + 64 * 2 * 3) + (4 * 64 * 2 + 64 * 64 * 3 + 64 * 1 * 3);
  assert.equal(updateFlops(layout(64), 256), 2 * macs * 256);
});

test("GFLOP/s interpolate in log width and clamp at the table's ends", () => {
  assert.equal(gflopsFor(layout(32), FIGURES), 10);
  assert.equal(gflopsFor(layout(128), FIGURES), 15);
  assert.equal(gflopsFor(layout(1024), FIGURES), 20);
});

test("estimated update time and the 2-thread break-even follow t = fixed + flops/(T·R) + sync", () => {
  const l = layout(64);
  const perRow = updateFlops(l, 1) / 10e9;
  assert.ok(Math.abs(estimateUpdateSeconds(l, 100, 1, FIGURES) - (1e-4 + 100 * perRow)) < 1e-12);
  assert.ok(Math.abs(estimateUpdateSeconds(l, 100, 2, FIGURES) - (1e-4 + 50 * perRow + 5e-5)) < 1e-12);
  const b = breakEvenMinibatch(l, 2, FIGURES);
  assert.equal(b, Math.ceil(5e-5 / (perRow * 0.5)));
  assert.ok(estimateUpdateSeconds(l, b, 2, FIGURES) <= estimateUpdateSeconds(l, b, 1, FIGURES));
  assert.ok(estimateUpdateSeconds(l, b - 1, 2, FIGURES) > estimateUpdateSeconds(l, b - 1, 1, FIGURES));
  assert.equal(breakEvenMinibatch(l, 1, FIGURES), Infinity);
});

test("threads only with idle cores and a minibatch past the break-even", () => {
  const l = layout(64);
  const b = breakEvenMinibatch(l, 2, FIGURES);
  assert.deepEqual(chooseThreads(l, 4 * b, 0.3, 2, FIGURES), { threads: 1, reason: "1 thread: 0.3 idle cores" });
  assert.equal(chooseThreads(l, b - 1, 2, 2, FIGURES).threads, 1);
  assert.match(chooseThreads(l, b - 1, 2, 2, FIGURES).reason, new RegExp(`minibatch ${b - 1} < ${b}, where 2 threads start to pay`));
  assert.deepEqual(chooseThreads(l, b, 1.9, 2, FIGURES), { threads: 2, reason: `2 threads: 1.9 idle cores, minibatch ${b} ≥ ${b}` });
  // Never more than the machine's row blocks.
  assert.equal(chooseThreads(l, 100 * b, 7.8, 4, FIGURES).threads, 4);
});

test("row blocks: contiguous, covering, the first ones one row longer", () => {
  assert.deepEqual(splitRows(10, 3), [[0, 4], [4, 7], [7, 10]]);
  assert.deepEqual(splitRows(2, 3), [[0, 1], [1, 2], [2, 2]]);
});

test("memory plan: 16-byte aligned buffers in order, a gradient per block, the limit checked with the figure", () => {
  const l = layout(64);
  const plan = planSimdMemory(l, 256, 2, 100);
  assert.equal(plan.params, 112);
  assert.equal(plan.paddedSize, Math.ceil(l.size / 4) * 4);
  assert.equal(plan.grads.length, 2);
  for (const offset of [plan.params, ...plan.grads, plan.adamM, plan.adamV, plan.input, plan.actor.descriptor, plan.critic.descriptor]) assert.equal(offset % 16, 0);
  assert.equal(plan.grads[1]! - plan.grads[0]!, plan.paddedSize * 4);
  assert.equal(memoryLimitProblem(plan, l, 256), null);
  assert.match(memoryLimitProblem(plan, l, 256, 1024)!, /^network 4→64→64→2 with minibatch 256 needs \d+ KiB of WebAssembly memory, more than the 1 KiB a 32-bit/);
});
