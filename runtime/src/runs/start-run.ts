/**
 * Starting and resuming a training run: the one path the CLI (`rl-studio train|resume`) and the
 * JSON-RPC server (`runtime/train|resume`) both take, so a run started from a terminal and one
 * started from the editor are the same run folder, trained the same way.
 *
 * The experiment's code never runs in the calling thread: the file is compiled here (esbuild runs
 * no user code) and everything else — evaluating it, building its env, training — happens in a
 * worker the caller's thread watches (trainer-host.ts), so Stop always works and an endless loop in
 * the experiment ends the run as failed instead of hanging it.
 *
 * Both functions return as soon as the run folder exists and training has begun (`done` settles
 * when it ends), so a caller can answer "started: <run id>" at once and stream progress after.
 */
import { resolve } from "node:path";
import type { TrainSummary } from "../ppo/train.js";
import { compileExperiment } from "../experiment/compile.js";
import type { ExperimentOverrides } from "../experiment/resolve.js";
import { validateHyperparameters } from "../experiment/validate.js";
import { verifyRunCheckpoint } from "../ppo/checkpoint-state.js";
import { verifyTwosomeRunCheckpoint } from "../llm-policy/twosome-checkpoint.js";
import { CheckpointError } from "./checkpoint.js";
import { decideResume } from "./resume-decision.js";
import { probeStatusWriter, RunDir, RunDirError } from "./run-dir.js";
import { defaultRunsRoot } from "./run-id.js";
import { launchTrainer, type HostedRun, type RunCallbacks } from "./trainer-host.js";
import type { RunInfo, TrainerRequest } from "./trainer-protocol.js";
import type { Hyperparameters } from "../experiment/hyperparameters.js";
import type { SweepRef } from "./experiment-record.js";

export { experimentRecord, loadRecordedExperiment, type ExperimentRecord, type SweepRef } from "./experiment-record.js";
export { RunError, type RunCallbacks } from "./trainer-host.js";
export type { RunInfo } from "./trainer-protocol.js";

export interface StartRunParams extends RunCallbacks {
  /** The `*.rl.ts` file. */
  experimentPath: string;
  /** Folder holding run folders; default `<workspace>/.rl-studio/runs` for the experiment's workspace. */
  runsRoot?: string;
  /** Overrides the experiment's seed. */
  seed?: number;
  /** Overrides `hyperparameters.totalTimesteps`. */
  totalTimesteps?: number;
  /** A TWOSOME experiment's GGUF model, winning over its llm.model (CLI --model). */
  model?: string;
  /** The model when the experiment names none (the editor's rlStudio.llm.model). */
  defaultModel?: string;
  /** Overrides hyperparameters (a sweep member's configuration); validated like the file's own. */
  hyperparameters?: Partial<Hyperparameters>;
  /** Compile this text instead of the file's bytes (a sweep's saved copy of the source). */
  sourceText?: string;
  /** The run folder's name (default `<name>-<time>-s<seed>`); a taken name gets a suffix. */
  runId?: string;
  /** The sweep this run is a member of, recorded in experiment.json. */
  sweep?: SweepRef;
  /** Overrides `hyperparameters.experienceMaxMegabytes` (the CLI's --experience-max-mb). */
  experienceMaxMegabytesOverride?: number;
}

export interface ResumeRunParams extends RunCallbacks {
  /** The run folder to continue. */
  runDir: string;
  /**
   * Resume even though status.json names a live process that cannot be told apart from the
   * trainer (an older status.json); never overrides a process known to be the trainer.
   */
  force?: boolean;
  /** A TWOSOME run's model file instead of the one it recorded (CLI --model). */
  model?: string;
}

export interface StartedRun {
  runDir: RunDir;
  /** The experiment as resolved in the trainer (name, env, seed, reward threshold). */
  experiment: RunInfo;
  /**
   * Settles when training ends: with the trainer's summary (status completed, stopped or failed),
   * or rejects with `RunError` if the trainer itself threw. Status.json is final by then.
   */
  done: Promise<TrainSummary>;
}

/** A resume that makes no sense for this run's state (already running, already completed). */
export class ResumeRefusedError extends Error {
  override name = "ResumeRefusedError";
  constructor(
    message: string,
    /** True when the refusal is only because it cannot be told whether the run still trains: `force` overrides it. */
    readonly overridable = false,
  ) {
    super(message);
  }
}

const started = (hosted: HostedRun): StartedRun => ({ runDir: hosted.runDir, experiment: hosted.info, done: hosted.done });

/** Compile the experiment, then (in the trainer's worker) check it, create its run folder, and start training. */
export async function startRun(params: StartRunParams): Promise<StartedRun> {
  const overrides: ExperimentOverrides = {};
  if (params.seed !== undefined) overrides.seed = params.seed;
  if (params.model !== undefined) overrides.model = resolve(params.model);
  if (params.defaultModel !== undefined) overrides.defaultModel = resolve(params.defaultModel);
  if (params.totalTimesteps !== undefined) overrides.totalTimesteps = params.totalTimesteps;
  if (params.hyperparameters !== undefined || params.experienceMaxMegabytesOverride !== undefined) {
    overrides.hyperparameters = { ...params.hyperparameters, ...(params.experienceMaxMegabytesOverride !== undefined ? { experienceMaxMegabytes: params.experienceMaxMegabytesOverride } : {}) };
  }
  const compiled = await compileExperiment(params.experimentPath, params.sourceText);
  params.signal?.throwIfAborted();
  const runsRoot = resolve(params.runsRoot ?? defaultRunsRoot(params.experimentPath));
  const source = { path: compiled.path, text: compiled.sourceText, sha256: compiled.sha256, bundle: compiled.code };
  const request: TrainerRequest = {
    mode: "start",
    source,
    overrides,
    runsRoot,
    ...(params.runId !== undefined ? { runId: params.runId } : {}),
    ...(params.sweep !== undefined ? { sweep: params.sweep } : {}),
  };
  return started(await launchTrainer(request, compiled.path, params));
}

/**
 * Continue a run from its last checkpoint with the code it started with (bundle.js) and the
 * hyperparameters it recorded. Before anything in the run folder changes, its status is checked
 * (`decideResume`) and its checkpoint validated whole against metrics.jsonl and episodes.jsonl; a
 * refusal changes nothing. The trainer then restores the checkpoint and drops the metrics and
 * episodes logged after it (it produces them again), so the curves continue without duplicates or gaps.
 */
export async function resumeRun(params: ResumeRunParams): Promise<StartedRun> {
  const runDir = RunDir.open(params.runDir);
  const previous = runDir.readStatus();
  const decision = decideResume({
    runId: runDir.id,
    status: previous,
    force: params.force === true,
    ownPids: [process.pid],
    probe: previous === null ? { alive: false, sameProcess: null, startedAfterStatus: null } : probeStatusWriter(previous),
  });
  if (decision.action === "refuse") throw new ResumeRefusedError(decision.message, decision.overridable);
  if (decision.notice) params.log?.(decision.notice);

  const record = runDir.readExperiment();
  const algorithm = record.algorithm === "twosome" ? "twosome" : "ppo";
  const { hyperparameters, problems } = validateHyperparameters(record.hyperparameters, "discrete", algorithm);
  if (!hyperparameters) {
    throw new RunDirError(runDir.path, `${runDir.file("experiment")}: the recorded hyperparameters are not valid (${problems.map((p) => p.message).join("; ")})`);
  }
  try {
    const counters = algorithm === "twosome" ? verifyTwosomeRunCheckpoint(runDir, hyperparameters) : verifyRunCheckpoint(runDir, hyperparameters);
    if (counters === null) params.log?.(`${runDir.id}: no checkpoint was written before it stopped; training restarts from step 0`);
  } catch (err) {
    if (err instanceof CheckpointError) throw new CheckpointError(err.file, `${err.reason}; resume changed nothing in the run folder`);
    throw err;
  }
  params.signal?.throwIfAborted();
  runDir.removeStaleTempFiles();
  const model = params.model !== undefined ? { model: resolve(params.model) } : {};
  return started(await launchTrainer({ mode: "resume", runDir: runDir.path, ...model }, runDir.file("source"), params));
}
