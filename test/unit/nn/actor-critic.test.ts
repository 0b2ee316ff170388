import { test } from "node:test";
import assert from "node:assert/strict";
import { ActorCriticLayout, ActorCriticWorkspace, ppoLossAndGradient, act, type PpoCoefficients, type PpoMinibatch } from "../../../runtime/src/nn/actor-critic.js";
import { gemmNT, tanhInPlace } from "../../../runtime/src/nn/gemm.js";
import { orthogonal } from "../../../runtime/src/nn/orthogonal.js";
import { Rng } from "../../../runtime/src/rng.js";
import { randomMinibatch } from "./fixtures.js";

/** FD_TOLERANCE: worst |numeric − analytic| / max(1e-3, |numeric|) over every parameter (central differences, h = 1e-6). */
const FD_TOLERANCE = 1e-4;

/** Central finite differences of the PPO loss against the analytic gradient, on every parameter: the worst relative error. */
function worstGradientError(params: Float64Array, ws: ActorCriticWorkspace, mb: PpoMinibatch, coef: PpoCoefficients): number {
  const { layout } = ws;
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

/** A small actor-critic with larger head weights than CleanRL's 0.01 init, so the policy terms are not negligible. */
function smallNetwork(actionKind: "discrete" | "box", rng: Rng) {
  const layout = new ActorCriticLayout({ obsDim: 3, actionKind, actionDim: actionKind === "discrete" ? 3 : 2, hiddenSizes: [5, 4] });
  const params = Float64Array.from(layout.initParams(rng));
  for (let i = 0; i < params.length; i++) params[i] = params[i]! + 0.3 * rng.normal();
  return { layout, params };
}

function gradientCheck(actionKind: "discrete" | "box", coef: PpoCoefficients) {
  const rng = new Rng(3);
  const { layout, params } = smallNetwork(actionKind, rng);
  const B = 7;
  return worstGradientError(params, new ActorCriticWorkspace(layout, B), randomMinibatch(layout, B, rng), coef);
}

const SMOOTH: PpoCoefficients = { clipCoef: 100, clipVloss: false, entCoef: 0.05, vfCoef: 0.5, normAdv: true };

test("discrete PPO loss gradient matches finite differences", () => {
  assert.ok(gradientCheck("discrete", SMOOTH) < FD_TOLERANCE);
});

test("continuous PPO loss gradient matches finite differences (incl. log-std)", () => {
  assert.ok(gradientCheck("box", SMOOTH) < FD_TOLERANCE);
});

/**
 * A minibatch on which CleanRL's clipping is active, built from the current policy and critic
 * (12 samples; `normAdv` off so the advantage signs are the ones set here):
 * - ratios: old log-probs shifted so that r = e^0.5 ≈ 1.65 (i % 3 = 0), e^−0.5 ≈ 0.61 (i % 3 = 1) or
 *   e^0.05 ≈ 1.05 (i % 3 = 2): 8 of 12 outside [0.8, 1.2], all ≥ 0.15 from a kink of the clip;
 *   advantages ±(0.5…1.5) alternating, so the clipped (flat) surrogate binds on 4 of them;
 * - values: V_old = V ± 0.6 or V − 0.05 and returns 1 or 0.7 away from V, so the clipped value
 *   branch max((V_clip − R)², …) is taken on 6 of 12 (i % 4 = 0, 1), with V − V_old 0.4 from ±ε.
 */
function clippedCase(actionKind: "discrete" | "box") {
  const rng = new Rng(11);
  const { layout, params } = smallNetwork(actionKind, rng);
  const B = 12;
  const ws = new ActorCriticWorkspace(layout, B);
  const mb = randomMinibatch(layout, B, rng);
  const now = { actions: new Float64Array(mb.actions.length), logProbs: new Float64Array(B), values: new Float64Array(B) };
  act(params, ws, mb.obs, B, rng, false, now);
  mb.actions.set(now.actions);
  const eps = 0.2;
  for (let i = 0; i < B; i++) {
    mb.logProbs[i] = now.logProbs[i]! - [0.5, -0.5, 0.05][i % 3]!;
    mb.advantages[i] = (i % 2 === 0 ? 1 : -1) * (0.5 + rng.random());
    const v = now.values[i]!;
    const valueCases: [number, number][] = [[v + 0.6, v - 1], [v - 0.6, v + 1], [v - 0.6, v - 1], [v - 0.05, v + 0.7]];
    const [vOld, ret] = valueCases[i % 4]!;
    mb.values[i] = vOld;
    mb.returns[i] = ret;
  }
  // What the loss will see, recomputed here from its definition (CleanRL ppo.py).
  let surrogateFlat = 0;
  let valueClippedBranch = 0;
  for (let i = 0; i < B; i++) {
    const ratio = Math.exp(now.logProbs[i]! - mb.logProbs[i]!);
    const adv = mb.advantages[i]!;
    if ((ratio > 1 + eps && adv > 0) || (ratio < 1 - eps && adv < 0)) surrogateFlat++;
    const v = now.values[i]!;
    const vClipped = mb.values[i]! + Math.min(Math.max(v - mb.values[i]!, -eps), eps);
    if ((vClipped - mb.returns[i]!) ** 2 > (v - mb.returns[i]!) ** 2) valueClippedBranch++;
  }
  const coef: PpoCoefficients = { clipCoef: eps, clipVloss: true, entCoef: 0.05, vfCoef: 0.5, normAdv: false };
  const stats = ppoLossAndGradient(params, ws, mb, coef, new Float64Array(layout.size));
  return { params, ws, mb, coef, stats, B, surrogateFlat, valueClippedBranch };
}

for (const actionKind of ["discrete", "box"] as const) {
  test(`${actionKind} PPO loss gradient matches finite differences with clipping active (ε = 0.2, clip fraction 2/3, value clipping on half)`, () => {
    const c = clippedCase(actionKind);
    assert.ok(c.stats.clipFrac > 0.3, `clip fraction ${c.stats.clipFrac}`);
    assert.equal(c.stats.clipFrac, 8 / 12);
    assert.equal(c.surrogateFlat, 4, "the clipped surrogate binds (zero policy gradient) on 4 of 12 samples");
    assert.equal(c.valueClippedBranch, 6, "the clipped value branch is taken on 6 of 12 samples");
    // Clipping changed the loss: without it (huge ε, no value clipping) the loss differs.
    const unclipped = ppoLossAndGradient(c.params, c.ws, c.mb, { ...c.coef, clipCoef: 100, clipVloss: false }, new Float64Array(c.ws.layout.size));
    assert.ok(Math.abs(unclipped.loss - c.stats.loss) > 0.1, `clipped loss ${c.stats.loss} vs unclipped ${unclipped.loss}`);
    const worst = worstGradientError(c.params, c.ws, c.mb, c.coef);
    assert.ok(worst < FD_TOLERANCE, `worst relative error ${worst}`);
  });
}

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
