/**
 * Worker entry: the trainer of one run, in its own thread, so that the experiment's code (its
 * top level, its reward, its env) can be stopped even when it never returns: the owner
 * (trainer-host.ts) watches the user-code heartbeat this thread beats and terminates the thread.
 *
 * Here the experiment is evaluated and resolved, the run folder created (train) or opened
 * (resume), and the trainer run; progress, metrics and episodes stream to the owner once per
 * iteration. `process.exit()` called by experiment code throws here instead of ending the thread
 * silently, so the run fails with a message that says where it was called.
 *
 * Bundled as its own entry (dist/trainer-worker.js); under tsx the host starts this file.
 */
import { parentPort, workerData } from "node:worker_threads";
import { evaluateExperiment } from "../experiment/compile.js";
import { resolveExperiment, type ResolvedExperiment } from "../experiment/resolve.js";
import { installUserCodeHeartbeat } from "../experiment/user-code.js";
import { train } from "../ppo/train.js";
import { trainTwosome } from "../llm-policy/train-twosome.js";
import type { EpisodeRecord, MetricsRecord } from "../../../protocol/src/runtime.js";
import { experimentRecord, loadRecordedExperiment } from "./experiment-record.js";
import { observeDescriptors } from "./jsonl.js";
import { inheritWriter } from "./process-identity.js";
import { RunDir } from "./run-dir.js";
import type { RunRecorder } from "./run-recorder.js";
import { DESCRIPTOR_SLOTS, serializeError, TRAINER_WORKER_KIND, type OwnerMessage, type RunInfo, type TrainerWorkerData, type WorkerMessage } from "./trainer-protocol.js";

/** Thrown by `process.exit` inside the trainer: experiment code may not end the trainer behind its back. */
export class ProcessExitError extends Error {
  override name = "ProcessExitError";
}

function trapProcessExit(): void {
  process.exit = ((code?: number | string | null) => {
    throw new ProcessExitError(`experiment code called process.exit(${code ?? ""}); a run ends when training ends, or fails with an error`);
  }) as typeof process.exit;
}

/** Record the append descriptors this thread holds in the owner's slots (see jsonl.ts). */
function reportDescriptors(shared: SharedArrayBuffer): void {
  const slots = new Int32Array(shared);
  observeDescriptors({
    opened(fd) {
      for (const i of DESCRIPTOR_SLOTS) {
        if (Atomics.compareExchange(slots, i, 0, fd + 1) === 0) return;
      }
    },
    closing(fd) {
      for (const i of DESCRIPTOR_SLOTS) Atomics.compareExchange(slots, i, fd + 1, 0);
    },
  });
}

async function main(data: TrainerWorkerData): Promise<void> {
  const port = parentPort!;
  const post = (m: WorkerMessage) => port.postMessage(m);
  installUserCodeHeartbeat(data.shared);
  inheritWriter(data.writer);
  reportDescriptors(data.shared);
  trapProcessExit();
  const controller = new AbortController();
  port.on("message", (m: OwnerMessage) => {
    if (m.type === "stop") controller.abort(new Error(m.reason));
  });
  const log = (line: string) => post({ type: "log", line });

  let runDir: RunDir;
  let experiment: ResolvedExperiment;
  try {
    const request = data.request;
    if (request.mode === "start") {
      experiment = resolveExperiment(evaluateExperiment(request.source.bundle, request.source.path), request.source, request.overrides);
      controller.signal.throwIfAborted();
      runDir = RunDir.create(request.runsRoot, {
        ...(request.runId !== undefined ? { runId: request.runId } : {}),
        experiment: experimentRecord(experiment, new Date(), request.sweep) as unknown as Record<string, unknown>,
        sourceText: experiment.source.text,
        bundle: experiment.source.bundle,
      });
      const now = new Date().toISOString();
      runDir.writeStatus({ state: "running", pid: process.pid, startedAt: now, updatedAt: now, globalStep: 0, totalTimesteps: experiment.hyperparameters.totalTimesteps, backend: data.backend });
    } else {
      runDir = RunDir.open(request.runDir);
      experiment = loadRecordedExperiment(runDir, request.model);
      controller.signal.throwIfAborted();
    }
  } catch (err) {
    post({ type: "start-failed", error: serializeError(err) });
    return;
  }
  const info: RunInfo = {
    runDir: runDir.path,
    runId: runDir.id,
    name: experiment.name,
    envId: experiment.envId,
    seed: experiment.seed,
    totalTimesteps: experiment.hyperparameters.totalTimesteps,
    rewardThreshold: experiment.spec.rewardThreshold ?? null,
  };
  post({ type: "started", info });

  // One message per iteration: its episodes, its metrics record, its progress.
  let episodes: EpisodeRecord[] = [];
  let metrics: MetricsRecord | null = null;
  let recorder: RunRecorder | null = null;
  let lastStep = 0;
  let outcome: WorkerMessage;
  try {
    // The algorithm's trainer; both record through RunRecorder into the same run folder layout.
    const trainer = experiment.algorithm === "twosome" ? trainTwosome : train;
    const summary = await trainer({
      experiment,
      runDir,
      backend: data.backend,
      signal: controller.signal,
      ...(data.experienceMaxMegabytes !== undefined ? { experienceMaxMegabytes: data.experienceMaxMegabytes } : {}),
      log,
      ...(data.wantEpisodes ? { onEpisode: (r: EpisodeRecord) => void episodes.push(r) } : {}),
      onMetrics: (r) => {
        metrics = r;
      },
      onRecorder: (r) => {
        recorder = r;
      },
      onProgress: (progress) => {
        lastStep = progress.globalStep;
        const c = recorder!.counters;
        post({ type: "iteration", episodes, metrics, progress, solvedAtStep: c.solvedAtStep, solvedAtSeconds: c.solvedAtSeconds, cpuSeconds: recorder!.cpuSeconds() });
        episodes = [];
        metrics = null;
      },
    });
    outcome = { type: "done", summary };
  } catch (err) {
    const state = controller.signal.aborted ? "stopped" : "failed";
    // The trainer threw instead of returning a summary. Only a run this thread claimed (status
    // "running" by this process) gets its final status here: a resume that could not begin — its
    // checkpoint refused before anything changed — leaves status.json as it was.
    try {
      const latest = runDir.readStatus();
      if (latest && latest.state === "running" && latest.pid === process.pid) {
        const message = err instanceof Error ? err.message : String(err);
        runDir.writeStatus({ ...latest, state, globalStep: Math.max(lastStep, latest.globalStep), updatedAt: new Date().toISOString(), ...(state === "failed" ? { error: message } : {}) });
      }
    } catch {
      // A damaged status.json: the owner reports the error; the run reads as stopped once this process is gone.
    }
    outcome = { type: "failed", error: serializeError(err), state };
  }
  // Release the run folder before saying so: the owner may end this thread as soon as it hears.
  runDir.close();
  if (episodes.length > 0) post({ type: "episodes", episodes });
  post(outcome);
  port.close();
}

if (parentPort && workerData && (workerData as { kind?: string }).kind === TRAINER_WORKER_KIND) {
  main(workerData as TrainerWorkerData).catch((err: unknown) => {
    parentPort!.postMessage({ type: "start-failed", error: serializeError(err) } satisfies WorkerMessage);
  });
}
