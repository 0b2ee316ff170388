/**
 * A run's TensorBoard log: the events files beside metrics.jsonl, holding the same scalars under
 * the same names (CleanRL's `charts/…`, `losses/…`, and `reward/<component>`), one event per
 * metrics record at its global step, and the hyperparameters as a markdown table under
 * `hyperparameters` (CleanRL: `writer.add_text("hyperparameters", "|param|value|…")`).
 *
 * Each process that trains the run writes its own new file, as TensorFlow and PyTorch do; TensorBoard
 * reads every file in the folder as one run. So that a resumed run shows each step once, opening
 * the log on resume first cuts every existing file back to the checkpoint's step — exactly what
 * `RunDir.truncateAfter` does to metrics.jsonl — and drops a torn last record; then any metrics
 * record the files lack (a run from before RL Studio wrote events, a deleted file) is written
 * into the new file, so the events always mirror metrics.jsonl.
 *
 * Wall time: live records carry the time they were written. Records written from metrics.jsonl
 * afterwards carry the run's start (experiment.json `createdAt`) plus the record's `wallSeconds`
 * (training time, which does not count the time a stopped run waited to be resumed).
 */
import { rmSync } from "node:fs";
import type { MetricsRecord, RunDir } from "../runs/run-dir.js";
import { effectiveState, RunDirError } from "../runs/run-dir.js";
import { scalarsEvent, textEvent, type TbEvent } from "./event-proto.js";
import { EventFileWriter, listEventFiles, readEventFile, rewriteEventFile } from "./event-file.js";

/** The text summary's tag, as CleanRL's. */
export const HYPERPARAMETERS_TAG = "hyperparameters";

/** Escape a markdown table cell. */
function cell(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return (text ?? String(value)).replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/**
 * CleanRL's hyperparameter table (`|param|value|` rows) from experiment.json: the experiment's
 * identity (name, env, algorithm, seed, sweep) first, then every hyperparameter as trained.
 */
export function hyperparameterTable(experiment: Record<string, unknown>): string {
  const rows: [string, unknown][] = [];
  for (const key of ["name", "envId", "algorithm", "seed"]) if (experiment[key] !== undefined) rows.push([key, experiment[key]]);
  const sweep = experiment.sweep as { id?: unknown; index?: unknown } | undefined;
  if (sweep && typeof sweep === "object") rows.push(["sweep", `${String(sweep.id)} #${String(sweep.index)}`]);
  const h = experiment.hyperparameters;
  if (h !== null && typeof h === "object") for (const [k, v] of Object.entries(h)) rows.push([k, v]);
  return `|param|value|\n|-|-|\n${rows.map(([k, v]) => `|${cell(k)}|${cell(v)}|`).join("\n")}`;
}

function runStartSeconds(experiment: Record<string, unknown>, fallback: number): number {
  const t = typeof experiment.createdAt === "string" ? Date.parse(experiment.createdAt) : NaN;
  return Number.isFinite(t) ? t / 1000 : fallback;
}

function isHyperparameterText(e: TbEvent): boolean {
  return e.summary?.value.some((v) => v.tag === `${HYPERPARAMETERS_TAG}/text_summary`) === true;
}

/** A metrics record's event (every summary we write but the hyperparameters; it may hold no scalar). */
function isScalars(e: TbEvent): boolean {
  return e.summary !== undefined && !isHyperparameterText(e);
}

export interface TensorBoardLogOptions {
  /**
   * The step the run resumes from (a checkpoint's global step): events after it are dropped from
   * the existing files. Null for a fresh run.
   */
  resumeStep: number | null;
  /** Seconds since the epoch, for wall times and the file name. */
  now?: () => number;
  /** Host part of the file name (default: this machine's). */
  host?: string;
  /** Notices (a torn record dropped, records filled in from metrics.jsonl). */
  log?: (line: string) => void;
}

/** The events side of a run while it trains: owned by the run recorder, closed once. */
export class TensorBoardLog {
  private constructor(
    private readonly writer: EventFileWriter,
    private readonly now: () => number,
  ) {}

  /** The file this process appends to. */
  get file(): string {
    return this.writer.path;
  }

  /**
   * Open the log of `runDir` for this process: cut existing files back to `resumeStep`, start a
   * new file, and write whatever metrics.jsonl holds that the files do not.
   */
  static open(runDir: RunDir, opts: TensorBoardLogOptions): TensorBoardLog {
    const now = opts.now ?? (() => Date.now() / 1000);
    let hasHyperparameters = false;
    let lastScalarStep = -1;
    for (const file of listEventFiles(runDir.path)) {
      const contents = readEventFile(file);
      const keep: Buffer[] = [];
      contents.events.forEach((e, i) => {
        if (isScalars(e) && opts.resumeStep !== null && e.step > opts.resumeStep) return;
        keep.push(contents.frames[i]!);
        if (isHyperparameterText(e)) hasHyperparameters = true;
        if (isScalars(e)) lastScalarStep = Math.max(lastScalarStep, e.step);
      });
      if (keep.length < contents.frames.length || contents.tailBytes > 0) {
        if (contents.tailBytes > 0) opts.log?.(`${file}: dropped ${contents.tailBytes} bytes after the last whole record (${contents.stoppedBecause})`);
        rewriteEventFile(file, keep);
      }
    }
    const experiment = runDir.readExperiment();
    const writer = EventFileWriter.create(runDir.path, now(), opts.host);
    try {
      const start = runStartSeconds(experiment, now());
      if (!hasHyperparameters) writer.append(textEvent(HYPERPARAMETERS_TAG, hyperparameterTable(experiment), 0, start));
      const missing = runDir.readMetrics().filter((r) => r.globalStep > lastScalarStep);
      for (const r of missing) writer.append(scalarsEvent(r.globalStep, start + r.wallSeconds, r.metrics));
      if (missing.length > 0 && lastScalarStep >= 0) opts.log?.(`${writer.path}: wrote ${missing.length} metrics records the events files lacked`);
    } catch (err) {
      writer.close();
      throw err;
    }
    return new TensorBoardLog(writer, now);
  }

  /** The scalars of one metrics record, appended right after it went to metrics.jsonl. */
  append(record: MetricsRecord): void {
    this.writer.append(scalarsEvent(record.globalStep, this.now(), record.metrics));
  }

  close(): void {
    this.writer.close();
  }
}

/**
 * `rl-studio export-tb`: write the events file of a run from its metrics.jsonl and experiment.json
 * (runs trained before RL Studio wrote events). A run that already has events files keeps them
 * unless `force` (they are then replaced); a run being trained is refused (its trainer owns them).
 */
export function exportRunEvents(runDir: RunDir, opts: { force?: boolean; now?: () => number; host?: string } = {}): { file: string; records: number } {
  const status = runDir.readStatus();
  if (status && effectiveState(status) === "running") {
    throw new RunDirError(runDir.path, `${runDir.id} is being trained by process ${status.pid}, which writes its own events file; export after it stops`);
  }
  const existing = listEventFiles(runDir.path);
  if (existing.length > 0) {
    if (!opts.force) {
      throw new RunDirError(runDir.path, `${runDir.id} already has ${existing.length === 1 ? "an events file" : `${existing.length} events files`} (${existing.map((f) => f.slice(runDir.path.length + 1)).join(", ")}); pass --force to replace ${existing.length === 1 ? "it" : "them"}`);
    }
    for (const f of existing) rmSync(f);
  }
  const log = TensorBoardLog.open(runDir, { resumeStep: null, ...(opts.now ? { now: opts.now } : {}), ...(opts.host ? { host: opts.host } : {}) });
  log.close();
  return { file: log.file, records: runDir.readMetrics().length };
}
