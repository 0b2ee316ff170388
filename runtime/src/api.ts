/**
 * The `rl-studio` module as experiment files see it: `import { defineExperiment } from "rl-studio"`.
 * The runtime's esbuild step maps that import here; the editor gets the same declarations.
 */
import type { Hyperparameters } from "./experiment/hyperparameters.js";
import type { Env } from "./envs/types.js";

export { Box, Discrete } from "./envs/spaces.js";
export { Rng } from "./rng.js";
export type { Env, EnvSpec, ObservationField, ResetResult, StepResult, Action, Info, TextView, TextSpec, MacroActionSpec } from "./envs/types.js";
export type { Hyperparameters } from "./experiment/hyperparameters.js";

/** An observation whose fields are all numbers, named by `K`. */
type Fields<K extends string> = { [P in K]: number };
type KitchenTaskFields =
  | "taskTomatoSalad"
  | "taskLettuceSalad"
  | "taskOnionSalad"
  | "taskLettuceTomatoSalad"
  | "taskOnionTomatoSalad"
  | "taskLettuceOnionSalad"
  | "taskLettuceOnionTomatoSalad";
type RoomFields = "inKitchen" | "inBathroom" | "inBedroom" | "inLivingroom";

/** Named observation fields of the built-in envs, so `nextObs.theta` type-checks. */
export interface BuiltinObservations {
  "CartPole-v1": { x: number; xDot: number; theta: number; thetaDot: number };
  "Acrobot-v1": { cosTheta1: number; sinTheta1: number; cosTheta2: number; sinTheta2: number; thetaDot1: number; thetaDot2: number };
  "MountainCar-v0": { position: number; velocity: number };
  "MountainCarContinuous-v0": { position: number; velocity: number };
  "Pendulum-v1": { cosTheta: number; sinTheta: number; thetaDot: number };
  "Overcooked-TomatoSalad-v0": Fields<
    "tomatoRow" | "tomatoCol" | "tomatoChops" | "plateRow" | "plateCol" | "knifeRow" | "knifeCol" | "deliveryRow" | "deliveryCol" | "agentRow" | "agentCol" | KitchenTaskFields
  >;
  "Overcooked-TomatoLettuceSalad-v0": Fields<
    | "tomatoRow" | "tomatoCol" | "tomatoChops" | "lettuceRow" | "lettuceCol" | "lettuceChops" | "onionRow" | "onionCol" | "onionChops"
    | "plateRow" | "plateCol" | "knife1Row" | "knife1Col" | "knife2Row" | "knife2Col" | "deliveryRow" | "deliveryCol" | "agentRow" | "agentCol" | KitchenTaskFields
  >;
  "VirtualHome-FoodPreparation-v0": Fields<RoomFields | "seePancake" | "closeToPancake" | "holdPancake" | "seeMicrowave" | "closeToMicrowave" | "isMicrowaveOpen" | "pancakeInMicrowave">;
  "VirtualHome-Entertainment-v0": Fields<
    | RoomFields
    | "seeChips" | "closeToChips" | "holdChips" | "chipsOnCoffeetable" | "seeMilk" | "closeToMilk" | "holdMilk" | "milkOnCoffeetable"
    | "seeTv" | "closeToTv" | "isFaceTv" | "isTvOn" | "seeSofa" | "closeToSofa" | "isSitSofa" | "seeCoffeetable" | "closeToCoffeetable"
  >;
}

export type BuiltinEnvId = keyof BuiltinObservations;

/** The action each built-in env takes, so `action - 1` type-checks on CartPole and `action[0]` on Pendulum. */
export interface BuiltinActions {
  "CartPole-v1": number;
  "Acrobot-v1": number;
  "MountainCar-v0": number;
  "MountainCarContinuous-v0": number[];
  "Pendulum-v1": number[];
  "Overcooked-TomatoSalad-v0": number;
  "Overcooked-TomatoLettuceSalad-v0": number;
  "VirtualHome-FoodPreparation-v0": number;
  "VirtualHome-Entertainment-v0": number;
}

/** One transition, handed to the experiment's `reward` function. */
export interface Transition<O = Record<string, number>, A extends number | number[] = number | number[]> {
  obs: O;
  /** Discrete: the action index. Continuous: the action vector as the env received it (after clipping). */
  action: A;
  nextObs: O;
  /** The environment's own reward for this step. */
  envReward: number;
  terminated: boolean;
  truncated: boolean;
  /** Step index inside the episode, from 0. */
  episodeStep: number;
}

/**
 * Reward shaping: a number, or named components whose sum is the reward. Each component's
 * per-episode sum is logged as `reward/<name>` so its contribution can be measured.
 */
export type RewardFunction<O = Record<string, number>, A extends number | number[] = number | number[]> = (t: Transition<O, A>) => number | Record<string, number>;

/**
 * One step of the task, checked on the env's named observation fields (Di Palo et al. 2023's
 * sub-goals, with a predicate as the detector). Sub-goals are reached in order: the agent earns
 * `subgoalReward` the first time in an episode that the next pending one holds after a step.
 */
export interface Subgoal<O = Record<string, number>> {
  /** An identifier (letters, digits, _); its achievement rate is logged as `subgoals/<name>`. */
  name: string;
  /** The sub-goal in plain language. */
  description?: string;
  /** Does the sub-goal hold in this state (the observation a step reached)? Must return a boolean. */
  achieved: (state: { obs: O }) => boolean;
}

/**
 * Self-imitation from the workspace's experience store (every run's transitions, per env): PPO adds
 * SIL's loss (Oh et al. 2018), −log π(a|s)·max(R − V(s), 0) + ½·β·max(R − V(s), 0)², on the stored
 * episodes that achieved the task (`source: "task"`) or reached the most sub-goals (`"subgoals"`),
 * with returns R recomputed under this experiment's reward and sub-goals.
 */
export interface SelfImitation {
  /** Weight of the self-imitation loss (1 is a common start). */
  coef: number;
  source: "task" | "subgoals";
  /** β of the value term (default 0.01, the paper's). */
  valueCoef?: number;
  /** Self-imitation minibatch steps after each PPO update (default: numMinibatches). */
  updatesPerIteration?: number;
  /** Most stored transitions kept for imitation, best episodes first (default 50 000). */
  maxTransitions?: number;
}

/** A custom environment: a class implementing `Env`, or a factory returning one. */
export type EnvConstructor = (new () => Env) | (() => Env);

export interface ExperimentConfig<Id extends BuiltinEnvId | EnvConstructor = BuiltinEnvId | EnvConstructor> {
  /** Run name; runs are grouped by it. */
  name: string;
  /** A built-in env id, or a custom env class/factory. */
  env: Id;
  /** What the agent should achieve, in plain language (read by the reward designer). */
  task?: string;
  /** "ppo" (CleanRL's PPO on the vector observation) or "twosome" (an LLM policy on a text env's text view, with an `llm` block). */
  algorithm: "ppo" | "twosome";
  hyperparameters?: Partial<Hyperparameters>;
  /** algorithm "twosome": the GGUF model that is the policy, the action-score normalisation and the LoRA adapter. */
  llm?: {
    /** A .gguf file, relative to this file or absolute (default: rlStudio.llm.model / --model / RL_STUDIO_LLM_MODEL). */
    model?: string;
    /** "word" (default, TWOSOME's), "token" or "none": what an action's summed log-likelihood is divided by. */
    normalization?: "word" | "token" | "none";
    lora?: { rank?: number; alpha?: number; dropout?: number; targets?: ("q" | "k" | "v")[] };
  };
  seed?: number;
  reward?: RewardFunction<
    Id extends BuiltinEnvId ? BuiltinObservations[Id] : Record<string, number>,
    Id extends BuiltinEnvId ? BuiltinActions[Id] : number | number[]
  >;
  /** Ordered sub-goals of the task; reaching the next one earns `subgoalReward` once per episode. */
  subgoals?: Subgoal<Id extends BuiltinEnvId ? BuiltinObservations[Id] : Record<string, number>>[];
  /** Reward for reaching the next sub-goal (default 1); logged as the reward component `subgoals`. */
  subgoalReward?: number;
  /** Imitate what earlier runs of this env found (from `.rl-studio/experience/<env>/`). */
  selfImitation?: SelfImitation;
}

/** Identity at run time; exists so the editor can type-check the experiment. */
export function defineExperiment<Id extends BuiltinEnvId | EnvConstructor>(config: ExperimentConfig<Id>): ExperimentConfig<Id> {
  return config;
}
