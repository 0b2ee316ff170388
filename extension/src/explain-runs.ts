/**
 * The pure part of the editor's explanations (no `vscode` import, unit-tested): which run an
 * experiment file's "Explain" means, reading `<run>/explanation.json`, the arguments the command
 * links carry, and how far along a `runtime/explain` request is.
 *
 * Reading is done here rather than with the runtime's `readExplanation` because that module also
 * holds `explainRun`, whose imports (the policy, the experiment compiler, esbuild) must not be
 * loaded into the extension host just to read a JSON file. The checks are the same.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import type { Explanation, ExplainProgress } from "../../protocol/src/explain.js";
import type { RunSummary } from "../../protocol/src/runtime.js";

import { EXPLANATION_FILE, parseExplanation } from "../../runtime/src/explain/read.js";
import { formatHover } from "../../runtime/src/explain/hover.js";
import { openExplanationLink } from "../../protocol/src/language-server.js";
import { samePath } from "./paths.js";
export { EXPLANATION_FILE, parseExplanation };

/** Newest first: by `createdAt` (ISO 8601 sorts as text), then by run id (ids start with a timestamp). */
export function newestFirst(a: RunSummary, b: RunSummary): number {
  return (b.createdAt ?? "").localeCompare(a.createdAt ?? "") || b.runId.localeCompare(a.runId);
}

/**
 * The run "Explain" on an experiment file means: the newest run started from that file
 * (experiment.json's `sourcePath`, surfaced as `experimentPath`) that has trained at least one
 * step, since a run with no step has no checkpoint and so no policy. Null when there is none.
 */
export function chooseRunForExperiment(runs: readonly RunSummary[], experimentPath: string, platform: NodeJS.Platform = process.platform): RunSummary | null {
  const mine = runs.filter((r) => r.experimentPath !== null && samePath(r.experimentPath, experimentPath, platform));
  return [...mine].sort(newestFirst).find((r) => r.globalStep > 0) ?? null;
}

/** Parse the text of `<run>/explanation.json`; `file` names it in the errors. */
/** A run's saved explanation, or null when it has none; throws when the file is damaged. */
export async function readExplanationFile(runDir: string): Promise<Explanation | null> {
  const file = path.join(runDir, EXPLANATION_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
  return parseExplanation(text, file);
}

/**
 * The run folder `rlStudio.openExplanation` was given. A markdown command link
 * (`command:rlStudio.openExplanation?<encoded JSON [runDir]>`) spreads the array into arguments,
 * so the first argument is the folder; an array is accepted too.
 */
export function runDirArgument(arg: unknown): string | null {
  const first = Array.isArray(arg) ? (arg as unknown[])[0] : arg;
  return typeof first === "string" && first.trim() !== "" ? first : null;
}

/** Where a restored panel's run lives: the first runs root holding a run folder named `runId`. */
export function findRunDir(runsRoots: readonly string[], runId: string): string | null {
  if (runId === "" || runId.includes("/") || runId.includes("\\") || runId === "." || runId === "..") return null;
  for (const root of runsRoots) {
    const dir = path.join(root, runId);
    if (existsSync(path.join(dir, "experiment.json"))) return dir;
  }
  return null;
}

/**
 * Share of the whole request done, 0–100, for the progress notification. The phases run in this
 * order; rollouts (one step per evaluation episode) dominate the time, the narrative (an LLM call)
 * can be long when a model is loaded, saving is one write.
 */
const PHASE_SPAN: Record<ExplainProgress["phase"], [number, number]> = {
  rollouts: [0, 70],
  sensitivity: [70, 80],
  narrative: [80, 98],
  saving: [98, 100],
};

export function explainPercent(p: Pick<ExplainProgress, "phase" | "done" | "total">): number {
  const [from, to] = PHASE_SPAN[p.phase];
  const fraction = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
  return from + (to - from) * fraction;
}

/** The progress line under the notification's title. */
export function explainProgressMessage(p: Pick<ExplainProgress, "phase" | "done" | "total">): string {
  switch (p.phase) {
    case "rollouts":
      return `evaluation rollouts: ${p.done}/${p.total} episodes`;
    case "sensitivity":
      return `sensitivity to each observation field: ${p.done}/${p.total}`;
    case "narrative":
      return "the language model is phrasing the facts…";
    case "saving":
      return "saving explanation.json";
  }
}

/** The hover markdown of a run's saved explanation, with its "Open explanation" link; undefined when it has none or it cannot be read. */
export async function explanationMarkdown(runDir: string): Promise<string | undefined> {
  let explanation: Explanation | null;
  try {
    explanation = await readExplanationFile(runDir);
  } catch {
    return undefined; // a damaged file: the panel says why when it is opened
  }
  return explanation ? formatHover(explanation, { openLink: openExplanationLink(runDir) }) : undefined;
}
