/**
 * TWOSOME's sizes, derived once from the hyperparameters as twosome/overcooked/ppo_llm_pomdp.py does
 * after parsing its arguments (batch_size = num_envs · num_steps; policy_minibatch_size =
 * batch_size // policy_num_minibatches; value_minibatch_size = batch_size // value_num_minibatches).
 */
import type { Hyperparameters } from "../experiment/hyperparameters.js";

export interface TwosomeSizes {
  batchSize: number;
  numIterations: number;
  policyMinibatchSize: number;
  valueMinibatchSize: number;
  /** Optimiser steps per iteration at most (fewer when the target-KL check stops the update). */
  policyStepsPerIteration: number;
  valueStepsPerIteration: number;
}

export function twosomeSizes(h: Hyperparameters): TwosomeSizes {
  const batchSize = h.numEnvs * h.numSteps;
  return {
    batchSize,
    numIterations: Math.max(1, Math.floor(h.totalTimesteps / batchSize)),
    policyMinibatchSize: Math.max(1, Math.floor(batchSize / h.numMinibatches)),
    valueMinibatchSize: Math.max(1, Math.floor(batchSize / h.valueNumMinibatches)),
    policyStepsPerIteration: h.updateEpochs * Math.floor(h.numMinibatches / h.gradientAccumulationSteps),
    valueStepsPerIteration: h.updateEpochs * h.valueNumMinibatches,
  };
}
