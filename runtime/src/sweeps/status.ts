/**
 * Each member's state, from what the member's process recorded (members/<i>.json), its run
 * folder, and — for Slurm sweeps — the scheduler's view of its latest array task. `memberState`
 * is the pure rule; `sweepStatus` gathers the inputs.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { RunDir } from "../runs/run-dir.js";
import { isSameProcess } from "../runs/process-identity.js";
import { isProcessAlive } from "../runs/run-dir.js";
import { describeConfig } from "./grid.js";
import { ACTIVE_STATES, type SlurmClient, type TaskState } from "./slurm.js";
import type { MemberRecord, SweepDir } from "./sweep-dir.js";

import type { MemberState, SweepMemberView } from "../../../protocol/src/sweep.js";

export { MEMBER_STATES, type MemberState } from "../../../protocol/src/sweep.js";

export interface MemberStateInput {
  record: MemberRecord | null;
  /** The record's writer still runs (known only on its own host; null when it cannot be told). */
  writerAlive: boolean | null;
  /** Slurm's state of the member's latest task, when the sweep runs on Slurm and Slurm still knows it. */
  task: TaskState | null;
  /** The member was submitted to Slurm at least once. */
  submitted: boolean;
}

/** Slurm states that mean the task itself failed. */
const FAILED_STATES = new Set(["FAILED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "DEADLINE", "PREEMPTED"]);

/** The member's state and, when there is something to say, why. */
export function memberState(i: MemberStateInput): { state: MemberState; detail?: string } {
  const t = i.task;
  if (t && ACTIVE_STATES.has(t.state)) {
    if (t.state === "PENDING") return { state: "queued", ...(t.reason ? { detail: `Slurm: ${t.reason}` } : {}) };
    return { state: "running", detail: `Slurm job ${t.jobId}_${t.taskId}` };
  }
  const slurmEnded = t ? `Slurm: ${t.state}${t.exitCode && t.exitCode !== "0:0" ? ` (exit ${t.exitCode})` : ""}` : undefined;
  const r = i.record;
  if (r?.state === "running") {
    if (i.writerAlive === true) return { state: "running" };
    // The process is gone without writing how it ended (killed, the node lost, the time limit).
    if (t?.state === "CANCELLED") return { state: "cancelled", detail: slurmEnded! };
    if (t && FAILED_STATES.has(t.state)) return { state: "failed", detail: slurmEnded! };
    if (i.writerAlive === null && !t && i.submitted) return { state: "stopped", detail: "the process ended without recording how (no longer in Slurm's queue); resumable" };
    if (i.writerAlive === null && !i.submitted) return { state: "running", detail: `on ${r.host}` };
    return { state: "stopped", detail: "the process was killed; resumable from its last checkpoint" };
  }
  if (r?.state === "completed") return { state: "completed" };
  if (r?.state === "failed") return { state: "failed", detail: r.error ?? slurmEnded ?? "failed" };
  if (r?.state === "stopped") {
    if (t && FAILED_STATES.has(t.state)) return { state: "failed", detail: slurmEnded! };
    if (t?.state === "CANCELLED") return { state: "cancelled", detail: `${slurmEnded}; resumable from its last checkpoint` };
    return { state: "stopped", detail: "resumable from its last checkpoint" };
  }
  // No record: the member never started (or its task died before it could write one).
  if (t?.state === "CANCELLED") return { state: "cancelled", detail: slurmEnded! };
  if (t && t.state !== "COMPLETED") return { state: "failed", detail: `${slurmEnded}, before the member started: see its log` };
  if (t?.state === "COMPLETED") return { state: "failed", detail: "the task ended without running the member: see its log" };
  return { state: "pending" };
}

export interface MemberStatus extends SweepMemberView {
  /** The last lines of the log, for failed members. */
  logTail?: string;
  /** Slurm job of the latest task (`<array job>_<index>`). */
  slurmJob?: string;
}

/** The last `lines` lines of a file (reads at most the last 8 KiB). */
export function tailOfFile(file: string, lines = 10): string {
  if (!existsSync(file)) return "";
  const size = statSync(file).size;
  const n = Math.min(size, 8192);
  const buf = Buffer.alloc(n);
  const fd = openSync(file, "r");
  try {
    readSync(fd, buf, 0, n, size - n);
  } finally {
    closeSync(fd);
  }
  return buf.toString("utf8").replace(/\r/g, "\n").split("\n").filter((l) => l.trim() !== "").slice(-lines).join("\n");
}

function writerAlive(r: MemberRecord | null): boolean | null {
  if (!r) return null;
  if (r.host !== hostname()) return null;
  return isProcessAlive(r.pid) && isSameProcess(r.pid, r.writer) !== false;
}

/** The latest submission's task of each member, from Slurm's tasks. */
export function latestTasks(sweep: SweepDir, tasks: readonly TaskState[]): Map<number, TaskState> {
  const out = new Map<number, TaskState>();
  const byKey = new Map(tasks.map((t) => [`${t.jobId}_${t.taskId}`, t]));
  for (const s of sweep.manifest.slurm?.submissions ?? []) {
    for (const index of s.indices) {
      const t = byKey.get(`${s.jobId}_${index}`);
      // A later submission replaces an earlier one, whether or not Slurm still knows it.
      if (t) out.set(index, t);
      else out.delete(index);
    }
  }
  return out;
}

/** Every member's status. With a Slurm client, Slurm's view is asked for first. */
export async function sweepStatus(sweep: SweepDir, slurm?: SlurmClient): Promise<MemberStatus[]> {
  const submissions = sweep.manifest.slurm?.submissions ?? [];
  const tasks = slurm && submissions.length > 0 ? latestTasks(sweep, await slurm.tasks([...new Set(submissions.map((s) => s.jobId))])) : new Map<number, TaskState>();
  const submitted = new Set(submissions.flatMap((s) => s.indices));
  return sweep.manifest.members.map((m) => {
    const record = sweep.readMember(m.index);
    const task = tasks.get(m.index) ?? null;
    const { state, detail } = memberState({ record, writerAlive: writerAlive(record), task, submitted: submitted.has(m.index) });
    let globalStep = 0;
    let runDir: string | null = record?.runDir ?? null;
    if (runDir === null && existsSync(sweep.runDirOf(m.index))) runDir = sweep.runDirOf(m.index);
    if (runDir !== null) {
      try {
        globalStep = RunDir.open(runDir).readStatus()?.globalStep ?? 0;
      } catch {
        // A run folder being created or damaged: the step stays 0 here; the run's own tools say more.
      }
    }
    const log = sweep.logFile(m.index);
    const lastSubmission = [...submissions].reverse().find((s) => s.indices.includes(m.index));
    return {
      index: m.index,
      config: m.config,
      seed: m.seed,
      configText: describeConfig(sweep.manifest.configs[m.config] ?? {}),
      state,
      ...(detail ? { detail } : {}),
      runId: m.runId,
      runDir,
      globalStep: state === "completed" ? Math.max(globalStep, m.totalTimesteps) : globalStep,
      totalTimesteps: m.totalTimesteps,
      log,
      ...(state === "failed" ? { logTail: tailOfFile(log) } : {}),
      ...(lastSubmission ? { slurmJob: `${lastSubmission.jobId}_${m.index}` } : {}),
    };
  });
}

/** Members to run again: `failed` only, or every member that is not completed, queued or running. */
export function membersToRerun(statuses: readonly MemberStatus[], onlyFailed: boolean): number[] {
  return statuses
    .filter((s) => (onlyFailed ? s.state === "failed" : !["completed", "queued", "running"].includes(s.state)))
    .map((s) => s.index);
}
