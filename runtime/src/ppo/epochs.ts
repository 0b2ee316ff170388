/**
 * Optimizing the policy and value network, as CleanRL's `ppo.py`: updateEpochs passes over the
 * rollout, each a Fisher-Yates shuffle (np.random.shuffle(b_inds)) cut into minibatches, one learner
 * step per minibatch, and target-KL early stopping after an epoch.
 */
import type { Hyperparameters } from "../experiment/hyperparameters.js";
import type { PpoCoefficients, PpoLossStats, PpoMinibatch } from "../nn/actor-critic.js";
import type { Learner } from "../nn/learner.js";
import type { Rng } from "../rng.js";
import type { Rollout } from "./rollout.js";

export interface EpochsResult {
  /** The last minibatch's statistics (null when there was none). */
  stats: PpoLossStats | null;
  /** Mean clip fraction over the minibatches. */
  clipFrac: number;
  updates: number;
  /** Seconds inside learner.step. */
  updateSeconds: number;
}

/** Reusable minibatch and index buffers for `optimize`. */
export class MinibatchScratch {
  readonly mb: PpoMinibatch;
  readonly indices: Int32Array;

  constructor(rollout: Rollout, minibatchSize: number) {
    const { obsDim, actWidth } = rollout;
    this.mb = {
      size: minibatchSize,
      obs: new Float64Array(minibatchSize * obsDim),
      actions: new Float64Array(minibatchSize * actWidth),
      logProbs: new Float64Array(minibatchSize),
      advantages: new Float64Array(minibatchSize),
      returns: new Float64Array(minibatchSize),
      values: new Float64Array(minibatchSize),
    };
    this.indices = new Int32Array(rollout.batchSize);
  }
}

/**
 * `klOf` gives the approx KL target-KL compares (the learner's own; with data-parallel learners the
 * mean over ranks, so every rank stops after the same epoch).
 */
export async function optimize(
  learner: Learner,
  rollout: Rollout,
  h: Hyperparameters,
  coef: PpoCoefficients,
  learningRate: number,
  shuffleRng: Rng,
  scratch: MinibatchScratch,
  klOf: (stats: PpoLossStats) => number = (s) => s.approxKl,
): Promise<EpochsResult> {
  const { mb, indices } = scratch;
  const { batchSize, obsDim, actWidth } = rollout;
  const minibatchSize = mb.size;
  for (let i = 0; i < batchSize; i++) indices[i] = i;
  let stats: PpoLossStats | null = null;
  let clipFracSum = 0;
  let updates = 0;
  let updateSeconds = 0;
  for (let epoch = 0; epoch < h.updateEpochs; epoch++) {
    for (let i = batchSize - 1; i > 0; i--) {
      const j = shuffleRng.integer(i + 1);
      const t = indices[i]!;
      indices[i] = indices[j]!;
      indices[j] = t;
    }
    for (let start = 0; start + minibatchSize <= batchSize; start += minibatchSize) {
      for (let r = 0; r < minibatchSize; r++) {
        const src = indices[start + r]!;
        for (let k = 0; k < obsDim; k++) mb.obs[r * obsDim + k] = rollout.obs[src * obsDim + k]!;
        for (let k = 0; k < actWidth; k++) mb.actions[r * actWidth + k] = rollout.actions[src * actWidth + k]!;
        mb.logProbs[r] = rollout.logProbs[src]!;
        mb.advantages[r] = rollout.advantages[src]!;
        mb.returns[r] = rollout.returns[src]!;
        mb.values[r] = rollout.values[src]!;
      }
      const updateStart = performance.now();
      stats = await learner.step(mb, coef, learningRate, h.maxGradNorm);
      updateSeconds += (performance.now() - updateStart) / 1000;
      updates++;
      clipFracSum += stats.clipFrac;
    }
    if (h.targetKl !== null && stats && klOf(stats) > h.targetKl) break;
  }
  return { stats, clipFrac: clipFracSum / Math.max(1, updates), updates, updateSeconds };
}
