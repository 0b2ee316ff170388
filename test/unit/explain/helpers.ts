/** A CartPole policy whose left logit dominates: π(push left | s) = 1 to double precision in every state. */
import { CARTPOLE_SPEC } from "../../../runtime/src/envs/cartpole.js";
import { makeEnv } from "../../../runtime/src/envs/registry.js";
import { ActorCriticLayout, type DenseLayer } from "../../../runtime/src/nn/actor-critic.js";
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

/**
 * A CartPole policy that looks at theta only: one tanh unit h = tanh(10·theta), logits (−3h, 3h),
 * so it pushes right when the pole leans right, with probabilities strictly between 0 and 1; the
 * critic is tanh(5·theta), so V moves with the pole. Every weight from x, xDot and thetaDot is 0.
 */
export function thetaOnlyPolicy(): Policy {
  const layout = new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: [1] });
  const params = new Float32Array(layout.size);
  const [hidden, head] = layout.actor as [DenseLayer, DenseLayer];
  params[hidden.wOffset + 2] = 10;
  params[head.wOffset] = -3;
  params[head.wOffset + 1] = 3;
  const [criticHidden, criticHead] = layout.critic as [DenseLayer, DenseLayer];
  params[criticHidden.wOffset + 2] = 5;
  params[criticHead.wOffset] = 1;
  return new Policy(layout, params, null);
}
