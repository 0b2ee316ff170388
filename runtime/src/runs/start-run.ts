/**
 * Starting and resuming a training run: the one path the CLI (`rl-studio train|resume`) and the
 * JSON-RPC server (`runtime/train|resume`) both take, so a run started from a terminal and one
 * started from the editor are the same run folder, trained the same way.
 *
 * Both functions return as soon as the run folder exists and training has begun (`done` settles
 * when it ends), so a caller can answer "started: <run id>" at once and stream progress after.
 * The status file is owned here: "running" while the trainer runs, then the trainer's outcome.
 */
import { resolve } from "node:path";
import type { BackendName, TrainProgress, TrainSummary } from "../ppo/train.js";
import { train } from "../ppo/train.js";
import { evaluateExperiment } from "../experiment/compile.js";
import { ExperimentError, loadExperiment, resolveExperiment, type ExperimentOverrides, type ResolvedExperiment } from "../experiment/resolve.js";
import type { Hyperparameters } from "../experiment/hyperparameters.js";
import { effectiveState, RunDir, type EpisodeRecord, type MetricsRecord, type RunStatus } from "./run-dir.js";
import { defaultRunsRoot } from "./run-id.js";

/** What a caller can hook into while a run trains; every field optional. */
export interface RunCallbacks {
  /** Tensor backend; "auto" (the default) picks the fastest one available. */
  backend?: BackendName | "auto";
  /** Aborting stops training at the next iteration boundary; the run is checkpointed and marked "stopped". */
  signal?: AbortSignal;
  /** Once per PPO iteration. */
  onProgress?: (p: TrainProgress) => void;
  /** Each metrics record, right after it is written to metrics.jsonl. */
  onMetrics?: (r: MetricsRecord) => void;
  /** Each finished episode, right after it is written to episodes.jsonl. */
  onEpisode?: (r: EpisodeRecord) => void;
  /** Human-readable notices from the trainer (backend chosen, fallbacks, resume point). */
  log?: (line: string) => void;
}

export interface StartRunParams extends RunCallbacks {
  /** The `*.rl.ts` file. */
  experimentPath: string;
  /** Folder holding run folders; default `<workspace>/.rl-studio/runs` for the experiment's workspace. */
  runsRoot?: string;
  /** Overrides the experiment's seed. */
  seed?: number;
  /** Overrides `hyperparameters.totalTimesteps`. */
  totalTimesteps?: number;
  /** Overrides hyperparameters (a sweep member's configuration); validated like the file's own. */
  hyperparameters?: Partial<Hyperparameters>;
  /** Compile this text instead of the file's bytes (a sweep's saved copy of the source). */
  sourceText?: string;
  /** The run folder's name (default `<name>-<time>-s<seed>`); a taken name gets a suffix. */
  runId?: string;
  /** The sweep this run is a member of, recorded in experiment.json. */
  sweep?: SweepRef;
}

/** A sweep member's place in its sweep (experiment.json `sweep`), so runs can be grouped by sweep. */
export interface SweepRef {
  id: string;
  /** Member index (the Slurm array task id). */
  index: number;
  /** Configuration index in the sweep's grid. */
  config: number;
}

export interface ResumeRunParams extends RunCallbacks {
  /** The run folder to continue. */
  runDir: string;
}

export interface StartedRun {
  runDir: RunDir;
  experiment: ResolvedExperiment;
  /**
   * Settles when training ends: with the trainer's summary (status completed, stopped or failed),
   * or rejects with `RunError` if the trainer itself threw. Status.json is final by then.
   */
  done: Promise<TrainSummary>;
}

/** The trainer threw (rather than returning a "failed" summary); status.json says failed/stopped. */
export class RunError extends Error {
  constructor(
    readonly runDir: string,
    readonly state: "failed" | "stopped",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RunError";
  }
}

/** A resume that makes no sense for this run's state (already running, already completed). */
export class ResumeRefusedError extends Error {
  override name = "ResumeRefusedError";
}

/** What experiment.json records: the resolved experiment, JSON only (the env and reward are code, kept in bundle.js). */
export interface ExperimentRecord {
  name: string;
  envId: string;
  algorithm: "ppo";
  task: string | null;
  seed: number;
  /** After defaults and overrides: exactly what trained. */
  hyperparameters: Hyperparameters;
  /** True when the experiment shapes the reward (its `reward` function is in bundle.js). */
  customReward: boolean;
  /** Absolute path of the experiment file at the time of the run. */
  sourcePath: string;
  /** sha256 (hex) of source.rl.ts. */
  sourceSha256: string;
  /** ISO 8601. */
  createdAt: string;
  /** Present when the run is a sweep member. */
  sweep?: SweepRef;
}

export function experimentRecord(e: ResolvedExperiment, createdAt: Date = new Date(), sweep?: SweepRef): ExperimentRecord {
  return {
    name: e.name,
    envId: e.envId,
    algorithm: e.algorithm,
    task: e.task,
    seed: e.seed,
    hyperparameters: e.hyperparameters,
    customReward: e.reward !== null,
    sourcePath: e.source.path,
    sourceSha256: e.source.sha256,
    createdAt: createdAt.toISOString(),
    ...(sweep ? { sweep } : {}),
  };
}

/** Compile and check the experiment, create its run folder, and start training. */
export async function startRun(params: StartRunParams): Promise<StartedRun> {
  const overrides: ExperimentOverrides = {};
  if (params.seed !== undefined) overrides.seed = params.seed;
  if (params.totalTimesteps !== undefined) overrides.totalTimesteps = params.totalTimesteps;
  if (params.hyperparameters !== undefined) overrides.hyperparameters = params.hyperparameters;
  const experiment = await loadExperiment(params.experimentPath, overrides, params.sourceText);
  params.signal?.throwIfAborted();
  const runsRoot = resolve(params.runsRoot ?? defaultRunsRoot(params.experimentPath));
  const runDir = RunDir.create(runsRoot, {
    ...(params.runId !== undefined ? { runId: params.runId } : {}),
    experiment: experimentRecord(experiment, new Date(), params.sweep) as unknown as Record<string, unknown>,
    sourceText: experiment.source.text,
    bundle: experiment.source.bundle,
  });
  const now = new Date().toISOString();
  const status: RunStatus = {
    state: "running",
    pid: process.pid,
    startedAt: now,
    updatedAt: now,
    globalStep: 0,
    totalTimesteps: experiment.hyperparameters.totalTimesteps,
    backend: params.backend ?? "auto",
  };
  runDir.writeStatus(status);
  return { runDir, experiment, done: execute(runDir, experiment, status, params) };
}

/**
 * Continue a run from its last checkpoint with the code it started with (bundle.js) and the
 * hyperparameters it recorded. The trainer restores the checkpoint and drops the metrics and
 * episodes logged after it (it produces them again), so the curves continue without duplicates
 * or gaps.
 */
export async function resumeRun(params: ResumeRunParams): Promise<StartedRun> {
  const runDir = RunDir.open(params.runDir);
  const previous = runDir.readStatus();
  if (previous) {
    const state = effectiveState(previous);
    if (state === "running") {
      throw new ResumeRefusedError(
        `${runDir.id} is still being trained by process ${previous.pid}; stop it first (Ctrl-C in its terminal, or Stop in the editor)`,
      );
    }
    if (state === "completed") {
      throw new ResumeRefusedError(
        `${runDir.id} already completed (${previous.globalStep} of ${previous.totalTimesteps} steps); nothing to resume: start a new run to train longer`,
      );
    }
  }
  runDir.removeStaleTempFiles();
  const experiment = loadRecordedExperiment(runDir);
  // Fail on a damaged checkpoint before claiming the run; the trainer reads it again to restore.
  const checkpoint = runDir.readCheckpoint();
  if (checkpoint === null) params.log?.(`${runDir.id}: no checkpoint was written before it stopped; training restarts from step 0`);
  params.signal?.throwIfAborted();
  const now = new Date().toISOString();
  const status: RunStatus = {
    state: "running",
    pid: process.pid,
    startedAt: previous?.startedAt ?? now,
    updatedAt: now,
    globalStep: previous?.globalStep ?? 0,
    totalTimesteps: experiment.hyperparameters.totalTimesteps,
    backend: previous?.backend ?? params.backend ?? "auto",
  };
  runDir.writeStatus(status);
  return { runDir, experiment, done: execute(runDir, experiment, status, params) };
}

/** Re-evaluate bundle.js and resolve it with the recorded seed and hyperparameters. */
export function loadRecordedExperiment(runDir: RunDir): ResolvedExperiment {
  const record = runDir.readExperiment();
  const sourcePath = typeof record.sourcePath === "string" ? record.sourcePath : runDir.file("source");
  const source = {
    path: sourcePath,
    text: runDir.readSourceText(),
    sha256: typeof record.sourceSha256 === "string" ? record.sourceSha256 : "",
    bundle: runDir.readBundle(),
  };
  const config = evaluateExperiment(source.bundle, source.path);
  const overrides: { seed?: number; hyperparameters?: Partial<Hyperparameters> } = {};
  if (typeof record.seed === "number") overrides.seed = record.seed;
  if (record.hyperparameters !== null && typeof record.hyperparameters === "object") {
    overrides.hyperparameters = record.hyperparameters as Partial<Hyperparameters>;
  }
  try {
    return resolveExperiment(config, source, overrides);
  } catch (err) {
    if (err instanceof ExperimentError) {
      throw new ExperimentError(`${runDir.id}: the recorded experiment no longer resolves: ${err.detail}`, { file: runDir.file("experiment") }, { cause: err });
    }
    throw err;
  }
}

/**
 * Run the trainer. It owns status.json while it runs (running, then its outcome); if it throws
 * instead of returning a summary, the status is written here so the folder never says "running"
 * for a dead run.
 */
function execute(runDir: RunDir, experiment: ResolvedExperiment, status: RunStatus, cb: RunCallbacks): Promise<TrainSummary> {
  let lastStep = status.globalStep;
  const run = async (): Promise<TrainSummary> => {
    try {
      return await train({
        experiment,
        runDir,
        backend: cb.backend ?? "auto",
        ...(cb.signal ? { signal: cb.signal } : {}),
        onProgress: (p) => {
          lastStep = p.globalStep;
          cb.onProgress?.(p);
        },
        ...(cb.onMetrics ? { onMetrics: cb.onMetrics } : {}),
        ...(cb.onEpisode ? { onEpisode: cb.onEpisode } : {}),
        ...(cb.log ? { log: cb.log } : {}),
      });
    } catch (err) {
      const state = cb.signal?.aborted ? "stopped" : "failed";
      const message = err instanceof Error ? err.message : String(err);
      let latest = status;
      try {
        latest = runDir.readStatus() ?? status;
      } catch {
        // A damaged status.json is replaced below.
      }
      const final: RunStatus = { ...latest, state, globalStep: lastStep, updatedAt: new Date().toISOString() };
      if (state === "failed") final.error = message;
      runDir.writeStatus(final);
      throw new RunError(runDir.path, state, message, { cause: err });
    } finally {
      runDir.close();
    }
  };
  return run();
}
