/**
 * Explaining a run: measure the behaviour of its latest checkpoint, turn the facts into summary
 * sentences, let the LLM (when there is one) phrase them — accepted only when every number it
 * writes is in the facts — and save it all as `<run>/explanation.json` for the hovers and the panel.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Explanation, ExplainProgress } from "../../../protocol/src/explain.js";
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
  /** Evaluation episodes per mode (deterministic and stochastic). Default 50. */
  episodes?: number;
  /** Aborting stops between episodes (and aborts the writer); nothing is saved. */
  signal?: AbortSignal;
  /** Progress: rollouts (per episode), sensitivity (per field), narrative, saving. */
  onProgress?: (p: Pick<ExplainProgress, "phase" | "done" | "total">) => void;
  /** Writes the narrative; null or absent: summary only. */
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
  if (runDir.readExperiment().algorithm === "twosome") {
    // These facts read an MLP policy's checkpoint; a TWOSOME run's are runtime/src/llm-policy/explain-twosome.ts's, which the CLI prints.
    throw new RunDirError(runDir.path, `${runDirPath}: the explanation panel and hovers do not cover TWOSOME (LLM-policy) runs yet; \`rl-studio explain ${runDirPath}\` in a terminal lists the action texts' probabilities in the states its policy visits`);
  }
  const { policy, experiment, globalStep } = Policy.fromRun(runDir);
  const { facts } = await measureBehaviour(policy, experiment, {
    ...options.measure,
    episodes: options.episodes ?? DEFAULT_EXPLAIN_EPISODES,
    runId: runDir.id,
    globalStep,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const explanation: Explanation = {
    format: "rl-studio/explanation@1",
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
  if (options.save !== false) {
    options.signal?.throwIfAborted();
    options.onProgress?.({ phase: "saving", done: 0, total: 1 });
    writeFileAtomic(join(runDir.path, EXPLANATION_FILE), JSON.stringify(explanation) + "\n");
    options.onProgress?.({ phase: "saving", done: 1, total: 1 });
  }
  return explanation;
}

/** Ask the writer for a narrative and keep it only if its numbers check out. A failing writer leaves the summary (abort still aborts). */
export async function addNarrative(explanation: Explanation, writer: NarrativeWriter, signal?: AbortSignal): Promise<void> {
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
