/**
 * MountainCar-v0 without reward shaping, with hand-written sub-goals instead (Di Palo et al. 2023,
 * "Towards A Unified Agent with Foundation Models": split a sparse task into sub-goals, reward each
 * the first time it is reached, in order). The env's own reward (−1 per step until the flag) says
 * nothing until the car first reaches the flag, which a random policy almost never does in 200
 * steps; these sub-goals reward the rocking that gets it there: build speed, swing back up the left
 * hill, then climb the right one. Each is worth `subgoalReward` once per episode, logged as
 * `reward/subgoals`, and its achievement rate as `subgoals/<name>`.
 *
 * Hyperparameters after RL Baselines3 Zoo's PPO entry for MountainCar-v0 (16 envs, n_steps 16,
 * gae_lambda 0.98, n_epochs 4, ent_coef 0, normalised observations), but with the rewards left as
 * the env gives them: the Zoo's `normalize: true` also scales the rewards, and with that plain PPO
 * finds the flag on its own (bench/subgoals.ts, sections mcz-*). Unscaled, −1 per step outweighs a
 * sub-goal worth 1, so each is worth 5 here (bench/subgoals.ts measured 1 and 5, sections mc-*).
 */
import { defineExperiment } from "rl-studio";

export default defineExperiment({
  name: "mountaincar-subgoals",
  env: "MountainCar-v0",
  task: "Drive the under-powered car up the right hill to the flag, rocking back and forth to build momentum, in as few steps as possible.",
  algorithm: "ppo",
  hyperparameters: {
    totalTimesteps: 200_000,
    numEnvs: 16,
    numSteps: 16,
    gamma: 0.99,
    gaeLambda: 0.98,
    updateEpochs: 4,
    numMinibatches: 4,
    entCoef: 0.0,
    normalizeObservations: true,
  },
  seed: 1,
  subgoals: [
    { name: "buildSpeed", description: "get the car moving: speed above 0.015", achieved: ({ obs }) => Math.abs(obs.velocity) > 0.015 },
    { name: "swingLeft", description: "swing back up the left hill", achieved: ({ obs }) => obs.position < -0.9 },
    { name: "climbRight", description: "come back down and climb past the valley's right side", achieved: ({ obs }) => obs.position > 0 },
    { name: "nearFlag", description: "get close to the flag", achieved: ({ obs }) => obs.position > 0.3 },
  ],
  subgoalReward: 5,
});
