/**
 * What the run's owner (the CLI process, the runtime server) and the trainer worker it starts
 * (trainer-worker.ts, watched by trainer-host.ts) say to each other. Internal to the runtime:
 * both ends are built from the same sources, so no version negotiation.
 */
import type { ExperimentOverrides } from "../experiment/resolve.js";
import type { BackendRequest } from "../backends/select.js";
import type { TrainSummary } from "../ppo/train.js";
import type { EpisodeRecord, MetricsRecord, TrainProgress } from "../../../protocol/src/runtime.js";
import { ExperimentError } from "../experiment/errors.js";
import { BEAT_SLOTS } from "../experiment/user-code.js";
import { CheckpointError } from "./checkpoint.js";
import { JsonlError } from "./jsonl.js";
import { RunDirError } from "./run-dir.js";
import type { WriterIdentity } from "./process-identity.js";
import type { SweepRef } from "./experiment-record.js";

/**
 * The shared buffer's int32 slots: the user-code heartbeat (experiment/user-code.ts: slots 0 and 1),
 * then the append descriptors the worker holds open (fd + 1; 0 is empty), which the owner closes
 * if it has to terminate the worker.
 */
export const DESCRIPTOR_SLOTS = [BEAT_SLOTS, BEAT_SLOTS + 1, BEAT_SLOTS + 2, BEAT_SLOTS + 3] as const;
export const SHARED_SLOTS = BEAT_SLOTS + DESCRIPTOR_SLOTS.length;

/** Marks the worker's data, so the entry module only starts when loaded as this worker. */
export const TRAINER_WORKER_KIND = "rl-studio-trainer";

export type TrainerRequest =
  | {
      mode: "start";
      /** The experiment as compiled by the owner (esbuild runs no user code). */
      source: { path: string; text: string; sha256: string; bundle: string };
      overrides: ExperimentOverrides;
      runsRoot: string;
      /** The run folder's name (a sweep member's); default `<name>-<time>-s<seed>`. */
      runId?: string;
      /** The sweep the run is a member of, for experiment.json. */
      sweep?: SweepRef;
    }
  | {
      mode: "resume";
      runDir: string;
      /** A TWOSOME run's model file instead of the one it recorded (CLI --model). */
      model?: string;
    };

export interface TrainerWorkerData {
  kind: typeof TRAINER_WORKER_KIND;
  request: TrainerRequest;
  backend: BackendRequest;
  /** The user-code heartbeat and the owner's slots (trainer-host.ts's layout). */
  shared: SharedArrayBuffer;
  /** Forward every finished episode (the editor draws them; the CLI does not need them). */
  wantEpisodes: boolean;
  /** The owner as status.json names it (its script, whether it stops on Ctrl-C). */
  writer: WriterIdentity;
  /** The experience store's cap in MB when the experiment leaves experienceMaxMegabytes null. */
  experienceMaxMegabytes?: number;
}

/** What the owner learns of the run once its folder exists. */
export interface RunInfo {
  runDir: string;
  runId: string;
  name: string;
  envId: string;
  seed: number;
  totalTimesteps: number;
  rewardThreshold: number | null;
}

/** An error as it crosses the thread boundary: the fields the owner's reports use. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** ExperimentError / CheckpointError / JsonlError / RunDirError fields. */
  detail?: string;
  file?: string;
  line?: number;
  column?: number;
  field?: string;
  reason?: string;
  path?: string;
}

export type WorkerMessage =
  | { type: "log"; line: string }
  | { type: "started"; info: RunInfo }
  /** Could not start: the experiment did not load, the run folder could not be made or opened. */
  | { type: "start-failed"; error: SerializedError }
  /** One training iteration: its episodes (when asked for), metrics record and progress. */
  | {
      type: "iteration";
      episodes: EpisodeRecord[];
      metrics: MetricsRecord | null;
      progress: TrainProgress;
      /** The run's bookkeeping after the iteration, for the summary the owner writes if it must stop the worker. */
      solvedAtStep: number | null;
      solvedAtSeconds: number | null;
      cpuSeconds: number;
    }
  /** Episodes finished after the last iteration message (a run that failed mid-rollout). */
  | { type: "episodes"; episodes: EpisodeRecord[] }
  | { type: "done"; summary: TrainSummary }
  /** The trainer threw instead of returning a summary; status.json was written by the worker. */
  | { type: "failed"; error: SerializedError; state: "failed" | "stopped" };

export type OwnerMessage = { type: "stop"; reason: string };

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const out: SerializedError = { name: err.name, message: err.message };
  if (err.stack) out.stack = err.stack;
  const e = err as unknown as Record<string, unknown>;
  for (const key of ["detail", "file", "field", "reason", "path"] as const) if (typeof e[key] === "string") out[key] = e[key] as string;
  for (const key of ["line", "column"] as const) if (typeof e[key] === "number") out[key] = e[key] as number;
  return out;
}

/** The error again, as the class the owner's reports know (cli/errors.ts), or a plain Error. */
export function deserializeError(s: SerializedError): Error {
  let err: Error;
  if (s.name === "ExperimentError" && s.detail !== undefined) {
    err = new ExperimentError(s.detail, {
      ...(s.file !== undefined ? { file: s.file } : {}),
      ...(s.line !== undefined ? { line: s.line } : {}),
      ...(s.column !== undefined ? { column: s.column } : {}),
      ...(s.field !== undefined ? { field: s.field } : {}),
    });
  } else if (s.name === "CheckpointError" && s.file !== undefined && s.reason !== undefined) {
    err = new CheckpointError(s.file, s.reason);
  } else if (s.name === "JsonlError" && s.file !== undefined && s.line !== undefined && s.reason !== undefined) {
    err = new JsonlError(s.file, s.line, s.reason);
  } else if (s.name === "RunDirError" && s.path !== undefined) {
    err = new RunDirError(s.path, s.message);
  } else {
    err = new Error(s.message);
    err.name = s.name;
  }
  if (s.stack) err.stack = s.stack;
  return err;
}
