/**
 * Explaining a run: measure the behaviour of its latest checkpoint, turn the facts into summary
 * sentences, let the LLM (when there is one) phrase them — accepted only when every number it
 * writes is in the facts — and save it all as `<run>/explanation.json` for the hovers and the panel.
 * A TWOSOME run's policy is the LLM itself: its facts are the action texts' probabilities in the
 * text states its greedy episodes visit (runtime/src/llm-policy/explain-twosome.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BEHAVIOUR_EXPLANATION_FORMAT, isTextPolicyExplanation, type BehaviourExplanation, type Explanation, type ExplainProgress, type TextPolicyExplanation } from "../../../protocol/src/explain.js";
import type { BackendRequest } from "../backends/select.js";
import { DEFAULT_TWOSOME_EXPLAIN_EPISODES, explainTwosomeRun, isTwosomeRun } from "../llm-policy/explain-twosome.js";
import { LlmOutputError } from "../llm/provider.js";
import { Policy } from "../ppo/policy.js";
import { writeFileAtomic } from "../runs/atomic.js";
import { RunDir, RunDirError } from "../runs/run-dir.js";
import { measureBehaviour, type MeasureOptions } from "./facts.js";
import { checkNarrativeNumbers, type NarrativeWriter } from "./narrative.js";
import { summarize } from "./summary.js";

export type { Explanation } from "../../../protocol/src/explain.js";
// Reading saved explanations lives in a light module the extension can import too.
export { EXPLANATION_FILE, findLatestExplanation, parseExplanation, readExplanation, type ExplanationFilter } from "./read.js";
import { EXPLANATION_FILE } from "./read.js";


export interface ExplainOptions {
  /** Evaluation episodes per mode (deterministic and stochastic). Default 50. A TWOSOME run: greedy episodes, default 5. */
  episodes?: number;
  /** A TWOSOME run: the GGUF to load instead of the one the run recorded (the CLI's --model, as for eval). */
  model?: string;
  /** A TWOSOME run: the tfjs backend of the LLM policy (default "auto"). */
  backend?: BackendRequest;
  /** A TWOSOME run: what loading the model reports (backend, model file). */
  log?: (line: string) => void;
  /** Aborting stops between episodes (and aborts the writer); nothing is saved. */
  signal?: AbortSignal;
  /** Progress: rollouts (per episode), sensitivity (per field), narrative, saving. */
  onProgress?: (p: Pick<ExplainProgress, "phase" | "done" | "total">) => void;
  /** Writes the narrative of an MLP policy's facts; null or absent: summary only. */
  writer?: NarrativeWriter | null;
  /** Write `<run>/explanation.json` (default true). */
  save?: boolean;
  /** Finer control of the measurement (seeds, bins, states for the sensitivity). */
  measure?: Omit<MeasureOptions, "episodes" | "signal" | "onProgress" | "runId" | "globalStep">;
}

export const DEFAULT_EXPLAIN_EPISODES = 50;

/** Explain the run at `runDirPath` (see the module comment). */
export async function explainRun(runDirPath: string, options: ExplainOptions = {}): Promise<Explanation> {
  const runDir = RunDir.open(runDirPath);
  if (!existsSync(runDir.file("checkpoint"))) {
    throw new RunDirError(runDir.path, `${runDirPath}: no checkpoint yet, so there is no trained policy to explain (a checkpoint is written every checkpointEvery iterations and when training stops)`);
  }
  const explanation = isTwosomeRun(runDir) ? await explainTextPolicy(runDir, options) : await explainBehaviour(runDir, options);
  if (options.save !== false) {
    options.signal?.throwIfAborted();
    options.onProgress?.({ phase: "saving", done: 0, total: 1 });
    writeFileAtomic(join(runDir.path, EXPLANATION_FILE), JSON.stringify(explanation) + "\n");
    options.onProgress?.({ phase: "saving", done: 1, total: 1 });
  }
  return explanation;
}

/** `explainRun` for a caller that needs an MLP policy's behaviour facts (the benches, tests): a TWOSOME run is refused, naming it. */
export async function explainBehaviourRun(runDirPath: string, options: ExplainOptions = {}): Promise<BehaviourExplanation> {
  const explanation = await explainRun(runDirPath, options);
  if (isTextPolicyExplanation(explanation)) throw new RunDirError(runDirPath, `${runDirPath}: a TWOSOME run, whose explanation holds text-policy facts, not an MLP policy's behaviour facts`);
  return explanation;
}

/** An MLP policy: behaviour facts from both rollout modes, their summary, and the narrative when a writer is given. */
async function explainBehaviour(runDir: RunDir, options: ExplainOptions): Promise<BehaviourExplanation> {
  const { policy, experiment, globalStep } = Policy.fromRun(runDir);
  const { facts } = await measureBehaviour(policy, experiment, {
    ...options.measure,
    episodes: options.episodes ?? DEFAULT_EXPLAIN_EPISODES,
    runId: runDir.id,
    globalStep,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const explanation: BehaviourExplanation = {
    format: BEHAVIOUR_EXPLANATION_FORMAT,
    createdAt: new Date().toISOString(),
    facts,
    summary: summarize(facts),
    narrative: null,
  };
  if (options.writer) {
    options.onProgress?.({ phase: "narrative", done: 0, total: 1 });
    await addNarrative(explanation, options.writer, options.signal);
    options.onProgress?.({ phase: "narrative", done: 1, total: 1 });
  } else {
    explanation.narrativeNote = "no language model loaded: showing the measured summary";
  }
  return explanation;
}

/** A TWOSOME run: greedy episodes of the LLM policy, π over the action texts of the states they visit (no narrative). */
function explainTextPolicy(runDir: RunDir, options: ExplainOptions): Promise<TextPolicyExplanation> {
  const episodes = options.episodes ?? DEFAULT_TWOSOME_EXPLAIN_EPISODES;
  options.onProgress?.({ phase: "rollouts", done: 0, total: episodes });
  return explainTwosomeRun(runDir, {
    episodes,
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.log ? { log: options.log } : {}),
    onEpisode: (i) => options.onProgress?.({ phase: "rollouts", done: i + 1, total: episodes }),
  });
}

/** Ask the writer for a narrative and keep it only if its numbers check out. A failing writer leaves the summary (abort still aborts). */
export async function addNarrative(explanation: BehaviourExplanation, writer: NarrativeWriter, signal?: AbortSignal): Promise<void> {
  let text: string;
  try {
    text = (await writer.write(explanation.facts, signal)).trim();
  } catch (err) {
    if (signal?.aborted) throw err;
    explanation.narrative = null;
    const reason = err instanceof Error ? err.message : String(err);
    // Output that did not parse (cut short, wrong shape) is a different fault from a model that did not run.
    explanation.narrativeNote =
      err instanceof LlmOutputError
        ? `the language model's output could not be read (${reason}): showing the measured summary`
        : `the language model failed (${reason}): showing the measured summary`;
    return;
  }
  if (text === "") {
    explanation.narrativeNote = "the language model wrote nothing: showing the measured summary";
    return;
  }
  const check = checkNarrativeNumbers(text, explanation.facts);
  if (check.ok) {
    explanation.narrative = text;
    delete explanation.narrativeRejected;
    delete explanation.narrativeNote;
  } else {
    explanation.narrative = null;
    explanation.narrativeRejected = check.invented;
    explanation.narrativeNote = `the narrative was rejected: it states ${check.invented.join(", ")}, which the measurements do not contain; showing the measured summary`;
  }
}
