import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseBackend, estimateUpdateMs, fitUpdateCost, updateWork, type CostTable, type NetworkShape } from "../../../runtime/src/backends/cost-model.js";
import { ActorCriticLayout } from "../../../runtime/src/nn/actor-critic.js";
import { COST_TABLE } from "../../../runtime/src/backends/select.js";

const cartpole = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [64, 64] });

test("the work of one update: dense layers, 6 × weights × minibatch FLOPs, parameters", () => {
  // Actor 4→64→64→2: 256 + 4096 + 128 weights; critic 4→64→64→1: 256 + 4096 + 64; biases 130 + 129.
  assert.equal(cartpole.size, 8896 + 259);
  const w = updateWork(cartpole, 512);
  assert.equal(w.layers, 6);
  assert.ok(Math.abs(w.gflop - (6 * 8896 * 512) / 1e9) < 1e-15);
  assert.equal(w.mparams, 9155 / 1e6);
});

test("estimateUpdateMs is the linear model: fixed + per layer + per GFLOP + per million parameters", () => {
  const work = { layers: 6, gflop: 0.5, mparams: 2 };
  assert.equal(estimateUpdateMs({ fixedMs: 1, perLayerMs: 0.5, perGflopMs: 100, perMparamMs: 3 }, work), 1 + 3 + 50 + 6);
});

test("fitUpdateCost recovers the coefficients that generated the samples", () => {
  const truth = { fixedMs: 0.8, perLayerMs: 0.35, perGflopMs: 420, perMparamMs: 2.5 };
  const samples = [];
  for (const hidden of [[64, 64], [256, 256], [64, 64, 64], [1024, 1024]]) {
    const net = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: hidden });
    for (const mb of [64, 512, 4096]) {
      const work = updateWork(net, mb);
      samples.push({ work, ms: estimateUpdateMs(truth, work) });
    }
  }
  const fit = fitUpdateCost(samples);
  for (const k of ["fixedMs", "perLayerMs", "perGflopMs", "perMparamMs"] as const) {
    assert.ok(Math.abs(fit[k] - truth[k]) <= 1e-6 * truth[k], `${k}: ${fit[k]} vs ${truth[k]}`);
  }
  assert.ok(fit.maxRelativeError < 1e-9);
});

test("fitUpdateCost never returns a negative coefficient (a flat backend is all fixed cost)", () => {
  const samples = [1, 2, 3].map((k) => ({ work: { layers: 2 * k, gflop: 0.1 * k * k, mparams: 0.01 * k }, ms: 5 - 0.01 * k }));
  const fit = fitUpdateCost(samples);
  for (const v of [fit.fixedMs, fit.perLayerMs, fit.perGflopMs, fit.perMparamMs]) assert.ok(v >= 0);
  assert.ok(Math.abs(fit.fixedMs - 4.98) < 0.05, `fixed ${fit.fixedMs}`);
});

const TABLE: CostTable = {
  measuredOn: "a test",
  command: "none",
  backends: {
    js: { fixedMs: 0.1, perLayerMs: 0, perGflopMs: 1000, perMparamMs: 0, samples: 1, maxRelativeError: 0 },
    wasm: { fixedMs: 2, perLayerMs: 0.5, perGflopMs: 100, perMparamMs: 0, samples: 1, maxRelativeError: 0 },
  },
};

test("chooseBackend picks the cheapest estimate and states it against the runner-up", () => {
  // CartPole, minibatch 64: js 0.1 + 1000 × 0.003416 = 3.516 ms; wasm 2 + 3 + 0.3416 = 5.342 ms.
  const small = chooseBackend(cartpole, 64, ["js", "wasm"], TABLE);
  assert.equal(small.backend, "js");
  assert.equal(small.reason, "js: est. 3.52 ms/update vs wasm 5.34 ms, 9,155 parameters × minibatch 64");
  assert.deepEqual(small.estimates.map((e) => e.backend), ["js", "wasm"]);
  // Minibatch 4096: js 218.7 ms, wasm 26.9 ms.
  const large = chooseBackend(cartpole, 4096, ["js", "wasm"], TABLE);
  assert.equal(large.backend, "wasm");
  assert.match(large.reason, /^wasm: est\. 26\.9 ms\/update vs js 219 ms, /);
});

test("chooseBackend: only what is available, unmeasured backends listed, one backend, none", () => {
  const net: NetworkShape = cartpole;
  const onlyJs = chooseBackend(net, 4096, ["js", "webgpu"], TABLE);
  assert.equal(onlyJs.backend, "js");
  assert.deepEqual(onlyJs.unmeasured, ["webgpu"]);
  assert.match(onlyJs.reason, /\(the only measured backend available\)/);
  const none = chooseBackend(net, 64, ["webgpu"], TABLE);
  assert.equal(none.backend, "webgpu");
  assert.match(none.reason, /no measured figures/);
  assert.throws(() => chooseBackend(net, 64, [], TABLE), /no backend available/);
});

/**
 * The committed table's choices for representative sizes, pinned: re-measuring update-costs.json
 * (`npm run bench -- backends`) may move them, and then these lines change on purpose.
 */
test("the committed cost table: auto's choice for representative sizes", () => {
  const net = (hidden: number[], actionKind: "discrete" | "box" = "discrete") => new ActorCriticLayout({ obsDim: 4, actionKind, actionDim: 2, hiddenSizes: hidden });
  const cpuOnly = ["js", "wasm"] as const;
  const withGpu = ["js", "wasm", "webgpu"] as const;
  const cases: [string, NetworkShape, number, readonly ("js" | "wasm" | "webgpu")[], string][] = [
    ["the CartPole example (32×32, minibatch 128)", net([32, 32]), 128, cpuOnly, "js"],
    ["CleanRL's defaults (64×64, minibatch 128)", net([64, 64]), 128, withGpu, "js"],
    ["Pendulum-sized continuous (64×64, minibatch 64)", net([64, 64], "box"), 64, withGpu, "js"],
    ["a wide network (256×256, minibatch 4096)", net([256, 256]), 4096, withGpu, "js"],
    ["3×1024, minibatch 512", net([1024, 1024, 1024]), 512, withGpu, "js"],
  ];
  for (const [what, shape, minibatch, available, expected] of cases) {
    const choice = chooseBackend(shape, minibatch, available, COST_TABLE);
    assert.equal(choice.backend, expected, `${what}: ${choice.reason}`);
    assert.equal(choice.estimates.length, available.length, `${what}: every available backend has figures`);
  }
  // The figures come from a named machine.
  assert.match(COST_TABLE.measuredOn, /load average/);
  for (const b of ["js", "wasm", "cpu", "webgpu"] as const) assert.ok(COST_TABLE.backends[b], `${b} measured`);
});
