/**
 * Reward suggestions for an experiment file (Text2Reward style): the env's description, the task
 * and the current reward go into the prompt; what comes back is validated, repaired once if need
 * be, and returned with a ready `reward: …` snippet per candidate.
 */
import { loadExperiment, type ResolvedExperiment } from "../experiment/resolve.js";
import type { LlmProvider } from "../llm/provider.js";
import { designRewards, type DesignRound } from "./design.js";
import type { DesignContext } from "./prompt.js";
import { findRewardProperty } from "./reward-source.js";
import { layoutOf, sampleTransitions } from "./samples.js";

export interface SuggestOptions {
  provider: LlmProvider;
  /** Candidates to ask for (default 3). */
  count?: number;
  /** Sample transitions each candidate is tried on (default 128). */
  samples?: number;
  /** Sampling seed for the LLM. */
  seed?: number;
  /** The experiment's text when it differs from the file on disk (an editor's unsaved buffer); `rewardRange` then points into it. */
  sourceText?: string;
  signal?: AbortSignal;
}

export type SuggestResult = DesignRound & {
  experiment: { path: string; envId: string; task: string | null };
  /** The `reward` property's 0-based offsets in the source (start = end: where to insert one); null if the experiment object was not found. */
  rewardRange: { start: number; end: number } | null;
};

/** The prompt context of a resolved experiment. */
export function designContextOf(experiment: ResolvedExperiment): DesignContext {
  return { spec: experiment.spec, task: experiment.task, currentReward: findRewardProperty(experiment.source.text)?.text ?? null };
}

export async function suggestRewards(experimentPath: string, options: SuggestOptions): Promise<SuggestResult> {
  const experiment = await loadExperiment(experimentPath, {}, options.sourceText);
  options.signal?.throwIfAborted();
  const count = options.count ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > 8) throw new RangeError(`count must be an integer from 1 to 8, got ${count}`);
  const round = await designRewards(designContextOf(experiment), {
    provider: options.provider,
    count,
    layout: layoutOf(experiment.spec),
    samples: sampleTransitions(experiment.makeEnv, { count: options.samples ?? 128, seed: experiment.seed }),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const at = findRewardProperty(experiment.source.text);
  return { ...round, experiment: { path: experiment.source.path, envId: experiment.envId, task: experiment.task }, rewardRange: at ? { start: at.start, end: at.end } : null };
}
