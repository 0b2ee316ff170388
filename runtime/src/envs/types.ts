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
  /** The same state as text, on envs whose spec has `text` (wrappers forward it). */
  readonly text?: TextView;
}

/**
 * The text side of a text-capable env, as TWOSOME (Tan et al., ICLR 2024) feeds an LLM policy: the
 * prompt of the current state and the texts of the actions valid in it. The policy scores each
 * action by the tokens of `prompt() + " " + actions()[i]` and picks among `actions()` only, so an
 * action index outside `validActions()` is never chosen by it. Read after `reset`/`step`; the
 * view describes the env's current state.
 */
export interface TextView {
  /** The observation as the prompt text, ending where the action text continues it. */
  prompt(): string;
  /** Texts of the actions valid now, in a stable order (the env's order for this state). */
  actions(): readonly string[];
  /** The Discrete action index of `actions()[i]`. */
  actionIndex(i: number): number;
  /** The Discrete action indices valid now, in the order of `actions()`. */
  validActions(): readonly number[];
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
  /** The termination causes that mean the task was achieved (MountainCar's flag), for success rates and self-imitation; absent: none does. */
  successCauses?: readonly string[];
  actionSpace: { kind: "discrete"; n: number } | { kind: "box"; low: number[]; high: number[] };
  /** Present on envs with a text view (`env.text`) and a success criterion. */
  text?: TextSpec;
  /** Present on envs whose `step` runs a macro-action made of several primitive steps. */
  macroActions?: MacroActionSpec;
}

/** What a text policy (TWOSOME) needs to know about a text-capable env. */
export interface TextSpec {
  /** Where the text observations and action wordings come from (file names in the reference repository). */
  source: string;
  /** Most actions valid in one state (the Discrete space's n when every action is always offered). */
  maxValidActions: number;
  /**
   * "all": every Discrete action is offered in every state (only its wording changes). "subset":
   * each state offers some of them (`validActions()`, `info.actionMask` with 1 = valid), and the
   * reference's own PPO baseline samples among those only. Either way `step` accepts any action
   * of the space; an invalid one costs a step and changes nothing, as in the reference env.
   */
  validActions: "all" | "subset";
  /** γ the reference's training scripts use for this task. */
  referenceGamma: number;
  /** `info.terminationCause` of a successful episode; `info.success` is true at its last step. */
  successCause: string;
}

/**
 * A macro-action env (Xiao et al.'s MacDec-POMDP Overcooked, as TWOSOME uses it): one `step` runs
 * a macro-action until it ends, `info.primitiveSteps` counts the primitive steps it took, and the
 * step's reward is the sum of the primitive rewards discounted inside the macro-action.
 */
export interface MacroActionSpec {
  /** γ applied per primitive step inside one macro-action's reward: Σₖ γᵏ rₖ. */
  rewardDiscount: number;
  /**
   * Episode limit in primitive steps: the env truncates at the end of the macro-action during which
   * it is reached, so an episode can run a few primitive steps past it. `maxEpisodeSteps` (macro
   * steps) never binds first, since every macro-action takes at least one primitive step.
   */
  maxPrimitiveSteps: number;
  /** The reference trainer discounts the next value by γ^{info.primitiveSteps} (SMDP GAE), not by γ once per step. */
  discounting: "per-primitive-step";
}

/**
 * `info.terminationCause` names which termination condition fired; `info.truncationCause` is "time limit".
 * Text envs also report `info.success` on the last step of an episode and `info.actionMask` on every step.
 */
export const TIME_LIMIT = "time limit";
