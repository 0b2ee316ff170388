/**
 * Reading a run's saved explanation (`<run>/explanation.json`): shared by the runtime, the language
 * server's hovers and the extension's panel. Deliberately light — file system and run folders only —
 * so importing it pulls in no training or compiler code.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BEHAVIOUR_EXPLANATION_FORMAT, TEXT_POLICY_EXPLANATION_FORMAT, type Explanation } from "../../../protocol/src/explain.js";
import { RunDir, RunDirError } from "../runs/run-dir.js";

export const EXPLANATION_FILE = "explanation.json";

const isFiniteNumber = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * What is wrong with a text-policy explanation's facts, as a field path and the fault, or null when
 * they are whole. The panel and hovers index into every field checked here.
 */
function textPolicyFactsFault(facts: unknown): string | null {
  if (!isRecord(facts)) return "facts: not an object";
  for (const key of ["runId", "experimentName", "envId", "model"]) if (typeof facts[key] !== "string") return `facts.${key}: not a string`;
  for (const key of ["globalStep", "episodes", "steps", "distinctStates"]) {
    const v = facts[key];
    if (!isFiniteNumber(v) || v < 0 || !Number.isInteger(v)) return `facts.${key}: not a whole number ≥ 0`;
  }
  if (!isFiniteNumber(facts.successRate) || facts.successRate < 0 || facts.successRate > 1) return "facts.successRate: not a fraction in [0, 1]";
  if (!Array.isArray(facts.states)) return "facts.states: not a list";
  for (const [i, s] of facts.states.entries()) {
    const at = `facts.states[${i}]`;
    if (!isRecord(s)) return `${at}: not an object`;
    if (typeof s.prompt !== "string") return `${at}.prompt: not a string`;
    if (!isFiniteNumber(s.visits) || s.visits < 1) return `${at}.visits: not a count ≥ 1`;
    if (!Array.isArray(s.actions) || s.actions.length === 0) return `${at}.actions: not a non-empty list`;
    for (const [j, a] of s.actions.entries()) {
      if (!isRecord(a) || typeof a.text !== "string") return `${at}.actions[${j}].text: not a string`;
      if (!isFiniteNumber(a.probability) || a.probability < 0 || a.probability > 1) return `${at}.actions[${j}].probability: not a probability in [0, 1]`;
    }
  }
  return null;
}

/** Parses explanation.json's text; throws an Error naming `file` (and the damaged field) when it is not an explanation. */
export function parseExplanation(text: string, file: string): Explanation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: cannot parse (${(err as Error).message}); explain the run again to replace it`);
  }
  const again = "explain the run again to replace it";
  if (!isRecord(value) || (value.format !== BEHAVIOUR_EXPLANATION_FORMAT && value.format !== TEXT_POLICY_EXPLANATION_FORMAT)) {
    throw new Error(`${file}: not an RL Studio explanation (format must be "${BEHAVIOUR_EXPLANATION_FORMAT}" or "${TEXT_POLICY_EXPLANATION_FORMAT}"); ${again}`);
  }
  if (!isRecord(value.facts) || !Array.isArray(value.summary) || !value.summary.every((s) => typeof s === "string")) {
    throw new Error(`${file}: a damaged explanation (its facts or summary sentences are missing); ${again}`);
  }
  if (value.format === TEXT_POLICY_EXPLANATION_FORMAT) {
    const fault = textPolicyFactsFault(value.facts);
    if (fault) throw new Error(`${file}: a damaged explanation (${fault}); ${again}`);
  }
  return value as unknown as Explanation;
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
