/**
 * One shape for a failure, whatever threw it, so the CLI (`--json`), the JSON-RPC server and the
 * run's status file report bad input the same way: what is wrong, and where (file, line, column,
 * field; for a reward, the step and the component).
 */
import { ExperimentError } from "../experiment/errors.js";
import { RewardError } from "../experiment/reward-shaper.js";

export interface ErrorReport {
  /** "experiment" (the file or its values), "reward" (the reward function during training), or "internal". */
  kind: "experiment" | "reward" | "internal";
  /** One line (or a few, for several hyperparameter problems) the user can act on, with the location prefix. */
  message: string;
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  field?: string;
  episodeStep?: number;
  globalStep?: number;
  component?: string;
  /** Stack, for the log only: the message alone must be enough for the user. */
  stack?: string;
}

export function toErrorReport(err: unknown): ErrorReport {
  if (err instanceof ExperimentError) {
    return {
      kind: "experiment",
      message: err.message,
      ...(err.file !== undefined ? { file: err.file } : {}),
      ...(err.line !== undefined ? { line: err.line } : {}),
      ...(err.column !== undefined ? { column: err.column } : {}),
      ...(err.field !== undefined ? { field: err.field } : {}),
    };
  }
  if (err instanceof RewardError) {
    return {
      kind: "reward",
      message: err.globalStep !== undefined ? `${err.message} (global step ${err.globalStep})` : err.message,
      episodeStep: err.episodeStep,
      ...(err.globalStep !== undefined ? { globalStep: err.globalStep } : {}),
      ...(err.component !== undefined ? { component: err.component } : {}),
      ...(err.cause instanceof Error && err.cause.stack ? { stack: err.cause.stack } : {}),
    };
  }
  if (err instanceof Error) return { kind: "internal", message: `${err.name}: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) };
  return { kind: "internal", message: String(err) };
}

/** For a terminal: the message, plus the stack only for internal errors (those are bugs, not bad input). */
export function formatError(err: unknown): string {
  const report = toErrorReport(err);
  return report.kind === "internal" && report.stack ? report.stack : report.message;
}
