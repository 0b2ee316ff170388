/**
 * Local-LLM reward design between the extension and the runtime: model state and download,
 * reward suggestions, Eureka-style evolution. The runtime side is `runtime/src/reward-design/`
 * and `runtime/src/llm/`; results are JSON-serialisable as they stand.
 */
import { NotificationType, RequestType } from "vscode-jsonrpc";
import type { CandidateResult, EvolutionResult, EvolveProgress } from "../../runtime/src/reward-design/evolve.js";

/**
 * The model the README recommends for reward design: a 1.5 B code-instruct model, 4-bit (≈1 GB),
 * fast enough on a laptop CPU. Offered by "Download Model" when `rlStudio.llm.model` is empty.
 */
export const RECOMMENDED_MODEL_URI = "hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf";

/** `rlStudio.llm.*` settings, sent on start and whenever they change. */
export interface LlmSettings {
  /** A .gguf path or an hf: / https: URI; empty for none. */
  model: string;
  gpu: "auto" | "off";
}

export type LlmModelState =
  | { state: "no-model"; message: string }
  | { state: "downloading"; uri: string; downloadedBytes: number; totalBytes: number }
  | { state: "loading"; path: string }
  | { state: "ready"; path: string; gpu: string | false; threads: number; contextSize: number }
  | { state: "failed"; reason: string };

export interface RewardComponentDto {
  name: string;
  code: string;
}

export interface RewardCandidateDto {
  components: RewardComponentDto[];
  rationale: string;
  /** The `reward: (…) => ({ … }),` property text to put in the experiment file. */
  code: string;
  repaired: boolean;
  sampleStats: Record<string, { min: number; mean: number; max: number }>;
}

export interface SuggestRewardParams {
  /** Absolute path of the *.rl.ts file. */
  experimentPath: string;
  /**
   * The editor's text of that file when it differs from the disk (unsaved edits; for ghost text, the
   * buffer without the half-typed reward): compiled in place of the file, and `rewardRange` is an
   * offset range into it.
   */
  sourceText?: string;
  count?: number;
}

export interface SuggestRewardResult {
  candidates: RewardCandidateDto[];
  rejected: { reason: string; components?: RewardComponentDto[] }[];
  stats: { generations: number; promptTokens: number; generatedTokens: number; seconds: number; tokensPerSecond: number };
  /** Where the `reward` property is (0-based offsets; start = end = insertion point when absent), for the diff preview. */
  rewardRange: { start: number; end: number } | null;
}

export interface EvolveRewardParams {
  experimentPath: string;
  candidates?: number;
  iterations?: number;
  budget?: number;
}

export interface CheckRewardParams {
  /** Absolute path of the *.rl.ts file the reward is for. */
  experimentPath: string;
  /** The editor's text of that file (compiled in place of the file). */
  sourceText?: string;
  /** The components as read from disk (evolution.json): checked by the runtime, trusted by no one. */
  components: unknown;
}

/** `code`: the `reward: (…) => ({ … }),` snippet made from the checked components; the only text Apply writes. */
export type CheckRewardResult = { ok: true; code: string } | { ok: false; reason: string };

/**
 * The evolution as saved in `<workspace>/.rl-studio/evolutions/<id>/evolution.json`: the result of
 * `reward/evolve`. Its fields are declared beside the code that writes the file
 * (runtime/src/reward-design/evolve.ts, `EvolutionResult`); this is the message's name for it.
 */
export type EvolveRewardResult = EvolutionResult;
/** One `reward/evolveProgress` event (evolve.ts's `EvolveProgress`: started, designing, training, candidate-done, iteration-done). */
export type EvolveRewardProgress = EvolveProgress;
export type { CandidateResult };

/** New LLM settings; the runtime reloads the model on next use. */
export namespace LlmConfigureNotification {
  export const method = "llm/configure" as const;
  export const direction = "extensionToRuntime" as const;
  export const type = new NotificationType<LlmSettings>(method);
}

/** Download the configured (or recommended) model; cancellable with $/cancelRequest. Returns the file path. */
export namespace LlmDownloadRequest {
  export const method = "llm/download" as const;
  export const direction = "extensionToRuntime" as const;
  export const type = new RequestType<{ uri?: string }, { path: string }, void>(method);
}

/** Every model state change (shown in the status bar; "failed" with its reason). */
export namespace LlmStateNotification {
  export const method = "llm/state" as const;
  export const direction = "runtimeToExtension" as const;
  export const type = new NotificationType<LlmModelState>(method);
}

export namespace SuggestRewardRequest {
  export const method = "reward/suggest" as const;
  export const direction = "extensionToRuntime" as const;
  export const type = new RequestType<SuggestRewardParams, SuggestRewardResult, void>(method);
}

export namespace EvolveRewardRequest {
  export const method = "reward/evolve" as const;
  export const direction = "extensionToRuntime" as const;
  export const type = new RequestType<EvolveRewardParams, EvolveRewardResult, void>(method);
}

/**
 * Re-validate a saved reward before Apply Evolved Reward writes it (static checks and the sandbox on
 * the experiment's sample transitions, as a fresh suggestion): runs the experiment's code.
 */
export namespace CheckRewardRequest {
  export const method = "reward/check" as const;
  export const direction = "extensionToRuntime" as const;
  export const type = new RequestType<CheckRewardParams, CheckRewardResult, void>(method);
}

/** Progress of `reward/evolve` (runtime's EvolveProgress). */
export namespace EvolveRewardProgressNotification {
  export const method = "reward/evolveProgress" as const;
  export const direction = "runtimeToExtension" as const;
  export const type = new NotificationType<EvolveRewardProgress>(method);
}

/** One proposed sub-goal and what validation found (runtime/src/subgoals/propose/validate.ts). */
export interface ProposedSubgoalDto {
  name: string;
  description: string;
  /** The predicate, a condition on `obs`. */
  achieved: string;
  ok: boolean;
  /** ok: how reachable it is; not ok: why it was rejected. */
  note: string;
  kind?: "invalid" | "always-true" | "unreachable";
}

export interface ProposeSubgoalsParams {
  /** Absolute path of the *.rl.ts file. */
  experimentPath: string;
  /** The editor's text of that file when it has unsaved edits (compiled in its place; offsets refer to it). */
  sourceText?: string;
}

export interface ProposeSubgoalsResult {
  subgoals: ProposedSubgoalDto[];
  /** The `subgoals: [ … ],` property of the valid ones, in order; null when none is valid. */
  snippet: string | null;
  /** The `subgoals` property's 0-based offsets (start = end: the insertion point after the last property); null without an experiment object. */
  range: { start: number; end: number } | null;
  /** Accepting: replace [start, end) of the source with newText; null when none is valid or there is no experiment object. */
  edit: { start: number; end: number; newText: string } | null;
  /** The model's answer could not be read; subgoals is then empty. */
  malformed: string | null;
  stats: { promptTokens: number; generatedTokens: number; seconds: number; tokensPerSecond: number };
}

/** ✨ Propose sub-goals: the local model splits the task into ordered sub-goals, each validated in the sandbox. */
export namespace ProposeSubgoalsRequest {
  export const method = "subgoals/propose" as const;
  export const direction = "extensionToRuntime" as const;
  export const type = new RequestType<ProposeSubgoalsParams, ProposeSubgoalsResult, void>(method);
}
