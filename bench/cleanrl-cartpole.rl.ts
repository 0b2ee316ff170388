/**
 * CleanRL's `ppo.py` with its default arguments on CartPole-v1, for `npm run bench -- compare`:
 * 4 envs × 128 steps, 4 minibatches of 128, 4 epochs, learning rate 2.5e-4 annealed, γ 0.99, λ 0.95,
 * clip 0.2 with value clipping, entropy 0.01, 64×64 tanh actor and critic, 500 k steps, and no value
 * bootstrap at time limits (ppo.py treats truncation as termination). No reward shaping.
 */
import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "cleanrl-cartpole",
  env: "CartPole-v1",
  task: "Balance the pole.",
  algorithm: "ppo",
  hyperparameters: {
    totalTimesteps: 500_000,
    numEnvs: 4,
    numSteps: 128,
    numMinibatches: 4,
    updateEpochs: 4,
    learningRate: 2.5e-4,
    annealLr: true,
    gamma: 0.99,
    gaeLambda: 0.95,
    clipCoef: 0.2,
    clipVloss: true,
    entCoef: 0.01,
    vfCoef: 0.5,
    maxGradNorm: 0.5,
    hiddenSizes: [64, 64],
    bootstrapTruncated: false,
  },
  seed: 1,
});
