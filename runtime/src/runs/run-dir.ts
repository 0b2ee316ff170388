/**
 * One run on disk: `<workspace>/.rl-studio/runs/<run-id>/`.
 *
 *   experiment.json   the resolved experiment (hyperparameters after defaults, seed, source hash…)
 *   source.rl.ts      a copy of the experiment source as it was when the run started
 *   bundle.js         the compiled bundle, so a resume runs exactly the code that trained
 *   metrics.jsonl     one record per PPO iteration (CleanRL's metric names), append-only
 *   episodes.jsonl    one record per finished episode, append-only
 *   checkpoint.bin    the latest checkpoint (see checkpoint.ts), replaced atomically
 *   status.json       running / completed / stopped / failed, replaced atomically
 *
 * Appends survive `kill -9` up to a partial last line (jsonl.ts); whole-file writes are atomic
 * (atomic.ts). A RunDir owns the append descriptors it opens; `close()` releases them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { readCheckpointFile, writeCheckpointFile, type Checkpoint } from "./checkpoint.js";
import { JsonlWriter, readJsonl, writeJsonlAtomic, type RecordCheck } from "./jsonl.js";
import { currentWriter, isSameProcess, processStartTimeMs, startedAfter, type WriterIdentity } from "./process-identity.js";
import { isDirectory, makeRunId, withSuffix } from "./run-id.js";

export type { Checkpoint } from "./checkpoint.js";

// The records are declared once in the protocol: the wire carries exactly what the run folder stores.
import type { EpisodeRecord, MetricsRecord, RunState } from "../../../protocol/src/runtime.js";
export type { EpisodeRecord, MetricsRecord, RunState } from "../../../protocol/src/runtime.js";

export interface RunStatus {
  state: RunState;
  /** Process that runs (or last ran) the training. */
  pid: number;
  /** ISO 8601 times. */
  startedAt: string;
  updatedAt: string;
  globalStep: number;
  totalTimesteps: number;
  /** Tensor backend in use, e.g. "wasm". */
  backend: string;
  /** Why the run failed (state "failed"). */
  error?: string;
  /**
   * Who `pid` is: its OS start time (so a reused pid is not mistaken for the trainer) and whether
   * it stops gracefully on SIGINT. Filled in by `writeStatus` for the writing process; absent in
   * folders written before RL Studio recorded it. See process-identity.ts.
   */
  writer?: WriterIdentity;
}

export const RUN_FILES = {
  experiment: "experiment.json",
  source: "source.rl.ts",
  bundle: "bundle.js",
  metrics: "metrics.jsonl",
  episodes: "episodes.jsonl",
  checkpoint: "checkpoint.bin",
  status: "status.json",
} as const;

const RUN_STATES: readonly RunState[] = ["running", "completed", "stopped", "failed"];

/** A path that is not a usable run folder, or a run-folder file that cannot be read. */
export class RunDirError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = "RunDirError";
  }
}

const finite = (r: Record<string, unknown>, key: string): string | null =>
  typeof r[key] === "number" && Number.isFinite(r[key]) ? null : `${key} must be a finite number, got ${JSON.stringify(r[key])}`;

const checkMetrics: RecordCheck = (r) =>
  finite(r, "globalStep") ??
  finite(r, "iteration") ??
  (r.metrics !== null && typeof r.metrics === "object" && !Array.isArray(r.metrics) ? null : "metrics must be an object of numbers");

const checkEpisode: RecordCheck = (r) => finite(r, "globalStep") ?? finite(r, "episodicReturn") ?? finite(r, "episodicLength");

/** True when the process `pid` exists (signal 0 probes without signalling). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * True while the process that wrote a status file (a run's status.json, an evolution.json) runs:
 * its pid is alive and, when the file records the writer's start time, that pid still has it
 * (otherwise the OS reused the pid for another program). A file without that record (written by an
 * older RL Studio) is checked against its own `updatedAt`: a process that started after the file
 * was last written cannot have written it. Only when neither can be told is the pid taken at its word.
 */
export function isWriterAlive(
  status: { pid: number; writer?: WriterIdentity | undefined; updatedAt?: string | undefined },
  alive: (pid: number) => boolean = isProcessAlive,
  startTime: (pid: number) => number | null = processStartTimeMs,
): boolean {
  if (status.pid === process.pid) return true;
  if (!alive(status.pid)) return false;
  const same = isSameProcess(status.pid, status.writer);
  if (same !== null) return same;
  return startedAfter(status.pid, status.updatedAt, startTime) !== true;
}

/**
 * What the OS says now about the process a status.json names, as `decideResume` (resume-decision.ts)
 * takes it: alive; still the writer by its recorded start token (null: none recorded, or unreadable);
 * started after the file was last written (null: unknown).
 */
export function probeStatusWriter(status: RunStatus): { alive: boolean; sameProcess: boolean | null; startedAfterStatus: boolean | null } {
  return { alive: isProcessAlive(status.pid), sameProcess: isSameProcess(status.pid, status.writer), startedAfterStatus: startedAfter(status.pid, status.updatedAt) };
}

/**
 * The state to show for a status: a "running" run whose process is gone was killed (kill -9,
 * crash, power loss) and is reported as "stopped", which is what it is — resumable. So is one
 * whose pid now belongs to another process.
 */
export function effectiveState(status: RunStatus): RunState {
  return status.state === "running" && !isWriterAlive(status) ? "stopped" : status.state;
}

/**
 * When a run was made, for listing: experiment.json's `createdAt` (`experiment`, parsed; anything
 * else when unreadable), else the modification time of `experimentFile`, else 0.
 */
export function runCreatedTime(experiment: unknown, experimentFile: string): number {
  const createdAt = experiment !== null && typeof experiment === "object" ? (experiment as { createdAt?: unknown }).createdAt : undefined;
  const created = typeof createdAt === "string" ? Date.parse(createdAt) : NaN;
  return Number.isFinite(created) ? created : (statSync(experimentFile, { throwIfNoEntry: false })?.mtimeMs ?? 0);
}

/** The order runs are listed in: newest first, then by id, last first. */
export function newestRunFirst(a: { id: string; created: number }, b: { id: string; created: number }): number {
  return b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export class RunDir {
  readonly path: string;
  readonly id: string;
  private metricsWriter: JsonlWriter | null = null;
  private episodesWriter: JsonlWriter | null = null;

  private constructor(path: string) {
    this.path = resolve(path);
    this.id = basename(this.path);
  }

  /**
   * Create a new run folder under `runsRoot` (created if missing). The id defaults to
   * `<experiment.name>-<YYYYMMDD-HHMMSS>-s<experiment.seed>`; if that folder exists, `-2`, `-3`, …
   * is appended (the `mkdir` itself decides, so two processes never share a folder).
   */
  static create(
    runsRoot: string,
    init: { runId?: string; experiment: Record<string, unknown>; sourceText: string; bundle: string },
  ): RunDir {
    mkdirSync(runsRoot, { recursive: true });
    const name = typeof init.experiment.name === "string" ? init.experiment.name : "run";
    const seed = typeof init.experiment.seed === "number" ? init.experiment.seed : 0;
    const base = init.runId ?? makeRunId(name, seed);
    let dir: string | null = null;
    for (let attempt = 1; attempt <= 1000 && dir === null; attempt++) {
      const candidate = join(runsRoot, withSuffix(base, attempt));
      try {
        mkdirSync(candidate);
        dir = candidate;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
    }
    if (dir === null) throw new RunDirError(runsRoot, `${runsRoot}: could not find a free run folder name for "${base}"`);
    const run = new RunDir(dir);
    writeFileSync(join(dir, RUN_FILES.source), init.sourceText);
    writeFileSync(join(dir, RUN_FILES.bundle), init.bundle);
    // experiment.json last: its presence is what marks a complete run folder (see open/list).
    writeFileAtomic(join(dir, RUN_FILES.experiment), JSON.stringify(init.experiment, null, 2) + "\n");
    return run;
  }

  /** Open an existing run folder; the error says why `path` is not one. */
  static open(path: string): RunDir {
    const abs = resolve(path);
    if (!existsSync(abs)) throw new RunDirError(abs, `${path}: no such run folder`);
    if (!isDirectory(abs)) throw new RunDirError(abs, `${path}: not a folder; expected a run folder such as .rl-studio/runs/<run-id>`);
    if (!existsSync(join(abs, RUN_FILES.experiment))) {
      throw new RunDirError(
        abs,
        `${path}: not an RL Studio run folder (it has no ${RUN_FILES.experiment}); runs live in <workspace>/.rl-studio/runs/<run-id>`,
      );
    }
    return new RunDir(abs);
  }

  /** Every run folder directly under `runsRoot`, newest first (by experiment.json's createdAt, then id). */
  static list(runsRoot: string): RunDir[] {
    if (!isDirectory(runsRoot)) return [];
    const runs: { run: RunDir; id: string; created: number }[] = [];
    for (const name of readdirSync(runsRoot)) {
      if (name.startsWith(".")) continue;
      const dir = join(runsRoot, name);
      const experimentFile = join(dir, RUN_FILES.experiment);
      if (!isDirectory(dir) || !existsSync(experimentFile)) continue;
      let experiment: unknown = null;
      try {
        experiment = JSON.parse(readFileSync(experimentFile, "utf8"));
      } catch {
        // An unreadable experiment.json still lists (open() will report it); runCreatedTime dates it by the file.
      }
      const run = new RunDir(dir);
      runs.push({ run, id: run.id, created: runCreatedTime(experiment, experimentFile) });
    }
    runs.sort(newestRunFirst);
    return runs.map((r) => r.run);
  }

  file(name: keyof typeof RUN_FILES): string {
    return join(this.path, RUN_FILES[name]);
  }

  readExperiment(): Record<string, unknown> {
    const file = this.file("experiment");
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new RunDirError(this.path, `${file}: cannot read the run's experiment (${(err as Error).message})`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new RunDirError(this.path, `${file}: expected a JSON object`);
    }
    return value as Record<string, unknown>;
  }

  readBundle(): string {
    return this.readText("bundle");
  }

  readSourceText(): string {
    return this.readText("source");
  }

  private readText(name: "bundle" | "source"): string {
    const file = this.file(name);
    if (!existsSync(file)) throw new RunDirError(this.path, `${file}: missing from the run folder`);
    return readFileSync(file, "utf8");
  }

  appendMetrics(r: MetricsRecord): void {
    this.metricsWriter ??= new JsonlWriter(this.file("metrics"));
    this.metricsWriter.append(r);
  }

  appendEpisode(r: EpisodeRecord): void {
    this.episodesWriter ??= new JsonlWriter(this.file("episodes"));
    this.episodesWriter.append(r);
  }


  /** Whole metrics records; a partial or corrupt last line is ignored, a corrupt middle line throws `JsonlError`. */
  readMetrics(): MetricsRecord[] {
    return readJsonl<MetricsRecord>(this.file("metrics"), checkMetrics);
  }

  /** Whole episode records; same rules as `readMetrics`. */
  readEpisodes(): EpisodeRecord[] {
    return readJsonl<EpisodeRecord>(this.file("episodes"), checkEpisode);
  }

  /** Replace the checkpoint atomically (temp file in this folder, then rename). */
  writeCheckpoint(c: Checkpoint): void {
    writeCheckpointFile(this.file("checkpoint"), c);
  }

  /** The latest checkpoint, or null before the first; throws `CheckpointError` naming what is damaged. */
  readCheckpoint(): Checkpoint | null {
    return readCheckpointFile(this.file("checkpoint"));
  }

  /**
   * On resume: drop metrics/episode lines with globalStep > step (produced after the last
   * checkpoint, so the resumed trainer will produce them again), rewriting the files atomically.
   * `step` must be the global step of a checkpoint that passed `checkRunCheckpoint`
   * (checkpoint-counters.ts), which proves those lines stale; anything that is not a step at all
   * is refused before a file is touched. Open append descriptors are closed first — after the
   * rename they would point at the old file.
   */
  truncateAfter(step: number): void {
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new RunDirError(this.path, `${this.path}: refusing to drop metrics after step ${String(step)}: not a checkpoint's global step (a non-negative integer)`);
    }
    this.closeWriters();
    // Always rewrite (when the file exists): this also drops an ignored partial or corrupt last
    // line, which the next append would otherwise turn into a corrupt middle line.
    if (existsSync(this.file("metrics"))) {
      writeJsonlAtomic(this.file("metrics"), this.readMetrics().filter((r) => r.globalStep <= step));
    }
    if (existsSync(this.file("episodes"))) {
      writeJsonlAtomic(this.file("episodes"), this.readEpisodes().filter((r) => r.globalStep <= step));
    }
  }

  /**
   * Replace status.json atomically. A status that names this process as its writer gets this
   * process's identity (`writer`), whatever the caller passed, so it is never stale.
   */
  writeStatus(s: RunStatus): void {
    const record: RunStatus = s.pid === process.pid ? { ...s, writer: currentWriter() } : s;
    writeFileAtomic(this.file("status"), JSON.stringify(record, null, 2) + "\n");
  }

  /** The status, or null when the run has none yet; throws `RunDirError` when it is damaged. */
  readStatus(): RunStatus | null {
    const file = this.file("status");
    if (!existsSync(file)) return null;
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new RunDirError(this.path, `${file}: cannot parse (${(err as Error).message})`);
    }
    const s = value as Partial<RunStatus> | null;
    if (s === null || typeof s !== "object" || !RUN_STATES.includes(s.state as RunState)) {
      throw new RunDirError(this.path, `${file}: state must be one of ${RUN_STATES.join(", ")}, got ${JSON.stringify(s?.state)}`);
    }
    // Tolerate a malformed writer (someone else's tool, a hand edit): without it the pid cannot be checked, nothing more.
    const w = s.writer as Partial<WriterIdentity> | undefined;
    if (w !== undefined && (w === null || typeof w !== "object" || (w.startToken !== null && typeof w.startToken !== "string") || typeof w.stopsOnSigint !== "boolean")) {
      delete s.writer;
    }
    return s as RunStatus;
  }

  /**
   * Delete temporary files left by a process killed in the middle of an atomic write
   * (`.<name>.<pid>.<n>.tmp`, see atomic.ts), when that process is gone. Returns their names.
   */
  removeStaleTempFiles(): string[] {
    const removed: string[] = [];
    for (const name of readdirSync(this.path)) {
      const m = /^\..+\.(\d+)\.\d+\.tmp$/.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid === process.pid || isProcessAlive(pid)) continue;
      rmSync(join(this.path, name), { force: true });
      removed.push(name);
    }
    return removed;
  }

  private closeWriters(): void {
    this.metricsWriter?.close();
    this.metricsWriter = null;
    this.episodesWriter?.close();
    this.episodesWriter = null;
  }

  /** Close the append descriptors; later appends reopen them. */
  close(): void {
    this.closeWriters();
  }
}
