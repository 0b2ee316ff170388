/**
 * Stopping a run that another process trains — typically `npx rl-studio train …` in a terminal,
 * which the editor's runtime does not own. The CLI stops gracefully on SIGINT (first Ctrl-C: stop
 * at the iteration boundary, write a checkpoint and status "stopped", exit 130), so Stop asks it
 * exactly that way, and only after making sure the pid in status.json is still that trainer
 * (process-identity.ts): nothing unrelated is ever signalled.
 *
 * `decideStop` is the whole decision, pure (the probe results come in); `stopExternalRun` does the
 * I/O: read status.json, probe the pid, decide, signal, and wait for status.json to say stopped.
 */
import type { RunState } from "../../../protocol/src/runtime.js";
import { processStartToken } from "./process-identity.js";
import { isProcessAlive, RunDir, type RunStatus } from "./run-dir.js";

/** Why Stop does nothing to a run (each has its own message). */
export type StopRefusal =
  /** No status.json: the run never started training. */
  | "no-status"
  /** status.json says completed, stopped or failed. */
  | "not-running"
  /** status.json names one of the asking processes, but none of them trains it (it ended without its final status). */
  | "stale"
  /** The pid in status.json is gone: the trainer was killed or crashed. */
  | "process-gone"
  /** The pid is alive but started after the trainer did: the OS reused it for another program. */
  | "pid-reused"
  /** It cannot be confirmed that the pid is still the trainer (an older status.json, or the OS does not say). */
  | "unverifiable"
  /** The trainer does not stop on SIGINT (another editor window's runtime). */
  | "not-interruptible"
  /** Windows cannot send Ctrl-C to another process. */
  | "windows";

export type StopDecision =
  /** This process trains the run: abort its trainer. */
  | { action: "abort-local" }
  /** Ask the trainer `pid` to stop: it checkpoints and writes "stopped". */
  | { action: "signal"; pid: number; signal: "SIGINT"; message: string }
  /** Leave every process alone; `state` is what the run effectively is, `message` says why. */
  | { action: "none"; reason: StopRefusal; state: RunState; pid: number | null; message: string };

export interface StopInput {
  runId: string;
  /** The asking process trains this run itself (its own AbortController). */
  trainingHere: boolean;
  status: RunStatus | null;
  /** Pids of the asking side (the extension host, its runtime): a status naming one of them is not another process's. */
  ownPids: readonly number[];
  platform: NodeJS.Platform;
  /** What the OS says about `status.pid` now. */
  probe: { alive: boolean; startToken: string | null };
}

const HOW_TO_STOP_BY_HAND = "press Ctrl-C in the terminal that runs it";

export function decideStop(input: StopInput): StopDecision {
  const { runId, status, probe } = input;
  if (input.trainingHere) return { action: "abort-local" };
  const none = (reason: StopRefusal, state: RunState, message: string): StopDecision => ({ action: "none", reason, state, pid: status?.pid ?? null, message });
  if (!status) return none("no-status", "stopped", `${runId} is not training: it has no status.json (it never started training).`);
  if (status.state !== "running") return none("not-running", status.state, `${runId} is not training (it is ${status.state}).`);
  const pid = status.pid;
  if (input.ownPids.includes(pid)) {
    return none("stale", "stopped", `${runId} is not training: its status names this editor's process ${pid}, which no longer trains it; it can be resumed.`);
  }
  if (!probe.alive) {
    return none("process-gone", "stopped", `${runId} is not training: process ${pid}, which trained it, is gone (killed or crashed). The run counts as stopped and can be resumed from its last checkpoint.`);
  }
  if (input.platform === "win32") {
    return none(
      "windows",
      "running",
      `${runId} is being trained by another process (pid ${pid}), e.g. \`rl-studio train\` in a terminal. Windows cannot send Ctrl-C to another process, so RL Studio cannot stop it gracefully from here: ${HOW_TO_STOP_BY_HAND}. Nothing was stopped.`,
    );
  }
  const writer = status.writer;
  if (!writer) {
    return none(
      "unverifiable",
      "running",
      `${runId} says it is trained by process ${pid}, but its status.json was written by an older RL Studio that does not record which process that is, so RL Studio cannot be sure pid ${pid} is still the trainer and leaves it alone: ${HOW_TO_STOP_BY_HAND}.`,
    );
  }
  if (writer.startToken === null || probe.startToken === null) {
    return none(
      "unverifiable",
      "running",
      `${runId} says it is trained by process ${pid}, but the start time of that process cannot be read to confirm it is still the trainer, so RL Studio leaves it alone: ${HOW_TO_STOP_BY_HAND}.`,
    );
  }
  if (writer.startToken !== probe.startToken) {
    return none(
      "pid-reused",
      "stopped",
      `${runId} is not training: process ${pid}, which trained it, is gone, and its pid now belongs to another program (started later), which was left alone. The run counts as stopped and can be resumed from its last checkpoint.`,
    );
  }
  if (!writer.stopsOnSigint) {
    return none(
      "not-interruptible",
      "running",
      `${runId} is being trained by process ${pid} (${writer.entry || "unknown"}), which does not stop on Ctrl-C — probably the RL Studio runtime of another editor window: stop it from that window.`,
    );
  }
  return { action: "signal", pid, signal: "SIGINT", message: `asked process ${pid} (${writer.entry || "rl-studio"}) to stop, as Ctrl-C in its terminal would` };
}

/** Progress while waiting for the other process to stop. */
export interface ExternalStopProgress {
  pid: number;
  elapsedMs: number;
  /** The step status.json reports (it advances at checkpoints). */
  globalStep: number;
}

export interface ExternalStopOptions {
  /** Give up waiting after this long (the signal stays sent); default 120 s. */
  timeoutMs?: number;
  /** How often status.json is read; default 200 ms. */
  pollMs?: number;
  /** Pids of the asking side besides this process (e.g. the editor's runtime process). */
  ownPids?: readonly number[];
  onProgress?: (p: ExternalStopProgress) => void;
  /** Stop waiting (the signal stays sent). */
  signal?: AbortSignal;
  /** For tests: the platform to decide for. */
  platform?: NodeJS.Platform;
}

export interface ExternalStopResult {
  /** True when this call made the run stop (status.json now says it is no longer running). */
  stopped: boolean;
  /** What happened: the decision's refusal, "signalled" (and it stopped), "timeout", "cancelled", or "signal-failed". */
  outcome: StopRefusal | "signalled" | "timeout" | "cancelled" | "signal-failed";
  /** The run's state afterwards, as the Runs view should show it. */
  state: RunState;
  pid: number | null;
  /** status.json's step afterwards. */
  globalStep: number | null;
  /** One sentence for the user. */
  message: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

function readStatusQuietly(run: RunDir): RunStatus | null | undefined {
  try {
    return run.readStatus();
  } catch {
    // Unreadable for a moment (a foreign writer): read again on the next poll.
    return undefined;
  }
}

/** Stops in progress in this process, by run folder: a second Stop (a double click) waits for the first. */
const inFlight = new Map<string, Promise<ExternalStopResult>>();

/**
 * Stop the run in `runDir` that another process trains: decide (`decideStop`), send SIGINT when
 * that is safe, then wait until status.json no longer says running (or the process is gone, or
 * the timeout). Never signals more than once per call, and a call made while another is waiting
 * for the same run joins it: a second SIGINT would make the CLI exit at once, without its final
 * checkpoint.
 */
export function stopExternalRun(runDir: string, opts: ExternalStopOptions = {}): Promise<ExternalStopResult> {
  const run = RunDir.open(runDir);
  const pending = inFlight.get(run.path);
  if (pending) return pending;
  const p = stopOnce(run, opts).finally(() => inFlight.delete(run.path));
  inFlight.set(run.path, p);
  return p;
}

async function stopOnce(run: RunDir, opts: ExternalStopOptions): Promise<ExternalStopResult> {
  const status = run.readStatus();
  const probe = (pid: number) => ({ alive: isProcessAlive(pid), startToken: processStartToken(pid) });
  const decision = decideStop({
    runId: run.id,
    trainingHere: false,
    status,
    ownPids: [process.pid, ...(opts.ownPids ?? [])],
    platform: opts.platform ?? process.platform,
    probe: status ? probe(status.pid) : { alive: false, startToken: null },
  });
  if (decision.action === "none") {
    return { stopped: false, outcome: decision.reason, state: decision.state, pid: decision.pid, globalStep: status?.globalStep ?? null, message: decision.message };
  }
  if (decision.action === "abort-local") throw new Error("unreachable: trainingHere is false");
  const { pid } = decision;
  const expected = status!.writer!.startToken;
  const justExited = (): ExternalStopResult => ({ stopped: false, outcome: "process-gone", state: "stopped", pid, globalStep: status!.globalStep, message: `${run.id} is not training: process ${pid} has just exited.` });
  // Check again right before signalling: the window in which the pid could be recycled is now
  // the few microseconds between this read and the kill.
  if (processStartToken(pid) !== expected) return justExited();
  try {
    process.kill(pid, decision.signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return justExited();
    return {
      stopped: false,
      outcome: "signal-failed",
      state: "running",
      pid,
      globalStep: status!.globalStep,
      message: `could not ask process ${pid} to stop ${run.id} (${code === "EPERM" ? "it belongs to another user" : (err as Error).message}): ${HOW_TO_STOP_BY_HAND}.`,
    };
  }
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const pollMs = opts.pollMs ?? 200;
  const t0 = Date.now();
  let last: RunStatus = status!;
  for (;;) {
    const now = readStatusQuietly(run);
    if (now) last = now;
    if (now && now.state !== "running") {
      return {
        stopped: true,
        outcome: "signalled",
        state: now.state,
        pid,
        globalStep: now.globalStep,
        message:
          now.state === "stopped"
            ? `stopped ${run.id} at step ${now.globalStep.toLocaleString("en-US")} (process ${pid} wrote its checkpoint); resume continues from there.`
            : `${run.id} ended as ${now.state} at step ${now.globalStep.toLocaleString("en-US")} while stopping${now.error ? `: ${now.error}` : ""}.`,
      };
    }
    if (!isProcessAlive(pid) || processStartToken(pid) !== expected) {
      // Gone without writing its final status: killed meanwhile (or a second Ctrl-C). Still resumable.
      const after = readStatusQuietly(run) ?? last;
      if (after && after.state !== "running") continue;
      return {
        stopped: true,
        outcome: "signalled",
        state: "stopped",
        pid,
        globalStep: after?.globalStep ?? null,
        message: `process ${pid} exited without writing its final status; ${run.id} counts as stopped and resumes from its last checkpoint.`,
      };
    }
    const elapsedMs = Date.now() - t0;
    opts.onProgress?.({ pid, elapsedMs, globalStep: last.globalStep });
    if (opts.signal?.aborted) {
      return { stopped: false, outcome: "cancelled", state: "running", pid, globalStep: last.globalStep, message: `stopped waiting; process ${pid} was asked to stop ${run.id} and stops after its current iteration.` };
    }
    if (elapsedMs >= timeoutMs) {
      return {
        stopped: false,
        outcome: "timeout",
        state: "running",
        pid,
        globalStep: last.globalStep,
        message: `process ${pid} was asked to stop ${run.id} but still trains after ${Math.round(elapsedMs / 1000)} s (it stops at the end of its current iteration); refresh the Runs view later, or ${HOW_TO_STOP_BY_HAND}.`,
      };
    }
    await sleep(Math.min(pollMs, Math.max(1, timeoutMs - elapsedMs)), opts.signal);
  }
}
