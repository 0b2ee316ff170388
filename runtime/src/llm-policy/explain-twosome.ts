/**
 * `rl-studio explain <run>` for a TWOSOME run: the trained policy (the run's model with its latest
 * checkpoint's LoRA adapter) acts greedily for some evaluation episodes, exactly as
 * `rl-studio eval <run>` does, and every step's π(a | s) over the valid action texts
 * (TwosomePolicy.scoreActions, through actOnText) is kept; the facts are the most visited text
 * states with their action probabilities (runtime/src/explain/text-policy.ts). Printed, not saved:
 * explanation.json, its hovers and panel hold an MLP policy's facts.
 */
import type { TextPolicyFacts } from "../../../protocol/src/explain.js";
import type { BackendRequest } from "../backends/select.js";
import { DEFAULT_TEXT_STATES, summarizeTextPolicy, textStateFacts, type TextStep } from "../explain/text-policy.js";
import { RunDir } from "../runs/run-dir.js";
import { evaluateTwosomeRun } from "./evaluate-twosome.js";

/** Fewer than an MLP run's 50: each step is a forward pass of the LLM over every action text. */
export const DEFAULT_TWOSOME_EXPLAIN_EPISODES = 5;

export interface TwosomeExplanation {
  facts: TextPolicyFacts;
  summary: string[];
}

export interface TwosomeExplainOptions {
  episodes?: number;
  /** States listed (the most visited); default DEFAULT_TEXT_STATES. */
  maxStates?: number;
  backend?: BackendRequest;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onEpisode?: (index: number, episodicReturn: number) => void;
}

/** True when the run at `runDirPath` was trained with algorithm "twosome". */
export function isTwosomeRun(runDirPath: string): boolean {
  return RunDir.open(runDirPath).readExperiment().algorithm === "twosome";
}

export async function explainTwosomeRun(runDirPath: string, options: TwosomeExplainOptions = {}): Promise<TwosomeExplanation> {
  const runDir = RunDir.open(runDirPath);
  const steps: TextStep[] = [];
  const summary = await evaluateTwosomeRun(runDir, {
    episodes: options.episodes ?? DEFAULT_TWOSOME_EXPLAIN_EPISODES,
    deterministic: true,
    backend: options.backend ?? "auto",
    onStep: (c) => steps.push({ prompt: c.state.prompt, actions: c.state.actions, logProbs: c.distribution.logProbs }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onEpisode ? { onEpisode: options.onEpisode } : {}),
  });
  const { distinctStates, states } = textStateFacts(steps, options.maxStates ?? DEFAULT_TEXT_STATES);
  const facts: TextPolicyFacts = { runId: runDir.id, episodes: summary.episodes, steps: steps.length, successRate: summary.successRate, distinctStates, states };
  return { facts, summary: summarizeTextPolicy(facts) };
}

/** The CLI's report: progress on stderr, the sentences (or one JSON object with the facts) on stdout. */
export async function runTwosomeExplainCommand(
  runDirPath: string,
  flags: { episodes?: number; json?: boolean; backend?: BackendRequest },
  io: { stdout: (text: string) => void; stderr: (text: string) => void; signal?: AbortSignal },
): Promise<TwosomeExplanation> {
  const episodes = flags.episodes ?? DEFAULT_TWOSOME_EXPLAIN_EPISODES;
  const explanation = await explainTwosomeRun(runDirPath, {
    episodes,
    ...(flags.backend ? { backend: flags.backend } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    log: flags.json ? undefined : io.stderr,
    ...(flags.json ? {} : { onEpisode: (i: number, ret: number) => io.stderr(`evaluation rollouts: ${i + 1}/${episodes} episodes (return ${ret.toFixed(3)})`) }),
  });
  if (flags.json) io.stdout(JSON.stringify({ status: "ok", runDir: runDirPath, summary: explanation.summary, facts: explanation.facts }));
  else io.stdout([`explanation of ${explanation.facts.runId} (TWOSOME: action-text probabilities in visited states; not saved to explanation.json)`, ...explanation.summary.map((s) => `  ${s}`)].join("\n"));
  return explanation;
}
