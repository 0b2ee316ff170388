/**
 * Pendulum-v1 with PPO (continuous torque): swing the pendulum up and hold it upright.
 * Hyperparameters follow RL Baselines3 Zoo's PPO entry for Pendulum-v1 (hyperparams/ppo.yml:
 * 4 envs, n_steps 1024, gamma 0.9, learning rate 1e-3, n_epochs 10, batch 128 → 32 minibatches,
 * ent_coef 0, VecNormalize). A good policy scores about −200 per 200-step episode.
 */
import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "pendulum-ppo",
  env: "Pendulum-v1",
  task: "Swing the pendulum up and keep it upright with as little torque as possible.",
  algorithm: "ppo",
  hyperparameters: {
    totalTimesteps: 300_000,
    numEnvs: 4,
    numSteps: 1024,
    learningRate: 1e-3,
    gamma: 0.9,
    gaeLambda: 0.95,
    updateEpochs: 10,
    numMinibatches: 32,
    clipCoef: 0.2,
    entCoef: 0.0,
    normalizeObservations: true,
    normalizeRewards: true,
  },
  seed: 1,
});
