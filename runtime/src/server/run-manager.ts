/**
 * The runs one runtime process is training: one AbortController per run, events forwarded to
 * whoever listens (the JSON-RPC connection in main.ts). Pure of transport, so the integration
 * test and the server share it.
 */
import type {
  BackendName,
  LogParams,
  MetricsRecord,
  ReadRunResult,
  ResumeParams,
  RunState,
  RunSummary,
  TrainParams,
  TrainProgress,
  TrainResult,
} from "../../../protocol/src/runtime.js";
import { RunDir } from "../runs/run-dir.js";
import { summarizeRun } from "./run-summary.js";

/** Callbacks a launched run reports through. */
export interface RunHooks {
  signal: AbortSignal;
  onProgress: (p: TrainProgress) => void;
  onMetrics: (r: MetricsRecord) => void;
  log: (line: string) => void;
}

/** How a training segment ended. */
export interface RunOutcome {
  state: Exclude<RunState, "running">;
  error?: string;
}

export interface LaunchedRun {
  runId: string;
  runDir: string;
  backend?: string;
  /** Settles when training stops for any reason; never rejects (failures are outcomes). */
  done: Promise<RunOutcome>;
}

/** Starts and resumes training; the real one (launcher.ts) calls runtime/src/runs/start-run.ts. */
export interface RunLauncher {
  start(params: TrainParams, hooks: RunHooks): Promise<LaunchedRun>;
  resume(params: ResumeParams, hooks: RunHooks): Promise<LaunchedRun>;
}

/**
 * What the manager tells its listener; `runId` names the run. Not each episode: they are in
 * episodes.jsonl, every view draws per-iteration metrics, and early in training many episodes end
 * in each iteration (a notification each was IPC that nothing read).
 */
export interface RunEvents {
  metrics(runId: string, record: MetricsRecord): void;
  progress(runId: string, progress: TrainProgress): void;
  status(runId: string, runDir: string, state: RunState, extra: { backend?: string; error?: string }): void;
  log(params: LogParams): void;
}

interface ActiveRun {
  runDir: string;
  controller: AbortController;
  done: Promise<RunOutcome>;
}

export class RunManager {
  private readonly active = new Map<string, ActiveRun>();
  private disposed = false;

  constructor(
    private readonly launcher: RunLauncher,
    private readonly events: RunEvents,
  ) {}

  /** Run ids being trained by this process. */
  liveRunIds(): ReadonlySet<string> {
    return new Set(this.active.keys());
  }

  train(params: Parameters<RunLauncher["start"]>[0]): Promise<TrainResult> {
    return this.launch((hooks) => this.launcher.start(params, hooks));
  }

  resume(params: Parameters<RunLauncher["resume"]>[0]): Promise<TrainResult> {
    const id = RunDir.open(params.runDir).id;
    if (this.active.has(id)) throw new Error(`run ${id} is already training in this runtime; stop it before resuming`);
    return this.launch((hooks) => this.launcher.resume(params, hooks));
  }

  private async launch(go: (hooks: RunHooks) => Promise<LaunchedRun>): Promise<TrainResult> {
    if (this.disposed) throw new Error("the runtime is shutting down");
    const controller = new AbortController();
    // Events can in principle arrive before `go` resolves with the run id: hold them until then.
    let runId: string | null = null;
    const pending: Array<(id: string) => void> = [];
    const emit = (f: (id: string) => void) => (runId === null ? pending.push(f) : f(runId));
    const hooks: RunHooks = {
      signal: controller.signal,
      onProgress: (p) => emit((id) => this.events.progress(id, p)),
      onMetrics: (r) => emit((id) => this.events.metrics(id, r)),
      log: (line) => emit((id) => this.events.log({ level: "info", message: `[${id}] ${line}`, runId: id })),
    };
    const launched = await go(hooks);
    runId = launched.runId;
    for (const f of pending.splice(0)) f(launched.runId);
    const run: ActiveRun = { runDir: launched.runDir, controller, done: launched.done };
    this.active.set(launched.runId, run);
    this.events.status(launched.runId, launched.runDir, "running", launched.backend ? { backend: launched.backend } : {});
    void launched.done.then((outcome) => {
      this.active.delete(launched.runId);
      this.events.status(launched.runId, launched.runDir, outcome.state, outcome.error ? { error: outcome.error } : {});
      if (outcome.error) this.events.log({ level: "error", message: `[${launched.runId}] ${outcome.error}`, runId: launched.runId });
    });
    return { runId: launched.runId, runDir: launched.runDir };
  }

  /** Abort a run and wait until its trainer has written the checkpoint and the "stopped" status. */
  async stop(runId: string): Promise<boolean> {
    const run = this.active.get(runId);
    if (!run) return false;
    run.controller.abort(new Error("stopped by the user"));
    await run.done;
    return true;
  }

  list(runsRoot: string): RunSummary[] {
    const live = this.liveRunIds();
    return RunDir.list(runsRoot).map((r) => summarizeRun(r, live));
  }

  read(runDir: string, episodes: boolean): ReadRunResult {
    const run = RunDir.open(runDir);
    return {
      summary: summarizeRun(run, this.liveRunIds()),
      metrics: run.readMetrics(),
      episodes: episodes ? run.readEpisodes() : [],
    };
  }

  /** Mark a run that died with a previous runtime process as failed (resumable from its checkpoint). */
  markFailed(runDir: string, error: string): void {
    const run = RunDir.open(runDir);
    if (this.active.has(run.id)) throw new Error(`run ${run.id} is training in this runtime; it has not failed`);
    const status = run.readStatus();
    const now = new Date().toISOString();
    run.writeStatus({
      state: "failed",
      pid: status?.pid ?? 0,
      startedAt: status?.startedAt ?? now,
      updatedAt: now,
      globalStep: status?.globalStep ?? 0,
      totalTimesteps: status?.totalTimesteps ?? 0,
      backend: status?.backend ?? "unknown",
      error,
    });
  }

  /** Stop every run (each writes its checkpoint); later train/resume calls are refused. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const ids = [...this.active.keys()];
    await Promise.all(ids.map((id) => this.stop(id)));
  }
}
