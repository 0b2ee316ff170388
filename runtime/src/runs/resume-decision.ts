/**
 * Whether a run may be resumed, given its status.json and what the OS says about the process it
 * names: the whole decision, pure (the probes come in), like stop-run.ts's `decideStop`.
 *
 * The case it exists for: a status.json that says "running" and names a pid that is alive. When
 * the writer recorded its start token (process-identity.ts) the token decides. An older
 * status.json has none; then a process that started after the file was last written cannot be its
 * writer (its pid was reused), and resume proceeds, saying so. Only when neither can be told does
 * it refuse, and the refusal can be overridden (`rl-studio resume --force`, the editor's "Resume
 * Anyway"): the person who knows that process is not training the run says so.
 */
import type { RunStatus } from "./run-dir.js";

export type ResumeDecision =
  /** Resume; `notice` explains a "running" status that was found not to be running. */
  | { action: "resume"; notice?: string }
  /** Do not resume. `overridable`: only because it cannot be told (force would go ahead). */
  | { action: "refuse"; overridable: boolean; message: string };

export interface ResumeInput {
  runId: string;
  status: RunStatus | null;
  /** The user overrides an undecidable refusal. */
  force: boolean;
  /** Pids of the asking side (this process, the editor's): a status naming one of them is stale, not another trainer. */
  ownPids: readonly number[];
  /** What the OS says about `status.pid` now. */
  probe: {
    alive: boolean;
    /** The pid still has the writer's recorded start token: true, false, or null (nothing recorded / unreadable). */
    sameProcess: boolean | null;
    /** The pid's process started after status.json was last written: true, false, or null (unknown). */
    startedAfterStatus: boolean | null;
  };
}

export function decideResume(input: ResumeInput): ResumeDecision {
  const { runId, status, probe } = input;
  if (!status) return { action: "resume" };
  if (status.state === "completed") {
    return {
      action: "refuse",
      overridable: false,
      message: `${runId} already completed (${status.globalStep} of ${status.totalTimesteps} steps); nothing to resume: start a new run to train longer`,
    };
  }
  if (status.state !== "running") return { action: "resume" };
  const pid = status.pid;
  if (input.ownPids.includes(pid)) {
    return { action: "resume", notice: `${runId}: status.json names this process (${pid}), which no longer trains it; resuming` };
  }
  if (!probe.alive) {
    return { action: "resume", notice: `${runId}: process ${pid}, which trained it, is gone (killed or crashed); resuming from the last checkpoint` };
  }
  if (probe.sameProcess === true) {
    return {
      action: "refuse",
      overridable: false,
      message: `${runId} is still being trained by process ${pid}; stop it first (Ctrl-C in its terminal, or Stop in the editor)`,
    };
  }
  if (probe.sameProcess === false) {
    return { action: "resume", notice: `${runId}: process ${pid}, which trained it, is gone; its pid now belongs to another program (started later), which was left alone; resuming` };
  }
  if (probe.startedAfterStatus === true) {
    return {
      action: "resume",
      notice: `${runId}: status.json (written by an older RL Studio, without the trainer's identity) names process ${pid}, but that process started after the file was last written (${status.updatedAt}), so it is not the trainer; resuming`,
    };
  }
  const why =
    `${runId}: status.json says process ${pid} trains it and that process is alive, but ` +
    (status.writer ? "its start time cannot be read to confirm it is the trainer" : "the file was written by an older RL Studio that does not record which process that is");
  if (input.force) {
    return {
      action: "resume",
      notice: `${why}; resuming anyway as asked (--force). If process ${pid} is in fact still training this run, stop it: two trainers would write into the same folder`,
    };
  }
  return {
    action: "refuse",
    overridable: true,
    message: `${why}. If it is not training this run (it is another program, or an RL Studio that has finished), resume with --force (in the editor: Resume Anyway).`,
  };
}
