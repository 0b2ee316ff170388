/**
 * The explanation of a TWOSOME run (what `explainRun` measures for algorithm "twosome"): the
 * trained policy (the run's model with its latest checkpoint's LoRA adapter) acts greedily for some
 * evaluation episodes, exactly as `rl-studio eval <run>` does, and every step's π(a | s) over the
 * valid action texts (TwosomePolicy.scoreActions, through actOnText) is kept; the facts are the
 * most visited text states with their action probabilities (runtime/src/explain/text-policy.ts).
 */
import { TEXT_POLICY_EXPLANATION_FORMAT, type TextPolicyExplanation, type TextPolicyFacts } from "../../../protocol/src/explain.js";
import type { BackendRequest } from "../backends/select.js";
import { DEFAULT_TEXT_STATES, summarizeTextPolicy, textStateFacts, type TextStep } from "../explain/text-policy.js";
import type { RunDir } from "../runs/run-dir.js";
import { evaluateTwosomeRun } from "./evaluate-twosome.js";

/** Fewer than an MLP run's 50: each step is a forward pass of the LLM over every action text. */
export const DEFAULT_TWOSOME_EXPLAIN_EPISODES = 5;

/** Why a TWOSOME explanation has no narrative (see TextPolicyExplanation.narrative). */
export const TEXT_POLICY_NARRATIVE_NOTE = "no narrative for an LLM policy: its summary states the measured action probabilities";

export interface TwosomeExplainOptions {
  episodes?: number;
  /** States listed (the most visited); default DEFAULT_TEXT_STATES. */
  maxStates?: number;
  /** The GGUF to load instead of the one the run recorded (the CLI's --model, as for eval). */
  model?: string;
  backend?: BackendRequest;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** After each greedy episode (index from 0). */
  onEpisode?: (index: number, episodicReturn: number) => void;
}

/** True when the run's experiment.json says algorithm "twosome". */
export function isTwosomeRun(runDir: RunDir): boolean {
  return runDir.readExperiment().algorithm === "twosome";
}

/** The training step of the run's checkpoint (meta.counters.globalStep, which resume validates); 0 when it holds none. */
function checkpointStep(runDir: RunDir): number {
  const counters = runDir.readCheckpoint()?.meta.counters as { globalStep?: unknown } | undefined;
  return typeof counters?.globalStep === "number" && Number.isSafeInteger(counters.globalStep) ? counters.globalStep : 0;
}

/** Measure the run's text-policy facts and their summary (not saved: explainRun saves). */
export async function explainTwosomeRun(runDir: RunDir, options: TwosomeExplainOptions = {}): Promise<TextPolicyExplanation> {
  const record = runDir.readExperiment();
  const steps: TextStep[] = [];
  const summary = await evaluateTwosomeRun(runDir, {
    episodes: options.episodes ?? DEFAULT_TWOSOME_EXPLAIN_EPISODES,
    deterministic: true,
    backend: options.backend ?? "auto",
    onStep: (c) => steps.push({ prompt: c.state.prompt, actions: c.state.actions, logProbs: c.distribution.logProbs }),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onEpisode ? { onEpisode: options.onEpisode } : {}),
  });
  const { distinctStates, states } = textStateFacts(steps, options.maxStates ?? DEFAULT_TEXT_STATES);
  const recordedModel = (record.llm as { model?: unknown } | undefined)?.model;
  const facts: TextPolicyFacts = {
    runId: runDir.id,
    experimentName: String(record.name ?? runDir.id),
    envId: String(record.envId ?? ""),
    globalStep: checkpointStep(runDir),
    model: options.model ?? (typeof recordedModel === "string" ? recordedModel : ""),
    episodes: summary.episodes,
    steps: steps.length,
    successRate: summary.successRate,
    distinctStates,
    states,
  };
  return {
    format: TEXT_POLICY_EXPLANATION_FORMAT,
    createdAt: new Date().toISOString(),
    facts,
    summary: summarizeTextPolicy(facts),
    narrative: null,
    narrativeNote: TEXT_POLICY_NARRATIVE_NOTE,
  };
}
