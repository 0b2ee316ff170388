/**
 * The runtime supervisor's rules, free of `vscode` so they are unit-tested: the restart backoff,
 * when to give up, and what the user sees for each health state (status bar item and crash
 * notification). A crash is never silent: while restarting the status bar says so; after giving up
 * it stays red ("RL runtime stopped") with links to the log and to Restart Runtime, and the
 * notification offers both.
 */
import { markdownText } from "../../common/src/markdown.js";

export type RuntimeHealth =
  | { kind: "stopped" }
  | { kind: "starting" }
  | { kind: "ready"; pid: number; nodeVersion: string }
  /**
   * Exited unexpectedly or failed to start. `restartInMs`: the backoff before the automatic
   * restart, null when there is none (it gave up after too many crashes, or it failed to start);
   * `crashes`: crashes counted in the current window.
   */
  | { kind: "crashed"; reason: string; restartInMs: number | null; crashes?: number };

export interface CrashPolicy {
  /** Crashes within this window count toward giving up; a runtime up longer than it resets the count. */
  windowMs: number;
  /** Give up when more crashes than this fall within the window. */
  maxCrashesInWindow: number;
  /** Backoff before the first restart; it doubles with each further crash in the window. */
  baseDelayMs: number;
  /** Cap of the backoff. */
  maxDelayMs: number;
}

/** More than 5 crashes within 3 minutes: give up. Restarts after 1 s, 2 s, 4 s, 8 s, 16 s (capped at 30 s). */
export const DEFAULT_CRASH_POLICY: CrashPolicy = { windowMs: 3 * 60_000, maxCrashesInWindow: 5, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** Backoff before restart n (1-based): 1 s, 2 s, 4 s, … capped at 30 s. */
export function restartDelayMs(attempt: number, policy: CrashPolicy = DEFAULT_CRASH_POLICY): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

export interface CrashDecision {
  /** Crash times to remember (this one included). */
  crashes: number[];
  /** Backoff before the restart; null: give up (no automatic restart). */
  restartInMs: number | null;
}

/**
 * What to do about a crash at `now` of a runtime that had been up `uptimeMs`, given the earlier
 * crash times. A runtime that stayed up longer than the window starts a fresh count; otherwise
 * crashes older than the window are forgotten. Crash n of the window restarts after
 * `restartDelayMs(n)`; one more than `maxCrashesInWindow` gives up.
 */
export function decideRestart(previous: readonly number[], now: number, uptimeMs: number, policy: CrashPolicy = DEFAULT_CRASH_POLICY): CrashDecision {
  const kept = uptimeMs > policy.windowMs ? [] : previous.filter((t) => now - t < policy.windowMs);
  const crashes = [...kept, now];
  const restartInMs = crashes.length > policy.maxCrashesInWindow ? null : restartDelayMs(crashes.length, policy);
  return { crashes, restartInMs };
}

export const SHOW_LOG_COMMAND = "rlStudio.showRuntimeLog";
export const RESTART_RUNTIME_COMMAND = "rlStudio.restartRuntime";
export const SHOW_LOG_BUTTON = "Show Log";
export const RESTART_BUTTON = "Restart Runtime";

export interface HealthView {
  /** Hidden while stopped (nothing needed the runtime yet, or it was stopped on purpose). */
  visible: boolean;
  text: string;
  /** Markdown tooltip; command links in it are the `enabledCommands`. */
  tooltip: string;
  enabledCommands: string[];
  /** Click action. */
  command: string;
  error: boolean;
}

function minutes(ms: number): string {
  const m = ms / 60_000;
  return Number.isInteger(m) ? `${m} minute${m === 1 ? "" : "s"}` : `${Math.round(ms / 1000)} s`;
}

/** The status bar item of a health state. */
export function healthView(h: RuntimeHealth, policy: CrashPolicy = DEFAULT_CRASH_POLICY): HealthView {
  const links = `[Show Log](command:${SHOW_LOG_COMMAND}) · [Restart Runtime](command:${RESTART_RUNTIME_COMMAND})`;
  // The tooltip is trusted for the two commands of its links; the crash reason (an error message,
  // the node path from settings) and the node version are text in it, never markdown.
  const base = { visible: true, enabledCommands: [SHOW_LOG_COMMAND, RESTART_RUNTIME_COMMAND], command: SHOW_LOG_COMMAND, error: false };
  switch (h.kind) {
    case "stopped":
      return { ...base, visible: false, text: "", tooltip: "", enabledCommands: [] };
    case "starting":
      return { ...base, text: "$(loading~spin) RL runtime", tooltip: "RL Studio: starting the runtime process…", enabledCommands: [SHOW_LOG_COMMAND] };
    case "ready":
      return { ...base, text: "$(beaker) RL runtime", tooltip: `RL Studio runtime ready (pid ${h.pid}, Node ${markdownText(h.nodeVersion)}). Click for its log.` };
    case "crashed": {
      if (h.restartInMs !== null) {
        return { ...base, error: true, text: "$(error) RL runtime crashed", tooltip: `RL Studio: ${markdownText(h.reason)}. Restarting in ${Math.round(h.restartInMs / 1000)} s.\n\n${links}` };
      }
      const why =
        h.crashes !== undefined && h.crashes > policy.maxCrashesInWindow
          ? `Not restarting automatically: it crashed ${h.crashes} times within ${minutes(policy.windowMs)}.`
          : "Not restarting automatically.";
      // Failed for good: the click restarts; the tooltip links to the log (the cause) and to Restart.
      return { ...base, error: true, command: RESTART_RUNTIME_COMMAND, text: "$(error) RL runtime stopped", tooltip: `RL Studio: ${markdownText(h.reason)}. ${why} Click to restart.\n\n${links}` };
    }
  }
}

export interface CrashNotice {
  message: string;
  /** Buttons, in order: Show Log, then Restart Runtime when it gave up. */
  buttons: string[];
}

/** The error notification of a crash; `runIds`: the runs it was training (marked failed, resumable). */
export function crashNotice(reason: string, restartInMs: number | null, crashes: number, runIds: readonly string[], policy: CrashPolicy = DEFAULT_CRASH_POLICY): CrashNotice {
  const runs = runIds.length > 0 ? ` Run ${runIds.join(", ")} was marked failed; resume it from the Runs view.` : "";
  if (restartInMs !== null) return { message: `RL Studio: ${reason}; restarting it in ${Math.round(restartInMs / 1000)} s.${runs}`, buttons: [SHOW_LOG_BUTTON] };
  return {
    message: `RL Studio: ${reason}. The runtime crashed ${crashes} times within ${minutes(policy.windowMs)}, so it is not restarted automatically: see the log for the cause, then restart it.${runs}`,
    buttons: [SHOW_LOG_BUTTON, RESTART_BUTTON],
  };
}
