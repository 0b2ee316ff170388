/** A CartPole policy whose left logit dominates: π(push left | s) = 1 to double precision in every state. */
import { CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";
import { makeEnv } from "../../../runtime/src/envs/registry.js";
import { ActorCriticLayout } from "../../../runtime/src/nn/actor-critic.js";
import { Policy } from "../../../runtime/src/ppo/policy.js";
import type { ExplainedExperiment } from "../../../runtime/src/explain/facts.js";

export function alwaysLeftPolicy(): Policy {
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [8] });
  const params = new Float32Array(layout.size);
  const head = layout.actor[layout.actor.length - 1]!;
  // Logits (20, −20): softmax gives 1 / (1 + e^−40), which is 1 in double precision.
  params[head.bOffset] = 20;
  params[head.bOffset + 1] = -20;
  return new Policy(layout, params, null);
}

/** CartPole-v1 as an experiment without shaping. */
export const CARTPOLE_EXPERIMENT: ExplainedExperiment = {
  name: "always-left",
  envId: "CartPole-v1",
  spec: CARTPOLE_SPEC,
  makeEnv: () => makeEnv("CartPole-v1"),
  task: "Balance the pole.",
  seed: 3,
  reward: null,
};
