import { test } from "node:test";
import assert from "node:assert/strict";
import { ActorCriticLayout, ActorCriticWorkspace, ppoLossAndGradient, act, type PpoCoefficients } from "../../../runtime/src/nn/actor-critic.js";
import { gemmNT, tanhInPlace } from "../../../runtime/src/nn/gemm.js";
import { orthogonal } from "../../../runtime/src/nn/orthogonal.js";
import { Rng } from "../../../runtime/src/rng.js";
import { randomMinibatch } from "./fixtures.js";

/** Central finite differences of the PPO loss against the analytic gradient, on every parameter. */
function gradientCheck(actionKind: "discrete" | "box", coef: PpoCoefficients) {
  const rng = new Rng(3);
  const layout = new ActorCriticLayout({ obsDim: 3, actionKind, actionDim: actionKind === "discrete" ? 3 : 2, hiddenSizes: [5, 4] });
  const params = Float64Array.from(layout.initParams(rng));
  // Larger head weights than CleanRL's 0.01 init so the policy terms are not negligible.
  for (let i = 0; i < params.length; i++) params[i] = params[i]! + 0.3 * rng.normal();
  const B = 7;
  const ws = new ActorCriticWorkspace(layout, B);
  const mb = randomMinibatch(layout, B, rng);
  const grad = new Float64Array(layout.size);
  ppoLossAndGradient(params, ws, mb, coef, grad);
  const h = 1e-6;
  let worst = 0;
  for (let p = 0; p < params.length; p++) {
    const saved = params[p]!;
    params[p] = saved + h;
    const up = ppoLossAndGradient(params, ws, mb, coef, new Float64Array(layout.size)).loss;
    params[p] = saved - h;
    const down = ppoLossAndGradient(params, ws, mb, coef, new Float64Array(layout.size)).loss;
    params[p] = saved;
    const numeric = (up - down) / (2 * h);
    worst = Math.max(worst, Math.abs(numeric - grad[p]!) / Math.max(1e-3, Math.abs(numeric)));
  }
  return worst;
}

const SMOOTH: PpoCoefficients = { clipCoef: 100, clipVloss: false, entCoef: 0.05, vfCoef: 0.5, normAdv: true };

test("discrete PPO loss gradient matches finite differences", () => {
  assert.ok(gradientCheck("discrete", SMOOTH) < 1e-4);
});

test("continuous PPO loss gradient matches finite differences (incl. log-std)", () => {
  assert.ok(gradientCheck("box", SMOOTH) < 1e-4);
});

test("gradient with value clipping active matches finite differences away from the kinks", () => {
  // clipCoef 100 keeps the ratio unclipped; value clipping with a huge range is the identity.
  assert.ok(gradientCheck("discrete", { ...SMOOTH, clipVloss: true }) < 1e-4);
});

test("loss statistics: ratio 1 gives zero KL, zero clip fraction, policy loss −mean(Â)", () => {
  const rng = new Rng(5);
  const layout = new ActorCriticLayout({ obsDim: 2, actionKind: "discrete", actionDim: 2, hiddenSizes: [4] });
  const params = Float64Array.from(layout.initParams(rng));
  const B = 4;
  const ws = new ActorCriticWorkspace(layout, B);
  const mb = randomMinibatch(layout, B, rng);
  // Make the stored log-probs those of the current policy: ratio = 1 exactly.
  const out = { actions: new Float64Array(B), logProbs: new Float64Array(B), values: new Float64Array(B) };
  act(params, ws, mb.obs, B, rng, false, out);
  mb.actions.set(out.actions);
  mb.logProbs.set(out.logProbs);
  const stats = ppoLossAndGradient(params, ws, mb, { ...SMOOTH, normAdv: false }, new Float64Array(layout.size));
  assert.ok(Math.abs(stats.approxKl) < 1e-12);
  assert.ok(Math.abs(stats.oldApproxKl) < 1e-12);
  assert.equal(stats.clipFrac, 0);
  const meanAdv = mb.advantages.reduce((a, b) => a + b, 0) / B;
  assert.ok(Math.abs(stats.policyLoss + meanAdv) < 1e-12);
  // Entropy of a 2-way softmax with near-zero logits (head init 0.01) is close to ln 2.
  assert.ok(Math.abs(stats.entropy - Math.log(2)) < 1e-3);
});

test("clipped surrogate: a ratio outside [1−ε, 1+ε] on the profitable side has no policy gradient", () => {
  const rng = new Rng(9);
  const layout = new ActorCriticLayout({ obsDim: 1, actionKind: "discrete", actionDim: 2, hiddenSizes: [3] });
  const params = Float64Array.from(layout.initParams(rng));
  const ws = new ActorCriticWorkspace(layout, 1);
  const mb = randomMinibatch(layout, 1, rng);
  mb.advantages[0] = 1;
  // Old log-prob far below the current one: ratio ≫ 1 + ε with positive advantage → clipped, flat.
  mb.logProbs[0] = -10;
  const grad = new Float64Array(layout.size);
  const stats = ppoLossAndGradient(params, ws, mb, { clipCoef: 0.2, clipVloss: false, entCoef: 0, vfCoef: 0, normAdv: false }, grad);
  assert.equal(stats.clipFrac, 1);
  assert.ok(grad.every((g) => g === 0));
  // Policy loss is −Â·(1 + ε).
  assert.ok(Math.abs(stats.policyLoss + 1.2) < 1e-12);
});

test("gemmNT computes A·Bᵀ + bias for odd sizes (tile remainders)", () => {
  const M = 5, N = 7, K = 3;
  const rng = new Rng(1);
  const A = Float64Array.from({ length: M * K }, () => rng.normal());
  const B = Float64Array.from({ length: N * K }, () => rng.normal());
  const bias = Float64Array.from({ length: N }, () => rng.normal());
  const C = new Float64Array(M * N).fill(1);
  gemmNT(M, N, K, A, 0, B, 0, C, 0, bias, 0, true);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 1 + bias[n]!;
      for (let k = 0; k < K; k++) s += A[m * K + k]! * B[n * K + k]!;
      assert.ok(Math.abs(C[m * N + n]! - s) < 1e-12);
    }
  }
});

test("fast tanh is within 3e-7 of Math.tanh everywhere", () => {
  const xs = Float64Array.from({ length: 20001 }, (_, i) => -10 + i * 1e-3);
  const ys = Float64Array.from(xs);
  tanhInPlace(ys, ys.length);
  let worst = 0;
  xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(ys[i]! - Math.tanh(x)))));
  assert.ok(worst < 3e-7, `worst error ${worst}`);
});

test("orthogonal init: W·Wᵀ = gain²·I for a wide matrix, Wᵀ·W = gain²·I for a tall one", () => {
  const rng = new Rng(2);
  for (const [rows, cols] of [[3, 8], [8, 3]] as const) {
    const gain = Math.SQRT2;
    const w = orthogonal(rows, cols, gain, rng);
    const small = Math.min(rows, cols);
    for (let i = 0; i < small; i++) {
      for (let j = 0; j < small; j++) {
        let s = 0;
        if (rows <= cols) for (let k = 0; k < cols; k++) s += w[i * cols + k]! * w[j * cols + k]!;
        else for (let k = 0; k < rows; k++) s += w[k * cols + i]! * w[k * cols + j]!;
        assert.ok(Math.abs(s - (i === j ? 2 : 0)) < 1e-9);
      }
    }
  }
});

test("CleanRL init: heads scaled (policy 0.01, value 1), biases and log-std zero", () => {
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "box", actionDim: 2, hiddenSizes: [64, 64] });
  const p = layout.initParams(new Rng(1));
  const head = layout.actor[2]!;
  let sq = 0;
  for (let i = 0; i < head.nIn * head.nOut; i++) sq += p[head.wOffset + i]! ** 2;
  // Orthogonal 2 × 64 with gain 0.01: each row has norm 0.01 → Frobenius² = 2e-4.
  assert.ok(Math.abs(sq - 2e-4) < 1e-8);
  for (const l of [...layout.actor, ...layout.critic]) for (let o = 0; o < l.nOut; o++) assert.equal(p[l.bOffset + o], 0);
  assert.equal(p[layout.logStdOffset], 0);
  assert.equal(layout.size, 2 * (4 * 64 + 64 + 64 * 64 + 64) + (64 * 2 + 2) + (64 + 1) + 2);
});
