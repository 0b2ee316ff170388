/**
 * PPO's sizes, derived once from the hyperparameters as CleanRL's `ppo.py` does right after
 * parsing its arguments (`args.batch_size = int(args.num_envs * args.num_steps)`, …).
 */
import type { Hyperparameters } from "../experiment/hyperparameters.js";

export interface DerivedSizes {
  /** Environment steps per iteration of one learner: numEnvs × numSteps. */
  batchSize: number;
  minibatchSize: number;
  /** Iterations in the whole run: totalTimesteps / (batchSize × numLearners) (at least 1; CleanRL's multi-GPU script divides by the world size too). */
  numIterations: number;
  /** Minibatch gradient steps per iteration at most (fewer when target-KL stops the epochs early). */
  gradientStepsPerIteration: number;
}

export function deriveSizes(h: Hyperparameters): DerivedSizes {
  const batchSize = h.numEnvs * h.numSteps;
  const minibatchSize = Math.floor(batchSize / h.numMinibatches);
  return {
    batchSize,
    minibatchSize,
    numIterations: Math.max(1, Math.floor(h.totalTimesteps / (batchSize * h.numLearners))),
    gradientStepsPerIteration: h.updateEpochs * Math.floor(batchSize / Math.max(1, minibatchSize)),
  };
}
