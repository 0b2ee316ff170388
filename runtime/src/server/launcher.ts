/**
 * The real RunLauncher: runtime/src/runs/start-run.ts (shared with the CLI), so a run started
 * from the editor and one started from a terminal are the same run folder, trained the same way.
 */
import type { EnvInfo } from "../../../protocol/src/runtime.js";
import { ENV_SPECS } from "../envs/registry.js";
import type { TrainSummary } from "../ppo/train.js";
import { resumeRun, startRun } from "../runs/start-run.js";
import type { LaunchedRun, RunHooks, RunLauncher, RunOutcome } from "./run-manager.js";

export function listEnvs(): EnvInfo[] {
  return ENV_SPECS.map((s) => ({
    id: s.id,
    description: s.description,
    actionKind: s.actionSpace.kind,
    observationFields: s.observationFields.map((f) => f.name),
    rewardThreshold: s.rewardThreshold ?? null,
  }));
}

function outcomeOf(done: Promise<TrainSummary>, signal: AbortSignal): Promise<RunOutcome> {
  return done.then(
    (summary): RunOutcome => (summary.error !== undefined ? { state: summary.status, error: summary.error } : { state: summary.status }),
    (err: unknown): RunOutcome =>
      signal.aborted ? { state: "stopped" } : { state: "failed", error: err instanceof Error ? err.message : String(err) },
  );
}

export function createLauncher(): RunLauncher {
  return {
    async start(params, hooks: RunHooks): Promise<LaunchedRun> {
      const started = await startRun({ ...params, ...hooks });
      return { runId: started.runDir.id, runDir: started.runDir.path, done: outcomeOf(started.done, hooks.signal) };
    },
    async resume(params, hooks: RunHooks): Promise<LaunchedRun> {
      const started = await resumeRun({ ...params, ...hooks });
      return { runId: started.runDir.id, runDir: started.runDir.path, done: outcomeOf(started.done, hooks.signal) };
    },
  };
}
