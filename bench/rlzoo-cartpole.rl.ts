/**
 * RL Baselines3 Zoo's tuned PPO for CartPole-v1 (hyperparams/ppo.yml), as SB3 runs it, for
 * `npm run bench -- compare`: 8 envs × 32 steps, batch_size 256 (one minibatch of the whole rollout),
 * 20 epochs, γ 0.98, λ 0.8, no entropy bonus, learning rate lin_1e-3 and clip range lin_0.2, 100 k
 * steps. SB3's MlpPolicy: separate 64×64 tanh actor and critic, orthogonal init, Adam ε 1e-5, no value
 * clipping (clip_range_vf None), advantages normalised, max_grad_norm 0.5, value bootstrap at time limits.
 * No reward shaping: the env's own reward, as the peers train on.
 */
import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "rlzoo-cartpole",
  env: "CartPole-v1",
  task: "Balance the pole.",
  algorithm: "ppo",
  hyperparameters: {
    totalTimesteps: 100_000,
    numEnvs: 8,
    numSteps: 32,
    numMinibatches: 1,
    updateEpochs: 20,
    gamma: 0.98,
    gaeLambda: 0.8,
    entCoef: 0,
    learningRate: 1e-3,
    annealLr: true,
    clipCoef: 0.2,
    annealClip: true,
    clipVloss: false,
    vfCoef: 0.5,
    maxGradNorm: 0.5,
    hiddenSizes: [64, 64],
    bootstrapTruncated: true,
  },
  seed: 1,
});
