/**
 * Serve `runtime/evalPrior` (EvalPriorRequest): the zero-shot prior of a TWOSOME experiment file,
 * measured by the very function `rl-studio eval <file> --prior` calls (`evaluatePrior`), with one
 * progress notification per finished episode and the request's cancellation as the AbortSignal.
 */
import { resolve } from "node:path";
import type { EvalPriorParams, EvalPriorProgressParams, EvalPriorResult } from "../../../protocol/src/runtime.js";
import { loadExperiment } from "../experiment/resolve.js";
import { evaluatePrior } from "../llm-policy/evaluate-twosome.js";

/** As the CLI's `eval --episodes` default. */
export const DEFAULT_PRIOR_EPISODES = 10;

export interface EvalPriorHooks {
  signal?: AbortSignal;
  notify?: (p: EvalPriorProgressParams) => void;
  log?: (line: string) => void;
}

export async function handleEvalPriorRequest(params: EvalPriorParams, hooks: EvalPriorHooks = {}): Promise<EvalPriorResult> {
  const episodes = params.episodes ?? DEFAULT_PRIOR_EPISODES;
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`episodes must be a positive integer, got ${episodes}`);
  const experiment = await loadExperiment(params.experimentPath, params.defaultModel !== undefined ? { defaultModel: resolve(params.defaultModel) } : {});
  const summary = await evaluatePrior(experiment, {
    episodes,
    backend: params.backend ?? "auto",
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.log ? { log: hooks.log } : {}),
    onEpisode: (i, episodicReturn) => hooks.notify?.({ requestId: params.requestId, episode: i + 1, episodes, episodicReturn }),
  });
  return {
    experimentName: experiment.name,
    // evaluatePrior refuses an experiment without an llm block, so it is set here.
    model: experiment.llm!.model,
    episodes: summary.episodes,
    meanReturn: summary.meanReturn,
    stdReturn: summary.stdReturn,
    meanLength: summary.meanLength,
    successRate: summary.successRate,
    terminationCauses: summary.terminationCauses,
  };
}
