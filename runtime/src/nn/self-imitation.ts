/**
 * Self-imitation learning's loss on one minibatch of stored transitions and its exact gradient,
 * in the fused plain-JS style of actor-critic.ts (Oh et al. 2018, "Self-Imitation Learning",
 * arXiv 1806.05635, eq. 1–3):
 *
 *   L_sil = coef · mean_i[ −log π(a_i|s_i)·(R_i − V(s_i))₊  +  ½·β·((R_i − V(s_i))₊)² ]
 *
 * with (x)₊ = max(x, 0) and R_i the stored (discounted) return. Only transitions whose return beat
 * the critic's estimate contribute: the policy imitates what turned out better than expected, and
 * the critic is pulled up to it. In the policy term (R − V)₊ is a constant weight (no gradient
 * through V), as in the paper's implementation; the value term's gradient is −β·(R − V)₊.
 */
import type { ActorCriticWorkspace } from "./actor-critic.js";
import { HALF_LOG_2PI, mlpBackward } from "./actor-critic.js";
import { logSumExp } from "./log-sum-exp.js";

/** Stored transitions, gathered into contiguous rows (observations as the policy sees them). */
export interface SilMinibatch {
  size: number;
  obs: Float64Array;
  /** Discrete: index per row. Box: rows × actionDim. */
  actions: Float64Array;
  /** Discounted returns from each transition to its episode's end, under the training reward. */
  returns: Float64Array;
}

export interface SilCoefficients {
  /** Weight of the whole self-imitation loss. */
  coef: number;
  /** β of the value term. */
  valueCoef: number;
}

export interface SilLossStats {
  /** mean(−log π(a|s)·(R − V)₊), SIL's policy loss. */
  policyLoss: number;
  /** mean(½·((R − V)₊)²), SIL's value loss (before β). */
  valueLoss: number;
  /** coef·(policyLoss + β·valueLoss): what the gradient descends. */
  loss: number;
  /** Share of the minibatch whose return beat the critic (the samples that teach anything). */
  validFraction: number;
}

/** SIL's loss on `mb` and its gradient, accumulated into `grad` (the flat layout of actor-critic.ts). */
export function silLossAndGradient(params: Float64Array, ws: ActorCriticWorkspace, mb: SilMinibatch, coef: SilCoefficients, grad: Float64Array): SilLossStats {
  const { layout } = ws;
  const { actionDim, actionKind } = layout.config;
  const B = mb.size;
  ws.forward(params, mb.obs, B);
  const head = ws.logits;
  const values = ws.values;
  const dHead = ws.dActor;
  const dV = ws.dCritic;
  const scale = coef.coef / B;
  let pSum = 0;
  let vSum = 0;
  let valid = 0;
  for (let i = 0; i < B; i++) {
    const hi = i * actionDim;
    const w = Math.max(mb.returns[i]! - values[i]!, 0);
    if (w > 0) valid++;
    if (actionKind === "discrete") {
      const logSum = logSumExp(head, hi, actionDim);
      const a = mb.actions[i]!;
      pSum += -(head[hi + a]! - logSum) * w;
      // d(−log π(a))/dz_j = p_j − [j = a].
      for (let j = 0; j < actionDim; j++) dHead[hi + j] = scale * w * (Math.exp(head[hi + j]! - logSum) - (j === a ? 1 : 0));
    } else {
      let logProb = 0;
      for (let k = 0; k < actionDim; k++) {
        const logStd = params[layout.logStdOffset + k]!;
        const variance = Math.exp(2 * logStd);
        const d = mb.actions[hi + k]! - head[hi + k]!;
        logProb += (-0.5 * d * d) / variance - logStd - HALF_LOG_2PI;
        // d(−log π)/dμ = −d/σ²; d(−log π)/dlogσ = 1 − d²/σ².
        dHead[hi + k] = -scale * w * (d / variance);
        grad[layout.logStdOffset + k]! += scale * w * (1 - (d * d) / variance);
      }
      pSum += -logProb * w;
    }
    vSum += 0.5 * w * w;
    dV[i] = -scale * coef.valueCoef * w;
  }
  mlpBackward(params, layout.actor, ws.actorActs, dHead, ws.actorScratch, grad, B);
  mlpBackward(params, layout.critic, ws.criticActs, dV, ws.criticScratch, grad, B);
  const policyLoss = pSum / B;
  const valueLoss = vSum / B;
  return { policyLoss, valueLoss, loss: coef.coef * (policyLoss + coef.valueCoef * valueLoss), validFraction: valid / B };
}
