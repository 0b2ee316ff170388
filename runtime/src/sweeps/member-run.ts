/**
 * Run one sweep member as an ordinary run: what `rl-studio sweep run-member <sweep> <index>` does,
 * in a local pool's child process or in a Slurm array task alike.
 *
 * Under the member's lock: a member whose run folder exists resumes it from its checkpoint (or
 * does nothing when it completed); otherwise the run starts from the sweep's saved source with the
 * member's configuration and seed, into `<runs>/<sweep-id>-c<config>-s<seed>`. The member record
 * says running, then how it ended.
 */
import { existsSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { TrainSummary } from "../ppo/train.js";
import { currentWriter } from "../runs/process-identity.js";
import { RunDir, RunDirError } from "../runs/run-dir.js";
import { resumeRun, RunError, startRun, type RunCallbacks, type StartedRun } from "../runs/start-run.js";
import type { Hyperparameters } from "../experiment/hyperparameters.js";
import { SweepError, type MemberRecord, type SweepDir } from "./sweep-dir.js";

/** Slurm's view of this process, from the variables it sets in an array task. */
export function slurmTaskFromEnv(env: NodeJS.ProcessEnv): MemberRecord["slurm"] | undefined {
  const jobId = env.SLURM_JOB_ID;
  if (!jobId) return undefined;
  const task = env.SLURM_ARRAY_TASK_ID;
  return { jobId, arrayJobId: env.SLURM_ARRAY_JOB_ID ?? null, taskId: task !== undefined && /^\d+$/.test(task) ? Number(task) : null };
}

export interface MemberOutcome {
  state: MemberRecord["state"];
  runDir: string;
  summary: TrainSummary | null;
  /** The run had completed before: nothing was trained. */
  alreadyCompleted: boolean;
  error?: string;
}

export interface RunMemberOptions extends RunCallbacks {
  /** Whether a Slurm job is still queued or running (to take over a lock its task left). */
  isJobActive?: (jobId: string) => boolean;
  env?: NodeJS.ProcessEnv;
}

export async function runMember(sweep: SweepDir, index: number, opts: RunMemberOptions = {}): Promise<MemberOutcome> {
  const spec = sweep.member(index);
  const slurm = slurmTaskFromEnv(opts.env ?? process.env);
  const lock = sweep.tryLock(index, { slurmJobId: slurm?.jobId ?? null, ...(opts.isJobActive ? { isJobActive: opts.isJobActive } : {}) });
  if ("heldBy" in lock) {
    const h = lock.heldBy;
    throw new SweepError(
      `member ${index} of sweep ${sweep.id} is already being run by process ${h.pid} on ${h.host}` +
        (h.slurmJobId ? ` (Slurm job ${h.slurmJobId})` : "") +
        ` since ${h.since}; one run folder is never trained by two processes`,
    );
  }
  const previous = sweep.readMember(index);
  const startedAt = new Date().toISOString();
  const record = (state: MemberRecord["state"], runDir: string | null, error?: string): MemberRecord => ({
    index,
    state,
    runDir,
    host: hostname(),
    pid: process.pid,
    writer: currentWriter(),
    ...(slurm ? { slurm } : {}),
    attempts: (previous?.attempts ?? 0) + 1,
    startedAt,
    updatedAt: new Date().toISOString(),
    ...(error !== undefined ? { error } : {}),
  });
  const runDirPath = sweep.runDirOf(index);
  const hooks: RunCallbacks = {
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.onMetrics ? { onMetrics: opts.onMetrics } : {}),
    ...(opts.onEpisode ? { onEpisode: opts.onEpisode } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  };
  try {
    let started: StartedRun;
    if (existsSync(join(runDirPath, "experiment.json"))) {
      const run = RunDir.open(runDirPath);
      const recorded = run.readExperiment().sweep as { id?: unknown; index?: unknown } | undefined;
      if (recorded?.id !== sweep.id || recorded?.index !== index) {
        throw new RunDirError(runDirPath, `${runDirPath} exists but is not the run folder of member ${index} of sweep ${sweep.id}; move it away and retry`);
      }
      if (run.readStatus()?.state === "completed") {
        sweep.writeMember(record("completed", runDirPath));
        return { state: "completed", runDir: runDirPath, summary: null, alreadyCompleted: true };
      }
      opts.log?.(`member ${index}: resuming ${run.id}`);
      started = await resumeRun({ runDir: runDirPath, ...hooks });
    } else {
      // A folder without experiment.json is a start killed inside RunDir.create; it is this
      // member's name and we hold the member's lock, so nobody else is writing it.
      if (existsSync(runDirPath)) rmSync(runDirPath, { recursive: true, force: true });
      const m = sweep.manifest;
      started = await startRun({
        experimentPath: m.experiment.path,
        sourceText: sweep.readSourceText(),
        runsRoot: m.runsRoot,
        runId: spec.runId,
        seed: spec.seed,
        hyperparameters: m.configs[spec.config] as Partial<Hyperparameters>,
        ...(m.overrides.totalTimesteps !== undefined ? { totalTimesteps: m.overrides.totalTimesteps } : {}),
        sweep: { id: sweep.id, index, config: spec.config },
        ...hooks,
      });
    }
    sweep.writeMember(record("running", started.runDir.path));
    let summary: TrainSummary;
    try {
      summary = await started.done;
    } catch (err) {
      const state = err instanceof RunError ? err.state : "failed";
      const message = err instanceof Error ? err.message : String(err);
      sweep.writeMember(record(state, started.runDir.path, message));
      return { state, runDir: started.runDir.path, summary: null, alreadyCompleted: false, error: message };
    }
    sweep.writeMember(record(summary.status, started.runDir.path, summary.error));
    return { state: summary.status, runDir: started.runDir.path, summary, alreadyCompleted: false, ...(summary.error ? { error: summary.error } : {}) };
  } catch (err) {
    // It never trained (the experiment does not compile here, a foreign folder, a refused resume).
    sweep.writeMember(record(opts.signal?.aborted ? "stopped" : "failed", existsSync(runDirPath) ? runDirPath : null, err instanceof Error ? err.message : String(err)));
    throw err;
  } finally {
    lock.release();
  }
}
