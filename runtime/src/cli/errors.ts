/**
 * How the CLI reports a failure: one line (or a few) a person can act on, never a stack trace for
 * a user error, and an exit code a script can branch on.
 */
import { isAbsolute, relative } from "node:path";
import { ExperimentError } from "../experiment/errors.js";
import { LlmUnavailableError } from "../llm/provider.js";
import { CheckpointError } from "../runs/checkpoint.js";
import { JsonlError } from "../runs/jsonl.js";
import { RunDirError } from "../runs/run-dir.js";
import { ResumeRefusedError, RunError } from "../runs/start-run.js";
import { SweepGridError } from "../sweeps/grid.js";
import { SlurmError } from "../sweeps/slurm.js";
import { SweepError } from "../sweeps/sweep-dir.js";

/** Exit codes: 0 done, 1 the run failed, 2 bad input (experiment, flags, run folder, model), 130 stopped by Ctrl-C (128 + SIGINT). */
export const EXIT = { ok: 0, runFailed: 1, badInput: 2, interrupted: 130 } as const;

/** A bad command-line value, reported like any other input error. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A path as the user can click it in a terminal: relative to the working directory when inside it. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

/** `file:line:col: error: message`, or `file: error: message` when the position is unknown (the compilers' convention). */
export function formatExperimentError(err: ExperimentError, cwd: string = process.cwd()): string {
  if (err.file === undefined) return `error: ${err.detail}`;
  let where = displayPath(err.file, cwd);
  if (err.line !== undefined) {
    where += `:${err.line}`;
    if (err.column !== undefined) where += `:${err.column}`;
  }
  return `${where}: error: ${err.detail}`;
}

export interface ReportedError {
  /** What to print on stderr. */
  message: string;
  exitCode: number;
  /** The machine-readable form for `--json`. */
  json: { message: string; kind: string; file?: string; line?: number; column?: number; field?: string };
}

/** Classify an error: user errors get their message and exit 2; anything else is an internal failure (exit 1). */
export function reportError(err: unknown, cwd: string = process.cwd()): ReportedError {
  if (err instanceof ExperimentError) {
    const json: ReportedError["json"] = { message: err.detail, kind: "experiment" };
    if (err.file !== undefined) json.file = err.file;
    if (err.line !== undefined) json.line = err.line;
    if (err.column !== undefined) json.column = err.column;
    if (err.field !== undefined) json.field = err.field;
    return { message: formatExperimentError(err, cwd), exitCode: EXIT.badInput, json };
  }
  if (err instanceof JsonlError) {
    return {
      message: `${displayPath(err.file, cwd)}:${err.line}: error: ${err.reason}`,
      exitCode: EXIT.badInput,
      json: { message: err.reason, kind: "run-folder", file: err.file, line: err.line },
    };
  }
  if (err instanceof CheckpointError) {
    return {
      message: `${displayPath(err.file, cwd)}: error: invalid checkpoint: ${err.reason}`,
      exitCode: EXIT.badInput,
      json: { message: err.reason, kind: "run-folder", file: err.file },
    };
  }
  if (err instanceof RunDirError || err instanceof ResumeRefusedError || err instanceof UsageError) {
    const kind = err instanceof UsageError ? "usage" : "run-folder";
    return { message: `error: ${err.message}`, exitCode: EXIT.badInput, json: { message: err.message, kind } };
  }
  if (err instanceof SweepGridError) {
    // A grid value or flag: nothing ran or was submitted.
    const json: ReportedError["json"] = { message: err.message, kind: "usage" };
    if (err.field !== undefined) json.field = err.field;
    return { message: `error: ${err.message}`, exitCode: EXIT.badInput, json };
  }
  if (err instanceof SweepError) {
    return { message: `error: ${err.message}`, exitCode: EXIT.badInput, json: { message: err.message, kind: "sweep" } };
  }
  if (err instanceof SlurmError) {
    // Slurm's own message (sbatch missing, a rejected partition or time limit) as it said it.
    return { message: `error: ${err.message}`, exitCode: EXIT.runFailed, json: { message: err.message, kind: "slurm" } };
  }
  if (err instanceof LlmUnavailableError) {
    // No model, a missing model file, one that does not load: the setting is the user's to fix,
    // and the message already says what is missing and how to set it.
    return { message: `error: ${err.message}`, exitCode: EXIT.badInput, json: { message: err.message, kind: "llm" } };
  }
  if (err instanceof RunError) {
    return { message: `error: run ${err.state}: ${err.message}`, exitCode: err.state === "stopped" ? EXIT.interrupted : EXIT.runFailed, json: { message: err.message, kind: "run" } };
  }
  if (err instanceof Error && err.name === "AbortError") {
    return { message: "cancelled", exitCode: EXIT.interrupted, json: { message: "cancelled", kind: "cancelled" } };
  }
  // Not a user error: show the stack only when asked, so a bug report can include it.
  const message = err instanceof Error ? err.message : String(err);
  const stack = process.env.RL_STUDIO_DEBUG && err instanceof Error && err.stack ? `\n${err.stack}` : "";
  return {
    message: `error: ${message}${stack}${stack ? "" : "\n(set RL_STUDIO_DEBUG=1 for the stack trace)"}`,
    exitCode: EXIT.runFailed,
    json: { message, kind: "internal" },
  };
}
