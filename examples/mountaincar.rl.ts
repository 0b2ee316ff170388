/**
 * MountainCar-v0 with PPO and a shaping reward. The env's own reward (−1 per step until the flag)
 * says nothing until the car first reaches the flag, which a random policy almost never does in
 * 200 steps; PPO then sees flat returns and learns nothing. Potential-based shaping
 * (Ng, Harada & Russell 1999), F = γ·Φ(s′) − Φ(s), adds a dense signal for gaining mechanical
 * energy — the thing the car must do to climb out of the valley — while leaving the optimal
 * policy of the discounted task unchanged (Φ is not zeroed at the goal, which only adds a bonus
 * for arriving there with energy to spare).
 *
 * Hyperparameters after RL Baselines3 Zoo's PPO entry for MountainCar-v0 (16 envs, n_steps 16,
 * gae_lambda 0.98, n_epochs 4, ent_coef 0, VecNormalize). Solved at a mean return of −110.
 */
import { defineExperiment } from "rl-studio";

/** Must equal the `gamma` below for the shaping to be potential-based. */
const GAMMA = 0.99;
/** Gymnasium's MountainCar gravity constant: velocity changes by −GRAVITY·cos(3·position) per step. */
const GRAVITY = 0.0025;
/** Scales Φ so the energy at the flag is about 10 (the same order as the per-episode step costs). */
const ENERGY_SCALE = 5_000;

/**
 * Mechanical energy per unit mass, in the env's own units: the gravity term of the dynamics is
 * −dU/dx with U(x) = GRAVITY/3 · sin(3x) (shifted to be ≥ 0), plus kinetic energy ½·v².
 */
function potential(position: number, velocity: number): number {
  return ENERGY_SCALE * ((GRAVITY / 3) * (Math.sin(3 * position) + 1) + 0.5 * velocity * velocity);
}

export default defineExperiment({
  name: "mountaincar-ppo-shaped",
  env: "MountainCar-v0",
  task: "Drive the under-powered car up the right hill to the flag, rocking back and forth to build momentum, in as few steps as possible.",
  algorithm: "ppo",
  hyperparameters: {
    totalTimesteps: 500_000,
    numEnvs: 16,
    numSteps: 16,
    gamma: GAMMA,
    gaeLambda: 0.98,
    updateEpochs: 4,
    numMinibatches: 4,
    entCoef: 0.0,
    normalizeObservations: true,
    normalizeRewards: true,
  },
  seed: 1,
  reward: ({ obs, nextObs, envReward }) => ({
    time: envReward,
    energy: GAMMA * potential(nextObs.position, nextObs.velocity) - potential(obs.position, obs.velocity),
  }),
});
