import type { ActorCriticLayout, PpoMinibatch } from "../../../runtime/src/nn/actor-critic.js";
import type { Rng } from "../../../runtime/src/rng.js";

/** A random but plausible PPO minibatch for `layout` (old log-probs near a uniform 2-way policy's). */
export function randomMinibatch(layout: ActorCriticLayout, B: number, rng: Rng, oldLogProb: () => number = () => -0.5 - rng.random()): PpoMinibatch {
  const { obsDim, actionDim, actionKind } = layout.config;
  const width = actionKind === "discrete" ? 1 : actionDim;
  return {
    size: B,
    obs: Float64Array.from({ length: B * obsDim }, () => rng.normal()),
    actions: Float64Array.from({ length: B * width }, () => (actionKind === "discrete" ? rng.integer(actionDim) : rng.normal())),
    logProbs: Float64Array.from({ length: B }, oldLogProb),
    advantages: Float64Array.from({ length: B }, () => rng.normal()),
    returns: Float64Array.from({ length: B }, () => rng.normal()),
    values: Float64Array.from({ length: B }, () => 0.3 * rng.normal()),
  };
}
