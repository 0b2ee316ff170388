/**
 * The one error type for a bad experiment file: it says what is wrong and where, so the CLI can
 * print `file:line:col: message` and the extension can put a diagnostic on the spot.
 */
import { basename } from "node:path";

export interface ExperimentErrorLocation {
  /** Absolute path of the file the problem is in. */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  column?: number;
  /** The experiment field at fault ("env", "hyperparameters.learningRate", "reward", …). */
  field?: string;
}

export class ExperimentError extends Error {
  override name = "ExperimentError";
  file?: string;
  line?: number;
  column?: number;
  field?: string;
  /** The problem without the location prefix (what an editor diagnostic shows). */
  readonly detail: string;

  constructor(detail: string, location: ExperimentErrorLocation = {}, options?: { cause?: unknown }) {
    super(formatLocated(detail, location), options);
    this.detail = detail;
    if (location.file !== undefined) this.file = location.file;
    if (location.line !== undefined) this.line = location.line;
    if (location.column !== undefined) this.column = location.column;
    if (location.field !== undefined) this.field = location.field;
  }
}

/** `cartpole.rl.ts:12:7: error: <detail>`, with as much of the location as is known. */
export function formatLocated(detail: string, location: ExperimentErrorLocation): string {
  if (location.file === undefined) return detail;
  let where = basename(location.file);
  if (location.line !== undefined) {
    where += `:${location.line}`;
    if (location.column !== undefined) where += `:${location.column}`;
  }
  return `${where}: error: ${detail}`;
}
