/**
 * The PPO losses TWOSOME optimises (twosome/overcooked/ppo_llm_pomdp.py, after CleanRL's ppo.py), as
 * tfjs expressions: the clipped surrogate with per-minibatch advantage normalisation, the entropy
 * bonus, the clipped value loss, and the diagnostics (approx_kl by Schulman's k3 estimator
 * (ratio − 1) − log ratio, old_approx_kl = −log ratio, clip fraction).
 */
import type * as tfTypes from "@tensorflow/tfjs-core";

type Tf = typeof tfTypes;
type T1 = tfTypes.Tensor1D;

export interface TwosomePpoCoefficients {
  /** Surrogate and value clipping range (TWOSOME: 0.2). */
  clipCoef: number;
  /** Clip the value loss around the rollout's values (TWOSOME: true). */
  clipValueLoss: boolean;
  /** Entropy bonus (TWOSOME: 0.01). */
  entCoef: number;
  /** Value-loss weight (TWOSOME: 0.5). */
  vfCoef: number;
  /** Global gradient-norm clip, applied to each optimiser's gradients (TWOSOME: 0.5). */
  maxGradNorm: number;
  /** Normalise advantages within each policy minibatch (TWOSOME: true). */
  normAdvantages: boolean;
  /** Stop the update when the mean approx_kl of an accumulation window exceeds this (TWOSOME's scripts: 0.02); null: never. */
  targetKl: number | null;
}

export const TWOSOME_PPO: TwosomePpoCoefficients = { clipCoef: 0.2, clipValueLoss: true, entCoef: 0.01, vfCoef: 0.5, maxGradNorm: 0.5, normAdvantages: true, targetKl: 0.02 };

/** (a − mean) / (std + 1e-8) with torch's unbiased std; a single advantage is left as it is (its std is undefined). */
export function normalizeAdvantages(tf: Tf, adv: T1): T1 {
  const n = adv.size;
  if (n < 2) return adv;
  const { mean, variance } = tf.moments(adv);
  return tf.div(tf.sub(adv, mean), tf.add(tf.sqrt(tf.mul(variance, n / (n - 1))), 1e-8)) as T1;
}

export interface PolicyLossTerms {
  policyLoss: tfTypes.Scalar;
  entropy: tfTypes.Scalar;
  oldApproxKl: tfTypes.Scalar;
  approxKl: tfTypes.Scalar;
  clipFrac: tfTypes.Scalar;
}

/** max(−A·ratio, −A·clip(ratio, 1 ± ε)), averaged; with the entropy mean and the KL/clip diagnostics. */
export function policyLossTerms(tf: Tf, newLogProb: T1, oldLogProb: T1, advantages: T1, entropy: T1, clipCoef: number): PolicyLossTerms {
  const logRatio = tf.sub(newLogProb, oldLogProb);
  const ratio = tf.exp(logRatio);
  const pg1 = tf.mul(tf.neg(advantages), ratio);
  const pg2 = tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - clipCoef, 1 + clipCoef));
  return {
    policyLoss: tf.mean(tf.maximum(pg1, pg2)) as tfTypes.Scalar,
    entropy: tf.mean(entropy) as tfTypes.Scalar,
    oldApproxKl: tf.mean(tf.neg(logRatio)) as tfTypes.Scalar,
    approxKl: tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tfTypes.Scalar,
    clipFrac: tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipCoef), "float32")) as tfTypes.Scalar,
  };
}

/** 0.5 · mean(max((v − R)², (v_old + clip(v − v_old, ±ε) − R)²)), or 0.5 · mean((v − R)²) unclipped. */
export function valueLoss(tf: Tf, values: T1, returns: T1, oldValues: T1, clipCoef: number, clip: boolean): tfTypes.Scalar {
  const unclipped = tf.square(tf.sub(values, returns));
  if (!clip) return tf.mul(0.5, tf.mean(unclipped)) as tfTypes.Scalar;
  const clippedValues = tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -clipCoef, clipCoef));
  return tf.mul(0.5, tf.mean(tf.maximum(unclipped, tf.square(tf.sub(clippedValues, returns))))) as tfTypes.Scalar;
}
