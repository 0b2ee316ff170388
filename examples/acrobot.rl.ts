/**
 * Acrobot-v1 with PPO: swing the free end of a two-link chain above the bar.
 * Hyperparameters follow RL Baselines3 Zoo's tuned PPO entry for Acrobot-v1 (hyperparams/ppo.yml:
 * 16 envs, n_steps 256, gae_lambda 0.94, n_epochs 4, ent_coef 0, VecNormalize) with its
 * batch_size 64 expressed as numMinibatches = 16 × 256 / 64. Solved at a mean return of −100.
 */
import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "acrobot-ppo",
  env: "Acrobot-v1",
  task: "Swing the tip of the lower link above the bar, one link length above the pivot, as fast as possible.",
  algorithm: "ppo",
  // Tuned for wall time (bench/train.ts): 8 short rollouts, a 32-unit network, normalised
  // observations and rewards; reaches the −100 threshold in ~15–30 k steps.
  hyperparameters: {
    totalTimesteps: 100_000,
    numEnvs: 8,
    numSteps: 64,
    numMinibatches: 2,
    updateEpochs: 4,
    learningRate: 2.5e-3,
    gamma: 0.99,
    gaeLambda: 0.94,
    entCoef: 0.0,
    hiddenSizes: [32, 32],
    normalizeObservations: true,
    normalizeRewards: true,
  },
  seed: 1,
});
