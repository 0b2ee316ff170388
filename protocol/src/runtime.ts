/**
 * extension ⇄ runtime: every JSON-RPC message, declared once with its literal method name,
 * typed params/result and direction (the style of vscode-languageserver-protocol and
 * rust-analyzer's `lsp_ext.ts`). The runtime process (`dist/runtime.js`) serves the requests;
 * the extension receives the notifications.
 *
 * Record shapes mirror `runtime/src/runs/run-dir.ts` (what lands in metrics.jsonl / episodes.jsonl):
 * the wire carries exactly what the run folder stores, so a dashboard fed from disk and one fed
 * live draw the same curve.
 */
import { NotificationType, RequestType, RequestType0 } from "vscode-jsonrpc";

/** Who sends a message. */
export type MessageDirection = "extensionToRuntime" | "runtimeToExtension";

/** Every tensor backend a run can train on (the one list: auto chooses among them in runtime/src/backends/select.ts). */
export const BACKENDS = ["js", "wasm-simd", "wasm", "cpu", "tfjs-node", "tfjs-node-gpu", "webgpu"] as const;
export type BackendName = (typeof BACKENDS)[number];
/** What a user may ask for: auto or a backend (Select Backend, the `rlStudio.backend` setting, `--backend`). */
export const BACKEND_NAMES: readonly (BackendName | "auto")[] = ["auto", ...BACKENDS];

export type RunState = "running" | "completed" | "stopped" | "failed";

/** One line of metrics.jsonl: one PPO iteration, CleanRL's metric names. */
export interface MetricsRecord {
  globalStep: number;
  iteration: number;
  wallSeconds: number;
  /** `charts/episodic_return`, `losses/value_loss`, …, `reward/<component>`. */
  metrics: Record<string, number>;
}

/** One line of episodes.jsonl: one finished episode. */
export interface EpisodeRecord {
  globalStep: number;
  wallSeconds: number;
  envIndex: number;
  episodicReturn: number;
  episodicLength: number;
  terminated: boolean;
  truncated: boolean;
  /** Which termination condition fired (`info.terminationCause`) or "time limit". */
  cause?: string;
  /** Per-episode sums of the reward components, when the experiment's reward returns named components (and `subgoals`: the sub-goal reward). */
  components?: Record<string, number>;
  /** Experiments with sub-goals: the episode step at which each sub-goal it reached was reached (in order; unreached ones absent). */
  subgoals?: Record<string, number>;
  /** Text envs (TWOSOME's tasks): whether the episode ended in success (`info.success`). */
  success?: boolean;
}

/** Progress once per iteration, as `TrainOptions.onProgress` reports it. */
export interface TrainProgress {
  iteration: number;
  numIterations: number;
  globalStep: number;
  totalTimesteps: number;
  /** Environment steps per second, this run segment. */
  sps: number;
  wallSeconds: number;
  lastEpisodicReturn: number | null;
  meanReturnLast20: number | null;
}

/** What the Runs view and the dashboard need to know about a run folder, CLI-made runs included. */
export interface RunSummary {
  runId: string;
  runDir: string;
  /** `name` of the experiment (runs are grouped by it). */
  experimentName: string;
  envId: string;
  seed: number | null;
  /** Absolute path of the experiment file the run was started from, when known. */
  experimentPath: string | null;
  state: RunState;
  globalStep: number;
  totalTimesteps: number;
  lastEpisodicReturn: number | null;
  /** Tensor backend the run trained on, when known. */
  backend: string | null;
  /** ISO time the run folder was created. */
  createdAt: string | null;
  /** Why the run failed, when it did. */
  error: string | null;
  /** Runs with equal keys differ only by seed (hash of experiment.json without seed, times and paths): the dashboard averages them. */
  groupKey: string;
  /** True while this runtime process is training it (a "running" status on disk with no live trainer means the process died). */
  live: boolean;
  /** The sweep the run is a member of (experiment.json `sweep`), with its configuration in words. */
  sweep?: { id: string; index: number; config: number; configText: string };
  /**
   * "running" on disk, not in this runtime, and it cannot be confirmed that the live process
   * status.json names is its trainer (an older status.json without the trainer's identity, or the
   * OS does not say): a resume is refused with `RESUME_NEEDS_FORCE` until the user says go ahead,
   * and Stop leaves that process alone. False in every other case.
   */
  unconfirmed: boolean;
}

// ── requests: extension → runtime ─────────────────────────────────────────────

export interface HelloResult {
  pid: number;
  nodeVersion: string;
  /** Protocol revision; the extension refuses a runtime that speaks another. */
  protocolVersion: number;
}
export const PROTOCOL_VERSION = 2;
/** First message after the fork: proves the runtime is up and speaks our protocol. */
export namespace HelloRequest {
  export const method = "runtime/hello" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType0<HelloResult, void>(method);
}

/** How long one call into the experiment's code may run before the run fails, unless the request says otherwise (ms). */
export const DEFAULT_USER_CODE_TIMEOUT_MS = 5_000;

export interface TrainParams {
  /** Absolute path of the `*.rl.ts` file. */
  experimentPath: string;
  /** Folder that holds run folders (`<workspace>/.rl-studio/runs`). */
  runsRoot: string;
  backend?: BackendName | "auto";
  /** Overrides the experiment's seed. */
  seed?: number;
  /** Overrides `hyperparameters.totalTimesteps`. */
  totalTimesteps?: number;
  /** Longest one call into the experiment's code (top level, reward, custom env) may run before the run fails; default `DEFAULT_USER_CODE_TIMEOUT_MS`. */
  userCodeTimeoutMs?: number;
  /** `rlStudio.experience.maxMegabytes`: the env's experience store cap for experiments that leave experienceMaxMegabytes null. */
  experienceMaxMegabytes?: number;
  /** algorithm "twosome": the GGUF model when the experiment names none (the editor's rlStudio.llm.model). */
  defaultModel?: string;
}
export interface TrainResult {
  runId: string;
  runDir: string;
}
/** Compile the experiment, create a run folder, start training; answers once the run folder exists. */
export namespace TrainRequest {
  export const method = "runtime/train" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<TrainParams, TrainResult, void>(method);
}

export interface ResumeParams {
  runDir: string;
  backend?: BackendName | "auto";
  /** As in `TrainParams`. */
  userCodeTimeoutMs?: number;
  /**
   * Resume although status.json names a live process that cannot be told apart from the trainer
   * (written by an older RL Studio): sent after the user answered the `RESUME_NEEDS_FORCE` error.
   */
  force?: boolean;
}
/**
 * JSON-RPC error code of a resume refused only because it cannot be told whether the process
 * status.json names still trains the run; the message says why. Asking again with `force: true` resumes.
 */
export const RESUME_NEEDS_FORCE = -32010;
/** Continue a stopped/failed run from its last checkpoint (same run id, same curves). */
export namespace ResumeRequest {
  export const method = "runtime/resume" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<ResumeParams, TrainResult, void>(method);
}

export interface StopParams {
  runId: string;
}
export interface StopResult {
  /** False when no run with that id was training in this process. */
  stopped: boolean;
}
/** Abort a training run; resolves after the trainer has written its checkpoint and status "stopped". */
export namespace StopRequest {
  export const method = "runtime/stop" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<StopParams, StopResult, void>(method);
}

export interface ListRunsParams {
  runsRoot: string;
}
export interface ListRunsResult {
  runs: RunSummary[];
}
/** Every run folder under `runsRoot`, newest first. */
export namespace ListRunsRequest {
  export const method = "runtime/listRuns" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<ListRunsParams, ListRunsResult, void>(method);
}

export interface ReadRunParams {
  runDir: string;
  /** Include episodes.jsonl (can be large). */
  episodes?: boolean;
}
export interface ReadRunResult {
  summary: RunSummary;
  metrics: MetricsRecord[];
  episodes: EpisodeRecord[];
}
/** A run's summary and its recorded curves, for the dashboard. */
export namespace ReadRunRequest {
  export const method = "runtime/readRun" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<ReadRunParams, ReadRunResult, void>(method);
}

export interface EnvInfo {
  id: string;
  description: string;
  actionKind: "discrete" | "box";
  observationFields: string[];
  rewardThreshold: number | null;
}
export interface EnvsResult {
  envs: EnvInfo[];
}
/** Built-in environments. */
export namespace EnvsRequest {
  export const method = "runtime/envs" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType0<EnvsResult, void>(method);
}

export interface MarkFailedParams {
  runDir: string;
  /** Why, e.g. "the runtime process exited (signal SIGKILL) while training". */
  error: string;
}
/**
 * Record in status.json that a run died with the runtime process that trained it (sent to the
 * restarted runtime by the supervisor). The run stays resumable from its last checkpoint.
 */
export namespace MarkFailedRequest {
  export const method = "runtime/markFailed" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<MarkFailedParams, void, void>(method);
}

export interface EvalPriorParams {
  /** Absolute path of a `*.rl.ts` file with `algorithm: "twosome"`. */
  experimentPath: string;
  /** The GGUF model when the experiment names none (the editor's rlStudio.llm.model). */
  defaultModel?: string;
  /** Evaluation episodes (default 10, as `rl-studio eval --prior`). */
  episodes?: number;
  backend?: BackendName | "auto";
  /** Echoed in each `EvalPriorProgressNotification`, so the caller can tell its progress apart. */
  requestId: string;
}
export interface EvalPriorResult {
  experimentName: string;
  /** The GGUF file the policy was loaded from. */
  model: string;
  episodes: number;
  meanReturn: number;
  stdReturn: number;
  meanLength: number;
  /** Fraction of episodes that ended in the task's success. */
  successRate: number;
  /** How episodes ended: termination causes by name, and "time limit" for truncations. */
  terminationCauses: Record<string, number>;
}
/**
 * The zero-shot prior of a TWOSOME experiment: its untrained LLM policy (fresh LoRA adapter, which
 * is exactly the base model) run greedily for some episodes, as `rl-studio eval <file> --prior`.
 * Cancelling the request ($/cancelRequest) aborts between steps.
 */
export namespace EvalPriorRequest {
  export const method = "runtime/evalPrior" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<EvalPriorParams, EvalPriorResult, void>(method);
}

/** Stop every run (each writes its checkpoint), release resources; the process exits after answering. */
export namespace ShutdownRequest {
  export const method = "runtime/shutdown" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType0<void, void>(method);
}

// ── notifications: runtime → extension ────────────────────────────────────────

/** The runtime sends a run's metrics at most this often (ms), and its progress at most every `RUN_PROGRESS_INTERVAL_MS`. */
export const RUN_METRICS_INTERVAL_MS = 50;
export const RUN_PROGRESS_INTERVAL_MS = 100;

export interface RunMetricsParams {
  runId: string;
  /** The run's metrics records since the previous notification, in order (at most one notification per run every `RUN_METRICS_INTERVAL_MS`). */
  records: MetricsRecord[];
  /**
   * Date.now() in the runtime when the oldest of `records` was handed over for sending: metric-to-chart
   * latency is measured from it, so it includes the time the record waited to be batched.
   */
  sentAt: number;
}
/** New metrics records of a training run (common/src/run-updates.ts batches them). */
export namespace RunMetricsNotification {
  export const method = "run/metrics" as const;
  export const direction: MessageDirection = "runtimeToExtension";
  export const type = new NotificationType<RunMetricsParams>(method);
}

export interface RunProgressParams {
  runId: string;
  progress: TrainProgress;
}
/** A training run's latest progress (at most one per run every `RUN_PROGRESS_INTERVAL_MS`; a report supersedes the previous one). */
export namespace RunProgressNotification {
  export const method = "run/progress" as const;
  export const direction: MessageDirection = "runtimeToExtension";
  export const type = new NotificationType<RunProgressParams>(method);
}

export interface RunStatusParams {
  runId: string;
  runDir: string;
  state: RunState;
  /** Tensor backend chosen for the run, once known. */
  backend?: string;
  /** Why it failed. */
  error?: string;
}
/** A run changed state (started, completed, stopped, failed); sent after the run's last metrics and progress, never delayed. */
export namespace RunStatusNotification {
  export const method = "run/status" as const;
  export const direction: MessageDirection = "runtimeToExtension";
  export const type = new NotificationType<RunStatusParams>(method);
}

export interface LogParams {
  level: "info" | "warn" | "error";
  message: string;
  /** The run the line is about, if any. */
  runId?: string;
}
/** A line for the "RL Studio Runtime" output channel. */
export namespace LogNotification {
  export const method = "runtime/log" as const;
  export const direction: MessageDirection = "runtimeToExtension";
  export const type = new NotificationType<LogParams>(method);
}

export interface EvalPriorProgressParams {
  requestId: string;
  /** Episodes finished so far, of `episodes`. */
  episode: number;
  episodes: number;
  /** The finished episode's return. */
  episodicReturn: number;
}
/** One episode of a `runtime/evalPrior` request finished. */
export namespace EvalPriorProgressNotification {
  export const method = "runtime/evalPriorProgress" as const;
  export const direction: MessageDirection = "runtimeToExtension";
  export const type = new NotificationType<EvalPriorProgressParams>(method);
}
