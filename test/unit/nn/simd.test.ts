/**
 * The WebAssembly SIMD learner (runtime/src/nn/simd/) against the float64 JS learner, which
 * actor-critic.test.ts checks by finite differences. Float32 tolerances used here:
 *  - analytic gradient vs the float64 analytic gradient: ‖g32 − g64‖ / ‖g64‖ < 1e-5 (observed ≈ 1e-7);
 *  - central differences of the float32 loss itself (step 1e-2, smooth loss): within 1e-2 relative;
 *  - Adam steps: parameters within 1e-6 of the float64 learner's after 5 steps.
 * Without dist/learner-simd.wasm (`npm run build`) these skip, and fail under CI=true.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorCriticLayout, ActorCriticWorkspace, ppoLossAndGradient, type PpoCoefficients, type PpoMinibatch } from "../../../runtime/src/nn/actor-critic.js";
import { JsLearner } from "../../../runtime/src/nn/learner.js";
import { WasmSimdLearner, WasmSimdUnavailableError } from "../../../runtime/src/nn/simd/learner.js";
import { engineSupportProblem, instantiateKernels, kernelCandidates, loadKernelModule, type KernelExports } from "../../../runtime/src/nn/simd/module.js";
import { planSimdMemory, WASM32_MAX_BYTES } from "../../../runtime/src/nn/simd/plan.js";
import { createLearner } from "../../../runtime/src/backends/select.js";
import { Rng } from "../../../runtime/src/rng.js";
import { randomMinibatch } from "./fixtures.js";

/** Skips (outside CI) or fails (CI=true) when the kernel module cannot load here. */
function requireKernels(t: TestContext): boolean {
  const loaded = loadKernelModule();
  if (loaded.ok) return true;
  if (process.env.CI === "true") assert.fail(`the WebAssembly SIMD kernels must load in CI: ${loaded.reason}`);
  t.skip(`WebAssembly SIMD kernels unavailable (${loaded.reason}; looked in ${kernelCandidates().join(", ")})`);
  return false;
}

/** A network with non-trivial head weights (CleanRL's 0.01 init would make the policy terms negligible). */
function setup(actionKind: "discrete" | "box", B: number, hiddenSizes = [13, 9]) {
  const rng = new Rng(3);
  const layout = new ActorCriticLayout({ obsDim: 3, actionKind, actionDim: actionKind === "discrete" ? 3 : 2, hiddenSizes });
  const params = layout.initParams(rng);
  for (let i = 0; i < params.length; i++) params[i] = params[i]! + 0.3 * rng.normal();
  return { layout, params, mb: randomMinibatch(layout, B, rng) };
}

function jsGradient(layout: ActorCriticLayout, params: Float32Array, mb: PpoMinibatch, coef: PpoCoefficients) {
  const grad = new Float64Array(layout.size);
  const ws = new ActorCriticWorkspace(layout, mb.size);
  const stats = ppoLossAndGradient(Float64Array.from(params), ws, mb, coef, grad);
  return { grad, stats, values: ws.values.slice(0, mb.size) };
}

const relativeError = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
};

const SMOOTH: PpoCoefficients = { clipCoef: 100, clipVloss: false, entCoef: 0.05, vfCoef: 0.5, normAdv: true };
const CLIPPED: PpoCoefficients = { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5, normAdv: true };

for (const actionKind of ["discrete", "box"] as const) {
  for (const threads of [1, 2]) {
    test(`wasm-simd gradient equals the float64 gradient, clipped branches included (${actionKind}, ${threads} thread${threads > 1 ? "s" : ""})`, async (t) => {
      if (!requireKernels(t)) return;
      // 37 rows: tile remainders in the row split and in the 4-row blocks.
      const { layout, params, mb } = setup(actionKind, 37);
      const learner = await WasmSimdLearner.create(layout, params, 37, { threads });
      try {
        assert.equal(learner.threads, threads);
        for (const coef of [SMOOTH, CLIPPED]) {
          const ref = jsGradient(layout, params, mb, coef);
          const stats = learner.lossAndGradient(mb, coef);
          if (coef === CLIPPED) {
            // The branches this case is about are really taken.
            assert.ok(ref.stats.clipFrac > 0.3, `clip fraction ${ref.stats.clipFrac}`);
            let valueClipped = 0;
            for (let i = 0; i < mb.size; i++) {
              const v = ref.values[i]!;
              const vClip = mb.values[i]! + Math.min(Math.max(v - mb.values[i]!, -0.2), 0.2);
              if ((vClip - mb.returns[i]!) ** 2 > (v - mb.returns[i]!) ** 2) valueClipped++;
            }
            assert.ok(valueClipped > 0, "no row takes the clipped value branch");
          }
          assert.equal(stats.clipFrac, ref.stats.clipFrac);
          assert.ok(Math.abs(stats.loss - ref.stats.loss) < 1e-5 * Math.max(1, Math.abs(ref.stats.loss)), `loss ${stats.loss} vs ${ref.stats.loss}`);
          const err = relativeError(learner.gradient, ref.grad);
          assert.ok(err < 1e-5, `relative gradient error ${err}`);
        }
      } finally {
        learner.dispose();
      }
    });
  }

  test(`wasm-simd gradient matches central differences of its own float32 loss (${actionKind})`, async (t) => {
    if (!requireKernels(t)) return;
    // A 3-wide hidden layer takes the narrow (dot-product) forward kernel with the tanh epilogue.
    const { layout, params, mb } = setup(actionKind, 16, actionKind === "discrete" ? [3, 6] : [6, 5]);
    const learner = await WasmSimdLearner.create(layout, params, 16);
    try {
      learner.lossAndGradient(mb, SMOOTH);
      const analytic = Float64Array.from(learner.gradient);
      // float32 loss noise ≈ 1e-7 relative: h = 1e-2 keeps it below the O(h²) truncation error.
      const h = 1e-2;
      let worst = 0;
      for (let p = 0; p < layout.size; p++) {
        const saved = learner.params[p]!;
        learner.params[p] = saved + h;
        const up = learner.lossAndGradient(mb, SMOOTH).loss;
        learner.params[p] = saved - h;
        const down = learner.lossAndGradient(mb, SMOOTH).loss;
        learner.params[p] = saved;
        const numeric = (up - down) / (2 * h);
        worst = Math.max(worst, Math.abs(numeric - analytic[p]!) / Math.max(1e-2, Math.abs(numeric)));
      }
      assert.ok(worst < 1e-2, `worst relative difference ${worst}`);
    } finally {
      learner.dispose();
    }
  });
}

test("the gradient does not depend on the number of threads (fixed row blocks, summed in order)", async (t) => {
  if (!requireKernels(t)) return;
  const { layout, params, mb } = setup("box", 53, [24, 20]);
  const grads: Float32Array[] = [];
  for (const threads of [1, 2, 3]) {
    const learner = await WasmSimdLearner.create(layout, params, 53, { threads, blocks: 3 });
    learner.lossAndGradient(mb, CLIPPED);
    grads.push(learner.gradient.slice());
    learner.dispose();
  }
  assert.deepEqual(grads[1], grads[0]);
  assert.deepEqual(grads[2], grads[0]);
});

test("wasm-simd takes the same Adam steps as the float64 JS learner (clip, bias correction)", async (t) => {
  if (!requireKernels(t)) return;
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [16, 16] });
  const init = layout.initParams(new Rng(11));
  const js = new JsLearner(layout, Float32Array.from(init), 32);
  const simd = await WasmSimdLearner.create(layout, init, 32);
  const rng = new Rng(4);
  try {
    for (let step = 0; step < 5; step++) {
      const mb = randomMinibatch(layout, 32, rng, () => -0.7 + 0.05 * rng.normal());
      // maxGradNorm 0.05: the global-norm clip is active.
      const a = await js.step(mb, CLIPPED, 1e-3, 0.05);
      const b = await simd.step(mb, CLIPPED, 1e-3, 0.05);
      assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `step ${step}: loss ${a.loss} vs ${b.loss}`);
    }
    await js.syncParams();
    let worst = 0;
    for (let i = 0; i < layout.size; i++) worst = Math.max(worst, Math.abs(js.params[i]! - simd.params[i]!));
    assert.ok(worst < 1e-6, `largest parameter difference ${worst}`);
    const state = await simd.getState();
    assert.equal(state.adamStep, 5);
    const moved = Array.from(state.params).some((p, i) => p !== init[i]);
    assert.ok(moved);
  } finally {
    simd.dispose();
  }
});

test("wasm-simd params are a view on the learner's memory: steps show without syncParams, writes are seen by the kernels", async (t) => {
  if (!requireKernels(t)) return;
  const { layout, params, mb } = setup("discrete", 8);
  const learner = await WasmSimdLearner.create(layout, params, 8);
  try {
    const view = learner.params;
    assert.ok(view.buffer instanceof SharedArrayBuffer, "the view is on the shared WebAssembly memory");
    const before = view.slice();
    learner.stepSync(mb, SMOOTH, 1e-2, 0.5);
    assert.ok(view.some((p, i) => p !== before[i]), "the step changed the parameters seen through the view");
    const loss = learner.lossAndGradient(mb, SMOOTH).loss;
    view.fill(0);
    assert.notEqual(learner.lossAndGradient(mb, SMOOTH).loss, loss, "the kernels read what JavaScript wrote");
    const state = await learner.getState();
    const other = await WasmSimdLearner.create(layout, params, 8);
    await other.setState({ ...state, params: before });
    assert.deepEqual(Array.from(other.params), Array.from(before));
    other.dispose();
  } finally {
    learner.dispose();
  }
});

/** Kernels on a fresh memory, with a bump allocator of float32 arrays. */
function kernelsOnMemory(pages = 4) {
  const loaded = loadKernelModule();
  assert.ok(loaded.ok);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const k: KernelExports = instantiateKernels(loaded.module, memory);
  let at = Math.ceil(Math.max(16, k.heapBase()) / 16) * 16;
  const alloc = (values: ArrayLike<number>) => {
    const ptr = at;
    new Float32Array(memory.buffer, ptr, values.length).set(values);
    at += Math.ceil((values.length * 4) / 16) * 16;
    return { ptr, view: () => new Float32Array(memory.buffer, ptr, values.length) };
  };
  return { k, alloc };
}

test("gemm: every tile remainder, bias/accumulate initialisation and the tanh / (1 − h²) epilogues", (t) => {
  if (!requireKernels(t)) return;
  const { k, alloc } = kernelsOnMemory();
  const rng = new Rng(1);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const fast = (x: number) => Math.tanh(Math.fround(x));
  for (const [M, N, K] of [[9, 13, 5], [4, 8, 3], [3, 3, 7], [7, 17, 1], [1, 1, 2]] as const) {
    for (const transposedA of [false, true]) {
      for (const [init, epi] of [[0, 0], [1, 1], [2, 0], [0, 2]] as const) {
        const A = rand(M * K);
        const B = rand(K * N);
        const C0 = rand(M * N);
        const bias = rand(N);
        const H = Float32Array.from(rand(M * N), Math.tanh);
        const a = alloc(A), b = alloc(B), c = alloc(C0), bb = alloc(bias), h = alloc(H);
        // A(i, k) stored row-major M × K, or as Aᵀ (K × M) read through the strides.
        const Astore = transposedA ? Float32Array.from({ length: M * K }, (_, j) => A[(j % M) * K + Math.floor(j / M)]!) : A;
        a.view().set(Astore);
        k.gemm(M, N, K, a.ptr, transposedA ? 4 : 4 * K, transposedA ? 4 * M : 4, b.ptr, 4 * N, c.ptr, 4 * N, init, bb.ptr, epi, h.ptr);
        const got = c.view();
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            let s = init === 1 ? bias[j]! : init === 2 ? C0[i * N + j]! : 0;
            for (let kk = 0; kk < K; kk++) s += A[i * K + kk]! * B[kk * N + j]!;
            const want = epi === 1 ? fast(s) : epi === 2 ? s * (1 - H[i * N + j]! ** 2) : s;
            assert.ok(Math.abs(got[i * N + j]! - want) < 1e-5 * Math.max(1, Math.abs(want)), `M${M} N${N} K${K} ${transposedA ? "Aᵀ" : "A"} init${init} epi${epi} [${i},${j}]: ${got[i * N + j]} vs ${want}`);
          }
        }
      }
    }
  }
});

test("float32 tanh kernel: within 4e-7 of Math.tanh on [−10, 10] (vector and scalar lanes)", (t) => {
  if (!requireKernels(t)) return;
  const { k, alloc } = kernelsOnMemory(8);
  // 20,003 points: not a multiple of 4, so the last lanes take the scalar path.
  const xs = Float32Array.from({ length: 20003 }, (_, i) => -10 + i * 1e-3);
  const src = alloc(xs);
  const dst = alloc(new Float32Array(xs.length));
  k.tanhArray(src.ptr, dst.ptr, xs.length);
  const ys = dst.view();
  let worst = 0;
  xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(ys[i]! - Math.tanh(x)))));
  // Measured: 2.8e-7 (float32 resolution near ±1 is 6e-8; Eigen's rational approximation adds the rest).
  assert.ok(worst < 4e-7, `worst error ${worst}`);
  t.diagnostic(`float32 tanh kernel: max |error| vs Math.tanh on [-10, 10] = ${worst.toExponential(2)}`);
});

test("a network too large for WebAssembly memory is refused with the figure, before anything is allocated", async (t) => {
  if (!requireKernels(t)) return;
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [4096, 4096] });
  const plan = planSimdMemory(layout, 65536, 1);
  assert.ok(plan.bytes > WASM32_MAX_BYTES);
  // The params array is only copied in after the size check: a 1-element array proves nothing is read first.
  await assert.rejects(WasmSimdLearner.create(layout, new Float32Array(1), 65536), (err: Error) => {
    assert.ok(err instanceof WasmSimdUnavailableError);
    assert.match(err.message, /^network 4→4096→4096→2 with minibatch 65,536 needs [\d,]+ MiB of WebAssembly memory, more than the 4,096 MiB a 32-bit WebAssembly memory can address$/);
    return true;
  });
});

test("a missing or corrupt kernel file is a one-line reason, not a crash", (t) => {
  if (!requireKernels(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "rl-studio-simd-"));
  const missing = loadKernelModule([join(dir, "learner-simd.wasm")]);
  assert.equal(missing.ok, false);
  assert.match(!missing.ok ? missing.reason : "", /learner-simd\.wasm is missing \(reinstall/);
  const corrupt = join(dir, "corrupt.wasm");
  writeFileSync(corrupt, Buffer.from("\0asm\x01\0\0\0garbage after a valid header"));
  const bad = loadKernelModule([corrupt]);
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.reason : "", /corrupt\.wasm is not a valid kernel module \(.+\); reinstall/);
  assert.ok(!bad.ok && !bad.reason.includes("\n"));
});

test("an engine without WebAssembly SIMD or without WebAssembly is named as the reason", () => {
  assert.equal(engineSupportProblem({ validate: () => false }), "this JavaScript engine has no WebAssembly SIMD");
  assert.equal(engineSupportProblem(null), "this JavaScript engine has no WebAssembly");
  assert.equal(engineSupportProblem(), null, "this Node has WebAssembly SIMD and SharedArrayBuffer");
});

test("auto and --backend wasm-simd pick the SIMD learner and say how many threads", async (t) => {
  if (!requireKernels(t)) return;
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [64, 64] });
  for (const request of ["auto", "wasm-simd"] as const) {
    const { learner, notice } = await createLearner(request, layout, layout.initParams(new Rng(1)), 256);
    assert.equal(learner.backend, "wasm-simd");
    assert.match(notice, /^backend: wasm-simd \(.*\d+ threads?/);
    learner.dispose();
  }
});
