/**
 * The owner's side of a run: starts the trainer in a worker thread (trainer-worker.ts) and makes
 * sure the run always ends, whatever the experiment's code does.
 *
 * - Stop (Ctrl-C, SIGTERM, the editor's Stop) asks the trainer to stop at its next iteration
 *   boundary (it checkpoints and writes "stopped"); if it has not within `stopGraceMs`, the worker
 *   is terminated and the run is marked stopped here, resumable from its last checkpoint.
 * - A call into the experiment's code (top level, reward, custom env) that has not returned after
 *   `userCodeTimeoutMs` — an endless loop, which nothing else can interrupt — terminates the worker;
 *   the run fails with "reward did not return within 5000 ms".
 * - A worker that exits or crashes before it reported the end of training fails the run with what
 *   is known.
 *
 * In every case metrics.jsonl and episodes.jsonl keep each line written (an append is one write
 * that `terminate()` cannot cut), the last checkpoint stays valid (it is replaced by rename), and
 * status.json says how the run ended. The event loop of this thread stays free, so signals,
 * JSON-RPC requests and progress streaming are never held up by training.
 */
import { closeSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { BackendRequest } from "../backends/select.js";
import { ExperimentError } from "../experiment/errors.js";
import { USER_CODE, userCodeLabel, UserCodeWatch } from "../experiment/user-code.js";
import type { TrainSummary } from "../ppo/train.js";
import { DEFAULT_USER_CODE_TIMEOUT_MS, type EpisodeRecord, type MetricsRecord, type TrainProgress } from "../../../protocol/src/runtime.js";
import { workerScript } from "../util/worker-script.js";
import { currentWriter } from "./process-identity.js";
import { RunDir, type RunStatus } from "./run-dir.js";
import {
  deserializeError,
  DESCRIPTOR_SLOTS,
  SHARED_SLOTS,
  TRAINER_WORKER_KIND,
  type OwnerMessage,
  type RunInfo,
  type TrainerRequest,
  type TrainerWorkerData,
  type WorkerMessage,
} from "./trainer-protocol.js";

/** Default limit on one call into the experiment's code (declared with the requests that can change it). */
export { DEFAULT_USER_CODE_TIMEOUT_MS };
/** Default time a stopping trainer gets to reach its iteration boundary before it is terminated. */
export const DEFAULT_STOP_GRACE_MS = 5_000;

/** What a caller can hook into while a run trains; every field optional. */
export interface RunCallbacks {
  /** Tensor backend; "auto" (the default) picks the fastest one available. */
  backend?: BackendRequest;
  /** Aborting stops the run: at the next iteration boundary (checkpointed, "stopped"), or by terminating the trainer after the grace period. */
  signal?: AbortSignal;
  /** Longest one call into the experiment's code (its top level, reward, env) may run before the run fails (default 5000 ms). */
  userCodeTimeoutMs?: number;
  /** Once per PPO iteration. */
  onProgress?: (p: TrainProgress) => void;
  /** Each metrics record, right after it is written to metrics.jsonl. */
  onMetrics?: (r: MetricsRecord) => void;
  /** Each finished episode, once its iteration ends (written to episodes.jsonl as it finished). */
  onEpisode?: (r: EpisodeRecord) => void;
  /** Human-readable notices from the trainer (backend chosen, fallbacks, resume point). */
  log?: (line: string) => void;
}

export interface HostOptions extends RunCallbacks {
  /** How long a stopping trainer gets to reach its iteration boundary before it is terminated (default 5 s). */
  stopGraceMs?: number;
}

export interface HostedRun {
  info: RunInfo;
  runDir: RunDir;
  /**
   * Settles when training ends: the trainer's summary, or the one written here when the worker had
   * to be terminated or died; rejects with `RunError` when the trainer threw. status.json is final by then.
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

/** How often the owner samples the heartbeat: often enough to act within ~10 % of the limit. */
function pollInterval(timeoutMs: number): number {
  return Math.min(250, Math.max(10, Math.floor(timeoutMs / 10)));
}

/**
 * Start the trainer for `request` in a worker. Resolves once the run folder exists and training
 * has begun; rejects when the experiment could not be loaded or the run could not begin (an
 * `ExperimentError` for the experiment's code, including one that never returned).
 * `sourceFile` names the experiment file in messages about its top level.
 */
export function launchTrainer(request: TrainerRequest, sourceFile: string, opts: HostOptions): Promise<HostedRun> {
  const timeoutMs = opts.userCodeTimeoutMs ?? DEFAULT_USER_CODE_TIMEOUT_MS;
  const graceMs = opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`userCodeTimeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  const shared = new SharedArrayBuffer(SHARED_SLOTS * Int32Array.BYTES_PER_ELEMENT);
  const slots = new Int32Array(shared);
  const watch = new UserCodeWatch(slots, timeoutMs);
  const backend = opts.backend ?? "auto";
  const data: TrainerWorkerData = {
    kind: TRAINER_WORKER_KIND,
    request,
    backend,
    shared,
    wantEpisodes: opts.onEpisode !== undefined,
    writer: currentWriter(),
  };
  const { script, eval: isEval } = workerScript(__dirname, __filename, "trainer-worker.ts", "trainer-worker.js");
  const worker = new Worker(script, { eval: isEval, workerData: data });

  return new Promise<HostedRun>((resolveStarted, rejectStarted) => {
    let phase: "starting" | "training" | "ended" = "starting";
    let runDir: RunDir | null = null;
    let settleDone: { resolve: (s: TrainSummary) => void; reject: (e: Error) => void } | null = null;
    const done = new Promise<TrainSummary>((resolve, reject) => (settleDone = { resolve, reject }));
    // What the owner knows of the run, for the summary it writes if it must end the worker.
    let last: { progress: TrainProgress; solvedAtStep: number | null; solvedAtSeconds: number | null; cpuSeconds: number } | null = null;
    let graceTimer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      const hung = watch.check(performance.now());
      if (hung) void terminate("failed", `${userCodeLabel(hung.kind)} did not return within ${timeoutMs} ms (an endless loop?)`, true);
    }, pollInterval(timeoutMs));

    const cleanup = () => {
      phase = "ended";
      clearInterval(poll);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener("abort", onAbort);
    };

    const onAbort = () => {
      if (phase === "ended") return;
      worker.postMessage({ type: "stop", reason: "stopped by the user" } satisfies OwnerMessage);
      graceTimer = setTimeout(() => {
        const now = watch.current(performance.now());
        const where = now.kind === USER_CODE.none ? "" : ` (it has been in ${userCodeLabel(now.kind)} for ${Math.round(now.elapsedMs)} ms)`;
        void terminate("stopped", `the trainer did not stop within ${graceMs} ms${where}; its thread was terminated`);
      }, graceMs);
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });

    /**
     * The worker has reported its end and exits by itself (letting its console output drain); a
     * backend that keeps a handle open must not keep the thread alive, so it goes after a moment.
     */
    const release = () => {
      setTimeout(() => void worker.terminate().then(reclaimDescriptors), 2_000).unref();
    };

    /** Close what a terminated worker left open (its append descriptors). */
    const reclaimDescriptors = () => {
      for (const i of DESCRIPTOR_SLOTS) {
        const fd = Atomics.exchange(slots, i, 0) - 1;
        if (fd < 0) continue;
        try {
          closeSync(fd);
        } catch {
          // Already closed.
        }
      }
    };

    /** End the run from here: the worker is terminated (or already gone) and status.json is written. */
    async function terminate(state: "failed" | "stopped", message: string, timedOut = false): Promise<void> {
      if (phase === "ended") return;
      // Code that is only slow, not stuck, needs a higher limit: say which knob.
      const advice = timedOut ? " (if it is only slow, raise the limit: --user-code-timeout)" : "";
      const wasStarting = phase === "starting";
      cleanup();
      await worker.terminate();
      reclaimDescriptors();
      if (wasStarting || runDir === null) {
        // No run folder of ours changed yet: the load itself failed.
        if (state === "stopped") {
          const err = new Error(`cancelled: ${message}`);
          err.name = "AbortError";
          rejectStarted(err);
        } else {
          rejectStarted(new ExperimentError(message + advice, { file: sourceFile }));
        }
        return;
      }
      const outcome = timedOut ? `${message}: its thread was stopped; the run keeps its metrics and last checkpoint${advice}` : message;
      // A failure's reason is in the summary and status.json; a forced stop's only here.
      if (state === "stopped") opts.log?.(outcome);
      settleDone!.resolve(finalize(runDir, state, state === "failed" ? outcome : undefined));
    }

    /** Write the final status.json for a worker that cannot, and the summary of what is known. */
    function finalize(run: RunDir, state: "failed" | "stopped", error: string | undefined): TrainSummary {
      let latest: RunStatus | null = null;
      try {
        latest = run.readStatus();
      } catch {
        // Damaged: replaced below.
      }
      const now = new Date().toISOString();
      const p = last?.progress;
      const globalStep = Math.max(p?.globalStep ?? 0, latest?.globalStep ?? 0);
      const status: RunStatus = {
        state,
        pid: process.pid,
        startedAt: latest?.startedAt ?? now,
        updatedAt: now,
        globalStep,
        totalTimesteps: latest?.totalTimesteps ?? p?.totalTimesteps ?? 0,
        backend: latest?.backend ?? backend,
        ...(error ? { error } : {}),
      };
      run.writeStatus(status);
      return {
        runDir: run.path,
        backend: status.backend as TrainSummary["backend"],
        status: state,
        ...(error ? { error } : {}),
        globalStep,
        wallSeconds: p?.wallSeconds ?? 0,
        cpuSeconds: last?.cpuSeconds ?? 0,
        sps: p?.sps ?? 0,
        rolloutSps: 0,
        updates: 0,
        updateSeconds: 0,
        meanReturnLast20: p?.meanReturnLast20 ?? null,
        solvedAtStep: last?.solvedAtStep ?? null,
        solvedAtSeconds: last?.solvedAtSeconds ?? null,
      };
    }

    worker.on("message", (m: WorkerMessage) => {
      if (phase === "ended") return;
      switch (m.type) {
        case "log":
          opts.log?.(m.line);
          break;
        case "started":
          phase = "training";
          runDir = RunDir.open(m.info.runDir);
          resolveStarted({ info: m.info, runDir, done });
          break;
        case "start-failed":
          cleanup();
          void worker.terminate();
          rejectStarted(deserializeError(m.error));
          break;
        case "iteration":
          for (const r of m.episodes) opts.onEpisode?.(r);
          if (m.metrics) opts.onMetrics?.(m.metrics);
          last = { progress: m.progress, solvedAtStep: m.solvedAtStep, solvedAtSeconds: m.solvedAtSeconds, cpuSeconds: m.cpuSeconds };
          opts.onProgress?.(m.progress);
          break;
        case "episodes":
          for (const r of m.episodes) opts.onEpisode?.(r);
          break;
        case "done":
          cleanup();
          release();
          settleDone!.resolve(m.summary);
          break;
        case "failed": {
          cleanup();
          release();
          const cause = deserializeError(m.error);
          settleDone!.reject(new RunError(runDir!.path, m.state, cause.message, { cause }));
          break;
        }
      }
    });
    worker.on("error", (err: Error) => {
      // An uncaught exception ended the worker (an asynchronous throw in experiment code, memory).
      void terminate("failed", `the trainer crashed: ${err.message}`);
    });
    worker.on("exit", (code) => {
      void terminate("failed", `the trainer's thread exited (code ${code}) before training finished`);
    });
  });
}
