/**
 * extension ⇄ language server, beyond LSP itself: the commands the server's code lenses and hover
 * links run (registered by the extension, declared in package.json), the source name of its
 * diagnostics, and the settings it is sent. Declared once here; `language-server/src/server.ts`
 * and `hover.ts` write them, `extension/src` registers and sends them.
 */
/**
 * Commands of the code lenses above `defineExperiment(…)`; each takes the document URI (a string)
 * as its argument. Direction: language server → extension (the editor runs them on a click).
 */
export const CodeLensCommands = {
  /** Train: train the experiment. */
  train: "rlStudio.train",
  /** Suggest reward: LLM-written reward candidates for the experiment. */
  suggestReward: "rlStudio.suggestReward",
  /** Propose sub-goals: LLM-written, validated sub-goals for the experiment's task. */
  proposeSubgoals: "rlStudio.proposeSubgoals",
  /** Explain: explain the experiment's latest run. */
  explain: "rlStudio.explain",
  /** Run Sweep: seeds × hyperparameter values, each member an ordinary run. */
  runSweep: "rlStudio.runSweep",
  /** Zero-shot prior (algorithm "twosome" only): evaluate the untrained LLM policy. */
  evalPrior: "rlStudio.evalPrior",
} as const;

/** The hovers' "Open explanation" link: opens a run's saved explanation; argument: the run folder. */
export const OPEN_EXPLANATION_COMMAND = "rlStudio.openExplanation";

/** The `command:` URI of the "Open explanation" link of a hover or tooltip (the only command hover markdown is trusted to run). */
export function openExplanationLink(runDir: string): string {
  return `command:${OPEN_EXPLANATION_COMMAND}?${encodeURIComponent(JSON.stringify([runDir]))}`;
}

/** `Diagnostic.source` of every diagnostic the server publishes (how the extension and tests tell ours apart). */
export const DIAGNOSTIC_SOURCE = "rl-studio";

/**
 * Where the hovers find run folders: sent as `initializationOptions` and, on change, as
 * `workspace/didChangeConfiguration` `settings.rlStudio`. Direction: extension → language server.
 */
export interface RunsFolderSettings {
  /** Absolute runs root per workspace folder (the extension resolves `rlStudio.runsFolder` for each). */
  runsRoots?: { folder: string; runsRoot: string }[];
  /** `rlStudio.runsFolder` itself, for other clients: relative to the file's workspace, or absolute. */
  runsFolder?: string;
}
