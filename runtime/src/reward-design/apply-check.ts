/**
 * What "Apply Evolved Reward" may write into an experiment file (issue 9, item 9): the `reward`
 * snippet made from the saved winner's components, after they pass the checks a fresh suggestion
 * passes — the static checks and the sandbox run on the experiment's own sample transitions — and
 * never the snippet text saved in evolution.json. A tampered file may name other components, but it
 * cannot get code written that those checks refuse, nor text that differs from its components.
 */
import { loadExperiment } from "../experiment/resolve.js";
import { layoutOf, sampleTransitions } from "./samples.js";
import { readCandidates } from "./schema.js";
import { rewardSnippet } from "./snippet.js";
import { validateCandidates } from "./validate.js";

export type ApplyCheck = { ok: true; code: string } | { ok: false; reason: string };

/**
 * Validate `components` (as read from disk: any JSON) for the experiment at `experimentPath` (or its
 * editor text `sourceText`) and make the snippet to write. Compiles the experiment and steps its env:
 * call it only where the experiment may run (a trusted workspace).
 */
export async function checkRewardForApply(experimentPath: string, components: unknown, options: { sourceText?: string; signal?: AbortSignal } = {}): Promise<ApplyCheck> {
  const { candidates, malformed } = readCandidates({ candidates: [{ components, rationale: "" }] });
  const candidate = candidates[0];
  if (!candidate || malformed.length > 0) return { ok: false, reason: `the saved reward is malformed: ${malformed.join("; ") || "no components"}` };
  const experiment = await loadExperiment(experimentPath, {}, options.sourceText);
  options.signal?.throwIfAborted();
  const samples = sampleTransitions(experiment.makeEnv, { count: 128, seed: experiment.seed });
  const [check] = await validateCandidates([candidate], layoutOf(experiment.spec), samples, options.signal ? { signal: options.signal } : {});
  if (!check!.ok) return { ok: false, reason: check!.reason };
  return { ok: true, code: rewardSnippet(candidate.components) };
}
