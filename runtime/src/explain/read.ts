/**
 * Reading a run's saved explanation (`<run>/explanation.json`): shared by the runtime, the language
 * server's hovers and the extension's panel. Deliberately light — file system and run folders only —
 * so importing it pulls in no training or compiler code.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Explanation } from "../../../protocol/src/explain.js";
import { RunDir, RunDirError } from "../runs/run-dir.js";

export const EXPLANATION_FILE = "explanation.json";
const FORMAT = "rl-studio/explanation@1";

/** Parses explanation.json's text; throws an Error naming `file` when it is not an explanation. */
export function parseExplanation(text: string, file: string): Explanation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: cannot parse (${(err as Error).message}); explain the run again to replace it`);
  }
  const e = value as Partial<Explanation> | null;
  if (e === null || typeof e !== "object" || e.format !== FORMAT || !e.facts || !Array.isArray(e.summary)) {
    throw new Error(`${file}: not an RL Studio explanation (format must be "${FORMAT}"); explain the run again to replace it`);
  }
  return e as Explanation;
}

/** The saved explanation of a run, or null when it has none; throws `RunDirError` when the file is damaged. */
export function readExplanation(runDirPath: string): Explanation | null {
  const file = join(runDirPath, EXPLANATION_FILE);
  if (!existsSync(file)) return null;
  try {
    return parseExplanation(readFileSync(file, "utf8"), file);
  } catch (err) {
    throw new RunDirError(runDirPath, (err as Error).message);
  }
}

/** Which runs an editor hover is about: all given fields must match the run's experiment.json. */
export interface ExplanationFilter {
  /** The experiment's `name`. */
  experimentName?: string;
  envId?: string;
  /** Absolute path of the experiment file the run was started from. */
  sourcePath?: string;
}

/** The newest run under `runsRoot` that matches `filter` and has a readable explanation. */
export function findLatestExplanation(runsRoot: string, filter: ExplanationFilter = {}): { runDir: string; runId: string; explanation: Explanation } | null {
  for (const run of RunDir.list(runsRoot)) {
    let record: Record<string, unknown>;
    try {
      record = run.readExperiment();
    } catch {
      continue;
    }
    if (filter.experimentName !== undefined && record.name !== filter.experimentName) continue;
    if (filter.envId !== undefined && record.envId !== filter.envId) continue;
    if (filter.sourcePath !== undefined && record.sourcePath !== filter.sourcePath) continue;
    let explanation: Explanation | null;
    try {
      explanation = readExplanation(run.path);
    } catch {
      continue;
    }
    if (explanation) return { runDir: run.path, runId: run.id, explanation };
  }
  return null;
}
