/**
 * The environment contract, with Gymnasium's semantics (gymnasium.Env, v1.0):
 *
 * - `reset({ seed })` returns the first observation; a seed re-seeds the env's RNG, no seed
 *   continues the current stream.
 * - `step(action)` returns `terminated` (the MDP reached a terminal state: do not bootstrap)
 *   and `truncated` (an outside limit such as a time limit ended the episode: bootstrap from
 *   the final observation) separately.
 * - Stepping after `terminated` or `truncated` without a `reset` is an error.
 *
 * Observations are `Float32Array`s whose elements are named by `EnvSpec.observationFields`, so
 * experiment files and explanations can say `theta` instead of `obs[2]`.
 */
import type { Box, Discrete } from "./spaces.js";

export type Action = number | Float32Array;
export type Info = Record<string, unknown>;

export interface ResetResult {
  obs: Float32Array;
  info: Info;
}

export interface StepResult {
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface Env<A extends Action = Action> {
  readonly spec: EnvSpec;
  readonly observationSpace: Box;
  readonly actionSpace: A extends number ? Discrete : Box;
  reset(options?: { seed?: number }): ResetResult;
  step(action: A): StepResult;
}

/** One named element of the observation vector. */
export interface ObservationField {
  name: string;
  /** What it measures, with its unit. */
  description: string;
  /** Bounds of the observation space element (may be ±Infinity). */
  low: number;
  high: number;
  /** Range actually reachable inside an episode when narrower than the space (e.g. CartPole theta ±0.2095 before termination). */
  episodeRange?: [number, number];
}

/** Static description of an environment: the registry's entry, also read by the language server and the LLM prompts. */
export interface EnvSpec {
  id: string;
  /** One paragraph, as in the first part of Gymnasium's docstring. */
  description: string;
  observationFields: readonly ObservationField[];
  /** Discrete: the meaning of each action. Continuous: the meaning of each action element. */
  actionMeanings: readonly string[];
  /** Gymnasium's docstring sections, in plain text. */
  docs: {
    actionSpace: string;
    observationSpace: string;
    rewards: string;
    startingState: string;
    episodeEnd: string;
  };
  /** TimeLimit's max_episode_steps in Gymnasium's registration. */
  maxEpisodeSteps: number;
  /** Return at which the task counts as solved (Gymnasium's reward_threshold), if any. */
  rewardThreshold?: number;
  /** Names of the termination conditions an episode can end by (reported in `info.terminationCause`). */
  terminationCauses: readonly string[];
  actionSpace: { kind: "discrete"; n: number } | { kind: "box"; low: number[]; high: number[] };
}

/** `info.terminationCause` names which termination condition fired; `info.truncationCause` is "time limit". */
export const TIME_LIMIT = "time limit";
