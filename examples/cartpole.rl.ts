/**
 * CartPole-v1 with PPO. Train it: `npx rl-studio train examples/cartpole.rl.ts`
 * (or the ▶ Train code lens). Solved at a mean return of 475 over the last 20 episodes.
 */
import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "cartpole-ppo",
  env: "CartPole-v1",
  task: "Balance the pole and keep the cart near the centre.",
  algorithm: "ppo",
  // Tuned for wall time on a laptop CPU (bench/train.ts): a 32-unit network, short rollouts and
  // RL Zoo's γ/λ; solves (mean of the last 20 episodes ≥ 475) in ~20–55 k steps.
  hyperparameters: {
    totalTimesteps: 100_000,
    numEnvs: 8,
    numSteps: 32,
    numMinibatches: 2,
    updateEpochs: 4,
    learningRate: 2.5e-3,
    gamma: 0.98,
    gaeLambda: 0.8,
    entCoef: 0,
    hiddenSizes: [32, 32],
  },
  seed: 1,
  // Optional shaping. Observation fields are named by the env; returning named components
  // (summed into the reward) lets the runtime measure each component's contribution.
  reward: ({ nextObs, envReward }) => ({
    alive: envReward,
    upright: 1 - Math.abs(nextObs.theta) / 0.2095,
  }),
});
