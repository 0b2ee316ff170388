/**
 * The thin edges of explanations: what the JSON-RPC server and the CLI call. Each is a few lines
 * over `explainRun`, so the server, the CLI and the tests explain a run the same way.
 */
import { isTextPolicyExplanation, type Explanation, type ExplainParams, type ExplainProgress } from "../../../protocol/src/explain.js";
import type { BackendRequest } from "../backends/select.js";
import { explainRun, EXPLANATION_FILE } from "./explain.js";
import { formatExplanationText } from "./hover.js";
import { compactFacts, type NarrativeWriter } from "./narrative.js";
import { join } from "node:path";

/**
 * Serve `runtime/explain` (ExplainRequest): explain `params.runDir`, report progress as
 * `run/explainProgress` notifications through `notify`, and answer with the explanation (also saved
 * as `<run>/explanation.json`). `writer` is the runtime's LLM narrative writer when a model is loaded.
 */
export function handleExplainRequest(
  params: ExplainParams,
  deps: { signal?: AbortSignal; notify?: (p: ExplainProgress) => void; writer?: NarrativeWriter | null },
): Promise<Explanation> {
  const notify = deps.notify;
  return explainRun(params.runDir, {
    ...(params.episodes !== undefined ? { episodes: params.episodes } : {}),
    ...(params.backend !== undefined ? { backend: params.backend } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    writer: params.narrative === false ? null : (deps.writer ?? null),
    ...(notify
      ? {
          onProgress: (p) =>
            notify({ runDir: params.runDir, ...(params.requestId !== undefined ? { requestId: params.requestId } : {}), ...p }),
        }
      : {}),
  });
}

export interface ExplainCommandFlags {
  /** Episodes per mode. */
  episodes?: number;
  /** One JSON object on the last stdout line instead of the text report. */
  json?: boolean;
  /** A TWOSOME run: the GGUF its policy is loaded from instead of the recorded one (--model). */
  model?: string;
  /** A TWOSOME run: the tfjs backend (--backend). */
  backend?: BackendRequest;
}

/**
 * `rl-studio explain <run-dir> [--episodes N] [--json]` (a TWOSOME run also `--model`, `--backend`): progress on stderr, the report (or one JSON
 * object: run folder, file, summary, narrative, compact facts) on stdout. Errors are thrown for the
 * CLI's own reporter (a missing run folder or checkpoint is a `RunDirError`).
 */
export async function runExplainCommand(
  runDirPath: string,
  flags: ExplainCommandFlags,
  io: { stdout: (text: string) => void; stderr: (text: string) => void; signal?: AbortSignal; writer?: NarrativeWriter | null },
): Promise<Explanation> {
  let lastTenth = -1;
  const explanation = await explainRun(runDirPath, {
    ...(flags.episodes !== undefined ? { episodes: flags.episodes } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.backend !== undefined ? { backend: flags.backend } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    ...(flags.json ? {} : { log: io.stderr }),
    writer: io.writer ?? null,
    onProgress: (p) => {
      if (flags.json) return;
      if (p.phase === "rollouts") {
        const tenth = Math.floor((10 * p.done) / p.total);
        if (tenth !== lastTenth) io.stderr(`evaluation rollouts: ${p.done}/${p.total} episodes`);
        lastTenth = tenth;
      } else if (p.done === 0 || p.phase === "sensitivity") {
        if (p.phase !== "sensitivity" || p.done === p.total) io.stderr(`${p.phase}…`);
      }
    },
  });
  const file = join(runDirPath, EXPLANATION_FILE);
  if (flags.json) {
    io.stdout(
      JSON.stringify({
        status: "ok",
        runDir: runDirPath,
        file,
        summary: explanation.summary,
        narrative: explanation.narrative,
        ...(!isTextPolicyExplanation(explanation) && explanation.narrativeRejected ? { narrativeRejected: explanation.narrativeRejected } : {}),
        ...(explanation.narrativeNote ? { narrativeNote: explanation.narrativeNote } : {}),
        // A text policy's facts are small already (a few states and their action texts).
        facts: isTextPolicyExplanation(explanation) ? explanation.facts : compactFacts(explanation.facts),
      }),
    );
  } else {
    io.stdout(formatExplanationText(explanation, file));
  }
  return explanation;
}
