/**
 * PPO hyperparameters: one table, the single source of truth for the runtime's validation,
 * the CLI, the language server's completion/hover/diagnostics and the LLM prompts.
 *
 * Defaults are CleanRL's `ppo.py` (discrete) unless a field says otherwise; `zoo` is the value
 * RL Baselines3 Zoo tunes for CartPole-v1 (its `ppo.yml`), given so a user can compare.
 */

export interface HyperparameterSpec {
  key: keyof Hyperparameters;
  type: "number" | "integer" | "boolean" | "integer[]";
  /** One line: what the knob does. */
  doc: string;
  /** What raising it does, for hover. */
  effect: string;
  default: number | boolean | number[] | null;
  cleanrl: number | boolean | number[] | null;
  zoo?: number | boolean | number[] | null;
  /** Inclusive/exclusive bounds; for integer[] they bound each element. */
  min?: number;
  exclusiveMin?: number;
  max?: number;
  nullable?: boolean;
  /** The algorithms that read it (default: every algorithm); writing it for another one is an error. */
  algorithms?: readonly ("ppo" | "twosome")[];
}

export interface Hyperparameters {
  totalTimesteps: number;
  learningRate: number;
  numEnvs: number;
  numSteps: number;
  annealLr: boolean;
  annealClip: boolean;
  gamma: number;
  gaeLambda: number;
  numMinibatches: number;
  updateEpochs: number;
  normAdv: boolean;
  clipCoef: number;
  clipVloss: boolean;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
  targetKl: number | null;
  hiddenSizes: number[];
  normalizeObservations: boolean;
  normalizeRewards: boolean;
  bootstrapTruncated: boolean;
  checkpointEvery: number;
  /** TWOSOME: the critic's own Adam step size (the policy's is learningRate). */
  valueLearningRate: number;
  /** TWOSOME: minibatches the batch is split into for the critic (numMinibatches splits it for the policy). */
  valueNumMinibatches: number;
  /** TWOSOME: policy minibatches whose gradients are summed into one optimiser step. */
  gradientAccumulationSteps: number;
  numLearners: number;
  experienceMaxMegabytes: number | null;
}

export const HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { key: "totalTimesteps", type: "integer", doc: "Total environment steps to train for, summed over all envs.", effect: "Longer training.", default: 500_000, cleanrl: 500_000, zoo: 100_000, min: 1 },
  { key: "learningRate", type: "number", doc: "Adam step size.", effect: "Faster but less stable learning.", default: 2.5e-4, cleanrl: 2.5e-4, zoo: 1e-3, exclusiveMin: 0, max: 1 },
  { key: "numEnvs", type: "integer", doc: "Parallel environments in the vector env.", effect: "More decorrelated data per rollout; bigger batches.", default: 4, cleanrl: 4, zoo: 8, min: 1, max: 4096 },
  { key: "numSteps", type: "integer", doc: "Steps per environment per rollout (batch = numEnvs × numSteps).", effect: "Longer rollouts, fewer updates per step, better advantage estimates.", default: 128, cleanrl: 128, zoo: 32, min: 1 },
  { key: "annealLr", type: "boolean", doc: "Linearly anneal the learning rate to 0 over training.", effect: "Stabler end of training.", default: true, cleanrl: true, zoo: true },
  { key: "annealClip", type: "boolean", doc: "Linearly decay the clipping coefficient ε (policy and value clipping) to 0 over training, as Stable-Baselines3's `clip_range` schedule (RL Zoo's `lin_0.2`): ε · (1 − steps done / totalTimesteps), updated after each rollout. CleanRL keeps ε constant.", effect: "Smaller policy steps as training ends.", default: false, cleanrl: false, zoo: true },
  { key: "gamma", type: "number", doc: "Discount factor γ.", effect: "Longer credit-assignment horizon (≈ 1/(1−γ) steps).", default: 0.99, cleanrl: 0.99, zoo: 0.98, exclusiveMin: 0, max: 1 },
  { key: "gaeLambda", type: "number", doc: "λ of Generalized Advantage Estimation (Schulman et al. 2016).", effect: "Less bias, more variance in advantages.", default: 0.95, cleanrl: 0.95, zoo: 0.8, min: 0, max: 1 },
  { key: "numMinibatches", type: "integer", doc: "Minibatches the batch is split into per epoch; must divide numEnvs × numSteps.", effect: "More, smaller gradient steps per epoch.", default: 4, cleanrl: 4, zoo: 1, min: 1 },
  { key: "updateEpochs", type: "integer", doc: "Passes over the batch per rollout (K epochs).", effect: "More sample reuse; more policy drift per update.", default: 4, cleanrl: 4, zoo: 20, min: 1 },
  { key: "normAdv", type: "boolean", doc: "Normalise advantages per minibatch.", effect: "Scale-free policy gradient.", default: true, cleanrl: true, zoo: true },
  { key: "clipCoef", type: "number", doc: "PPO surrogate clipping coefficient ε.", effect: "Larger policy steps allowed.", default: 0.2, cleanrl: 0.2, zoo: 0.2, min: 0 },
  { key: "clipVloss", type: "boolean", doc: "Clip the value loss around the old value estimate, as in CleanRL.", effect: "Conservative value updates.", default: true, cleanrl: true, zoo: false },
  { key: "entCoef", type: "number", doc: "Entropy bonus coefficient.", effect: "More exploration.", default: 0.01, cleanrl: 0.01, zoo: 0.0, min: 0 },
  { key: "vfCoef", type: "number", doc: "Value-loss coefficient.", effect: "Critic fitted harder relative to the policy.", default: 0.5, cleanrl: 0.5, zoo: 0.5, min: 0 },
  { key: "maxGradNorm", type: "number", doc: "Global gradient-norm clipping threshold.", effect: "Fewer clipped updates.", default: 0.5, cleanrl: 0.5, zoo: 0.5, exclusiveMin: 0 },
  { key: "targetKl", type: "number", doc: "Stop the epoch loop early when approx KL exceeds this (null: never).", effect: "Looser trust region.", default: null, cleanrl: null, zoo: null, exclusiveMin: 0, nullable: true },
  { key: "hiddenSizes", algorithms: ["ppo"], type: "integer[]", doc: "Hidden layer widths of the actor and of the critic (tanh MLPs, separate networks as in CleanRL).", effect: "More capacity, slower updates.", default: [64, 64], cleanrl: [64, 64], zoo: [64, 64], min: 1, max: 4096 },
  { key: "normalizeObservations", algorithms: ["ppo"], type: "boolean", doc: "Running mean/std observation normalisation, clipped to ±10 (CleanRL continuous).", effect: "Scale-invariant inputs.", default: false, cleanrl: false },
  { key: "normalizeRewards", algorithms: ["ppo"], type: "boolean", doc: "Scale rewards by the running std of the discounted return, clipped to ±10 (CleanRL continuous).", effect: "Scale-invariant value targets.", default: false, cleanrl: false },
  { key: "bootstrapTruncated", algorithms: ["ppo"], type: "boolean", doc: "On truncation (time limit), bootstrap from the value of the final observation instead of treating it as terminal (CleanRL does not; Stable-Baselines3 does).", effect: "Correct returns at time limits.", default: true, cleanrl: false, zoo: true },
  { key: "numLearners", algorithms: ["ppo"], type: "integer", doc: "Data-parallel learners, each in its own thread stepping its own numEnvs envs (seeded per learner), with one shared parameter vector and Adam state and the gradients averaged every minibatch, as CleanRL's ppo_atari_multigpu.py (one process per GPU there). totalTimesteps counts all learners' steps; each minibatch step sees numLearners × the minibatch. Float64 plain-JS learners; not with normalizeObservations or normalizeRewards.", effect: "More environment steps per second on more cores; a bigger effective batch.", default: 1, cleanrl: 1, min: 1, max: 64 },
  { key: "experienceMaxMegabytes", algorithms: ["ppo"], type: "number", doc: "Size cap in MB of this env's lifelong experience store (.rl-studio/experience/<env>/), which every run appends its transitions to and self-imitation reads; the oldest segments are dropped first. 0: this run stores nothing. null: the workspace setting rlStudio.experience.maxMegabytes (256 MB unless set).", effect: "More earlier experience kept for self-imitation and relabelling, more disk.", default: null, cleanrl: null, min: 0, nullable: true },
  { key: "checkpointEvery", type: "integer", doc: "Write a checkpoint every this many PPO iterations (and always at the end).", effect: "Less lost work on a crash, more disk writes.", default: 10, cleanrl: null, min: 1 },
  { key: "valueLearningRate", algorithms: ["twosome"], type: "number", doc: "TWOSOME: Adam step size of the critic's value head (learningRate is the LoRA policy's).", effect: "Faster but noisier value fitting.", default: 1e-5, cleanrl: null, exclusiveMin: 0, max: 1 },
  { key: "valueNumMinibatches", algorithms: ["twosome"], type: "integer", doc: "TWOSOME: minibatches the batch is split into for the critic's updates (numMinibatches splits it for the policy); must divide numEnvs × numSteps.", effect: "More, smaller critic steps per epoch.", default: 4, cleanrl: null, min: 1 },
  { key: "gradientAccumulationSteps", algorithms: ["twosome"], type: "integer", doc: "TWOSOME: policy minibatches whose gradients are summed into one optimiser step (their gradient_checkpointing_steps); the target-KL check is made per such window.", effect: "Fewer, larger-batch policy steps.", default: 8, cleanrl: null, min: 1 },
];

/**
 * TWOSOME's own PPO settings (Tan et al., ICLR 2024), from WeihaoTan/TWOSOME
 * scripts/tomato_salad_ppo_llm.sh (policy 5e-7, value 1e-5, 4 envs × 32 steps, 32 policy and 4
 * value minibatches, 1 epoch, target KL 0.02, gradient_checkpointing_steps 8, 500 k steps) and the
 * defaults of twosome/overcooked/ppo_llm_pomdp.py for the rest (γ 0.99 applied per primitive step of
 * a macro-action, λ 0.95, annealed learning rates, clip 0.2 with clipped value loss, entropy 0.01,
 * value coefficient 0.5, gradient-norm clip 0.5).
 */
const TWOSOME_OVERRIDES: Partial<Hyperparameters> = {
  totalTimesteps: 500_000,
  learningRate: 5e-7,
  valueLearningRate: 1e-5,
  numEnvs: 4,
  numSteps: 32,
  numMinibatches: 32,
  valueNumMinibatches: 4,
  updateEpochs: 1,
  targetKl: 0.02,
  gradientAccumulationSteps: 8,
  bootstrapTruncated: false,
  // An LLM iteration is long: a checkpoint after each one (the adapter is small) so Stop loses at most one.
  checkpointEvery: 1,
};

const CONTINUOUS_OVERRIDES: Partial<Hyperparameters> = {
  // CleanRL ppo_continuous_action.py
  totalTimesteps: 1_000_000,
  learningRate: 3e-4,
  numEnvs: 1,
  numSteps: 2048,
  numMinibatches: 32,
  updateEpochs: 10,
  entCoef: 0.0,
  normalizeObservations: true,
  normalizeRewards: true,
};

/** The algorithms with their own hyperparameter defaults. */
export type HyperparameterAlgorithm = "ppo" | "twosome";

/** CleanRL's defaults for the action-space kind; TWOSOME's own for `algorithm: "twosome"`. */
export function defaultHyperparameters(actionKind: "discrete" | "box", algorithm: HyperparameterAlgorithm = "ppo"): Hyperparameters {
  const base = Object.fromEntries(HYPERPARAMETERS.map((h) => [h.key, structuredClone(h.default)])) as unknown as Hyperparameters;
  if (algorithm === "twosome") return { ...base, ...TWOSOME_OVERRIDES };
  return actionKind === "box" ? { ...base, ...CONTINUOUS_OVERRIDES } : base;
}

/** Whether `algorithm` reads the hyperparameter. */
export function appliesTo(h: HyperparameterSpec, algorithm: HyperparameterAlgorithm): boolean {
  return h.algorithms === undefined || h.algorithms.includes(algorithm);
}

/**
 * The hyperparameters `algorithm` reads, from a full set: what experiment.json records and what is
 * handed on as overrides (a key another algorithm reads is refused when given).
 */
export function hyperparametersReadBy(values: Hyperparameters, algorithm: HyperparameterAlgorithm): Partial<Hyperparameters> {
  return Object.fromEntries(HYPERPARAMETERS.filter((h) => appliesTo(h, algorithm)).map((h) => [h.key, values[h.key]])) as Partial<Hyperparameters>;
}
