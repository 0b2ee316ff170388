/**
 * Policy behaviour explanations: the measured facts, the explanation saved as
 * `<run>/explanation.json`, the JSON-RPC request that produces one, and the messages between the
 * extension and the explanation webview. Declared once here; the runtime (`runtime/src/explain/`),
 * the extension's panel and `media/src/explain.ts` all use these shapes.
 *
 * Every figure in `BehaviourFacts` was measured on evaluation rollouts of the run's latest
 * checkpoint; sample sizes travel with the figures so nothing is shown without its `n`.
 */
import { NotificationType, RequestType } from "vscode-jsonrpc";
import type { BackendName } from "./runtime.js";

// ── facts ──────────────────────────────────────────────────────────────────────

export type RolloutMode = "deterministic" | "stochastic";

/** Summary statistics of a sample (population std; percentiles by linear interpolation, numpy's default). */
export interface Distribution {
  n: number;
  mean: number;
  std: number;
  min: number;
  p10: number;
  p50: number;
  p90: number;
  max: number;
}

/** One way an episode can end, with how often it did. */
export interface EndingCount {
  /** A termination condition's name (`info.terminationCause`) or the truncation's ("time limit"). */
  cause: string;
  /** Terminated (the MDP reached a terminal state) or truncated (an outside limit). Terminated wins when both fire on one step. */
  kind: "terminated" | "truncated";
  count: number;
  /** count / episodes. */
  fraction: number;
  /** Mean length of the episodes that ended this way. */
  meanLength: number;
}

export interface EndingFacts {
  episodes: number;
  /** Causes that fired, most frequent first. */
  causes: EndingCount[];
  /** The env's termination conditions (`EnvSpec.terminationCauses`) that never fired. */
  neverFired: string[];
  /** Episodes truncated by the time limit (`EnvSpec.maxEpisodeSteps`). */
  truncated: number;
}

/** Action choice in the states of one range of an observation field. */
export interface ActionBin {
  /** The range: `lo ≤ value < hi`; `lo` is −Infinity in the first bin and `hi` +Infinity in the last (serialised as null). */
  lo: number | null;
  hi: number | null;
  /** Visited states in the range. */
  n: number;
  /** Discrete: how often each action was taken there (counts and count / n). */
  actionCounts: number[] | null;
  actionFrequency: number[] | null;
  /** Discrete: mean policy probability π(a | s) over those states. */
  meanProbability: number[] | null;
  /** Continuous: mean of the action applied (after clipping), per action element. */
  meanAction: number[] | null;
}

/** Action choice conditioned on one observation field. */
export interface FieldConditioning {
  field: string;
  /** Quantile bins over the visited values (duplicate edges merged). */
  bins: ActionBin[];
  /** The split at zero (value < 0 vs value ≥ 0) when the visited values lie on both sides. */
  signSplit: { below: ActionBin; above: ActionBin } | null;
}

/** Action choice over a grid of two observation fields (quantile bins of each), for the panel's heat map. */
export interface ActionMap {
  mode: RolloutMode;
  xField: string;
  yField: string;
  /** Interior edges of each axis's bins (the outer bins are open-ended, as in `ActionBin`). */
  xEdges: number[];
  yEdges: number[];
  /** Visited range of each field, to draw the outer bins. */
  xRange: [number, number];
  yRange: [number, number];
  /** cells[iy][ix]: the states with y in bin iy and x in bin ix. */
  cells: Omit<ActionBin, "lo" | "hi">[][];
}

/** How much the action distribution moves when one observation field moves by its visited std. */
export interface FieldSensitivity {
  field: string;
  /** The perturbation: the field's std over visited states. */
  delta: number;
  /** Visited states the effect was averaged over. */
  n: number;
  /**
   * Discrete: mean total-variation distance ½Σ|π(a|s) − π(a|s ± δ)| over states and both signs.
   * Continuous: mean |Δ mean action| summed over action elements, in action units.
   */
  meanEffect: number;
  /** Discrete: mean of [π(a | s + δ) − π(a | s − δ)] / 2 per action (positive: raising the field favours a). Continuous: the same for the mean action. */
  meanShift: number[];
  /** 1 = most influential. */
  rank: number;
}

export interface ComponentContribution {
  name: string;
  /** Sum over all rollout steps. */
  total: number;
  meanPerStep: number;
  meanPerEpisode: number;
  /** total / Σ totals (signed; may leave [0, 1] when components have opposite signs). */
  share: number;
  /** |total| / Σ |totals|. */
  absShare: number;
}

export interface ComponentFacts {
  /** Steps the shaped reward was recomputed on. */
  steps: number;
  episodes: number;
  components: ComponentContribution[];
  /** Per-episode sum of the shaped reward. */
  shapedReturn: Distribution;
}

/** Facts measured on the rollouts of one mode. */
export interface ModeFacts {
  mode: RolloutMode;
  episodes: number;
  /** Env steps (= visited states) in all episodes. */
  steps: number;
  /** Episodic return on the env's own (unshaped) reward. */
  return: Distribution;
  length: Distribution;
  endings: EndingFacts;
  /** Discrete: how often each action was taken over all states (count, frequency). */
  actionCounts: number[] | null;
  actionFrequency: number[] | null;
  /** Continuous: mean applied action per element. */
  meanAction: number[] | null;
  /** One entry per observation field, in the env's field order. */
  conditioning: FieldConditioning[];
  /** Null when the experiment does not shape the reward. */
  components: ComponentFacts | null;
  /** Experiments with sub-goals: each one's achievement in these episodes, in the experiment's order (absent in older explanations). */
  subgoals?: SubgoalFact[] | null;
}

/** How often the policy reached one sub-goal (ordered, once-per-episode semantics, as in training) and when. */
export interface SubgoalFact {
  name: string;
  description: string;
  /** Episodes that reached it / all episodes. */
  reached: number;
  rate: number;
  /** Median episode step (from 0) at which it was reached, over the episodes that did; null when none did. */
  medianStep: number | null;
  /** Earliest and latest such step. */
  minStep: number | null;
  maxStep: number | null;
}

/** One state singled out, with where it happened. */
export interface CriticalState {
  kind: "valueSwing" | "actionGap";
  mode: RolloutMode;
  episode: number;
  /** Step index in the episode (0 = the state after reset). */
  step: number;
  obs: number[];
  /** Discrete: the action taken; continuous: the action vector applied. */
  action: number | number[];
  value: number;
  /** valueSwing: V(s_{t+1}) − V(s_t). actionGap: max π − second π. */
  score: number;
  probabilities: number[] | null;
}

/** One episode kept whole, for the replay. */
export interface EpisodeTrajectory {
  role: "typical" | "worst";
  mode: RolloutMode;
  episode: number;
  /** Env seed of its reset. */
  seed: number;
  return: number;
  length: number;
  ending: { kind: "terminated" | "truncated"; cause: string };
  /** length + 1 observations: the reset's, then one per step. */
  observations: number[][];
  /** Full simulator state per observation where the env exposes `state` (more precise than the float32 observation). */
  states: number[][] | null;
  actions: (number | number[])[];
  rewards: number[];
  values: number[];
  /** Discrete: π(· | s_t) per step. */
  probabilities: number[][] | null;
}

export interface BehaviourFacts {
  format: "rl-studio/behaviour-facts@1";
  runId: string;
  experimentName: string;
  envId: string;
  task: string | null;
  /** Training steps of the checkpoint that was explained. */
  globalStep: number;
  actionKind: "discrete" | "box";
  /** EnvSpec.actionMeanings. */
  actionMeanings: string[];
  observationFields: { name: string; description: string }[];
  terminationCauses: string[];
  maxEpisodeSteps: number;
  rewardThreshold: number | null;
  /** How the rollouts were made, so anyone can make them again. */
  evaluation: {
    episodesPerMode: number;
    /** Episode i of either mode resets the env with seed envSeed + i. */
    envSeed: number;
    /** Stochastic actions come from one Rng(actionSeed) consumed in episode order. */
    actionSeed: number;
    /** Quantile bins per observation field. */
    bins: number;
  };
  deterministic: ModeFacts;
  stochastic: ModeFacts;
  /** Over the states visited in both modes; most influential first. */
  sensitivity: FieldSensitivity[];
  /** Deterministic rollouts, over the two most influential fields; null with fewer than two fields that vary. */
  actionMap: ActionMap | null;
  criticalStates: CriticalState[];
  typicalEpisode: EpisodeTrajectory;
  worstEpisode: EpisodeTrajectory;
}

/**
 * What `<run>/explanation.json` holds: the explanation of an MLP policy (behaviour facts) or of a
 * TWOSOME run's LLM policy (text-policy facts). `format` tells them apart; each variant has its own
 * format string so that a reader which knows only one refuses the other instead of misreading it,
 * and files written before the text variant existed read unchanged.
 */
export type Explanation = BehaviourExplanation | TextPolicyExplanation;

export const BEHAVIOUR_EXPLANATION_FORMAT = "rl-studio/explanation@1" as const;
export const TEXT_POLICY_EXPLANATION_FORMAT = "rl-studio/text-policy-explanation@1" as const;

/** The explanation of an MLP policy (PPO and the other vector-observation algorithms). */
export interface BehaviourExplanation {
  format: typeof BEHAVIOUR_EXPLANATION_FORMAT;
  /** ISO 8601. */
  createdAt: string;
  facts: BehaviourFacts;
  /** Deterministic sentences from the facts, each with its figure and sample size. */
  summary: string[];
  /** The LLM's narrative when one was written and every number in it is in the facts. */
  narrative: string | null;
  /** Numbers a rejected narrative invented (then `narrative` is null and the summary is shown). */
  narrativeRejected?: string[];
  /** Why there is no narrative (no model loaded, rejected, failed), for the panel. */
  narrativeNote?: string;
}

// ── TWOSOME (LLM-policy) runs ──────────────────────────────────────────────────

/** One valid action text of a text state, with the policy's probability π(a | s). */
export interface ActionTextProbability {
  text: string;
  probability: number;
}

/** A text state the greedy evaluation episodes visited, with π over its valid action texts. */
export interface TextStateFacts {
  /** The env's text observation (the prompt the LLM scores the actions after). */
  prompt: string;
  /** Evaluation steps taken in this state (with these valid actions). */
  visits: number;
  /** The valid action texts, most probable first (ties: the env's order). */
  actions: ActionTextProbability[];
}

/**
 * What a TWOSOME run's trained policy (the LLM with the checkpoint's LoRA adapter) does, measured
 * on greedy evaluation episodes: π(a | s) over the action texts of the states it visited.
 */
export interface TextPolicyFacts {
  runId: string;
  experimentName: string;
  envId: string;
  /** Training steps of the checkpoint that was explained. */
  globalStep: number;
  /** The GGUF file the policy was loaded from (the run's, or the one named instead). */
  model: string;
  /** Greedy evaluation episodes, and the steps they took. */
  episodes: number;
  steps: number;
  /** Fraction of the episodes that ended in the task's success. */
  successRate: number;
  /** Distinct text states visited (prompt and valid actions). */
  distinctStates: number;
  /** The most visited states, most visited first (ties: first visited first). */
  states: TextStateFacts[];
}

/** The explanation of a TWOSOME (LLM-policy) run. */
export interface TextPolicyExplanation {
  format: typeof TEXT_POLICY_EXPLANATION_FORMAT;
  /** ISO 8601. */
  createdAt: string;
  facts: TextPolicyFacts;
  /** Deterministic sentences from the facts (runtime/src/explain/text-policy.ts), each with its sample size. */
  summary: string[];
  /**
   * Always null: the narrative check (every number the LLM writes must be a measured figure) is
   * defined over an MLP policy's facts, so an LLM policy's explanation shows its summary alone.
   */
  narrative: null;
  /** Why there is no narrative, for the panel. */
  narrativeNote?: string;
}

export function isTextPolicyExplanation(e: Explanation): e is TextPolicyExplanation {
  return e.format === TEXT_POLICY_EXPLANATION_FORMAT;
}

// ── JSON-RPC (extension → runtime) ──────────────────────────────────────────────

export interface ExplainParams {
  runDir: string;
  /** Evaluation episodes per mode (deterministic and stochastic); default 50. A TWOSOME run: greedy episodes, default 5. */
  episodes?: number;
  /** A TWOSOME run: the tensor backend of its LLM policy (the editor's rlStudio.backend; default "auto"). An MLP policy is evaluated in plain JS. */
  backend?: BackendName | "auto";
  /** Ask the local LLM for a narrative (when a model is loaded). Default true. */
  narrative?: boolean;
  /** Echoed in progress notifications. */
  requestId?: string;
}

export interface ExplainProgress {
  requestId?: string;
  runDir: string;
  phase: "rollouts" | "sensitivity" | "narrative" | "saving";
  done: number;
  total: number;
}

/** Explain a run (an MLP policy's or a TWOSOME run's): rollouts, facts, summary, narrative; saved as `<run>/explanation.json`. */
export namespace ExplainRequest {
  export const method = "runtime/explain" as const;
  export const direction = "extensionToRuntime" as const;
  export const type = new RequestType<ExplainParams, Explanation, void>(method);
}

/** Progress of a `runtime/explain` request. */
export namespace ExplainProgressNotification {
  export const method = "run/explainProgress" as const;
  export const direction = "runtimeToExtension" as const;
  export const type = new NotificationType<ExplainProgress>(method);
}

// ── extension ⇄ explanation webview ─────────────────────────────────────────────

export type ExplainHostToWebview =
  /** The explanation to show; replaces whatever the panel showed (sent on `ready` and after re-explaining). */
  | { type: "explanation"; runId: string; explanation: Explanation }
  /** The runtime is (re-)explaining the run. */
  | { type: "progress"; runId: string; phase: ExplainProgress["phase"]; done: number; total: number }
  /** Explaining failed; the message says what and where. */
  | { type: "error"; message: string };

export type ExplainWebviewToHost =
  /** The script loaded and its listener is attached: (re)send the explanation. */
  | { type: "ready" }
  /** Measure again with this many episodes per mode (a TWOSOME run: greedy episodes). */
  | { type: "explainAgain"; episodes: number }
  | { type: "error"; message: string };

/** Narrowing guard for messages arriving from the explanation webview (untrusted until checked). */
export function isExplainWebviewToHost(m: unknown): m is ExplainWebviewToHost {
  if (typeof m !== "object" || m === null) return false;
  const r = m as Record<string, unknown>;
  switch (r.type) {
    case "ready":
      return true;
    case "explainAgain":
      return typeof r.episodes === "number" && Number.isInteger(r.episodes) && r.episodes >= 1;
    case "error":
      return typeof r.message === "string";
    default:
      return false;
  }
}

/** Saved with the webview's `setState`. */
export interface ExplainPanelState {
  runId: string | null;
  /** Replay position (step index) and whether it was playing. */
  replayStep: number;
}
