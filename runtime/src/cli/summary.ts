/**
 * The end-of-run report: one JSON object for `--json` (the last line on stdout), a short table
 * for people. Pure functions, shared by the CLI and anything else that prints a finished run.
 */
import type { TrainSummary } from "../ppo/train.js";
import type { EvalSummary } from "../ppo/policy.js";
import { displayPath } from "./errors.js";
import { formatColumns } from "./env-table.js";
import { formatDuration, formatInt, formatReturn } from "./progress.js";

/** The `--json` result of train/resume: the run id, then every field of the trainer's summary (runDir, status, backend, globalStep, wallSeconds, cpuSeconds, sps, …). */
export function trainResultJson(runId: string, summary: TrainSummary): Record<string, unknown> {
  return { runId, ...summary };
}

/** The human report of train/resume. `rewardThreshold` (when the env has one) explains a null solvedAt. */
export function formatTrainSummary(runId: string, summary: TrainSummary, rewardThreshold: number | undefined, cwd = process.cwd()): string {
  const solved =
    summary.solvedAtStep !== null
      ? `step ${formatInt(summary.solvedAtStep)} after ${formatDuration(summary.solvedAtSeconds)} (mean of last 20 ≥ ${rewardThreshold ?? "threshold"})`
      : rewardThreshold !== undefined
        ? `not reached (threshold ${rewardThreshold})`
        : "no reward threshold for this env";
  const rows = [
    ["  steps", formatInt(summary.globalStep)],
    ["  wall time", `${summary.wallSeconds.toFixed(1)} s (CPU ${summary.cpuSeconds.toFixed(1)} s)`],
    ["  SPS", `${formatInt(summary.sps)} (rollout collection alone ${formatInt(summary.rolloutSps)})`],
    ["  updates", `${formatInt(summary.updates)}, ${summary.updates > 0 ? ((1000 * summary.updateSeconds) / summary.updates).toFixed(2) : "--"} ms each`],
    ["  backend", summary.backend],
    ["  mean return (last 20)", formatReturn(summary.meanReturnLast20)],
    ["  solved at", solved],
    ["  run folder", displayPath(summary.runDir, cwd)],
  ];
  const head = `run ${runId} ${summary.status}${summary.error ? `: ${summary.error}` : ""}`;
  const tail = summary.status === "completed" ? [] : [`resume with: rl-studio resume ${displayPath(summary.runDir, cwd)}`];
  return [head, ...formatColumns(rows), ...tail].join("\n");
}

/** The `--json` result of eval. */
export function evalResultJson(runDir: string, e: EvalSummary): Record<string, unknown> {
  return { runDir, ...e };
}

export function formatEvalSummary(runId: string, e: EvalSummary): string {
  const causes = Object.entries(e.terminationCauses)
    .sort((a, b) => b[1] - a[1])
    .map(([cause, n]) => `${cause} ${n}`)
    .join(", ");
  const rows = [
    ["  episodes", String(e.episodes)],
    ["  mean return", `${formatReturn(e.meanReturn)} ± ${e.stdReturn.toFixed(1)} (std)`],
    ["  mean length", e.meanLength.toFixed(1)],
    ["  episodes ended by", causes || "--"],
    ...(e.successRate !== undefined ? [["  success rate", `${(100 * e.successRate).toFixed(0)} %`]] : []),
  ];
  return [`evaluation of ${runId}`, ...formatColumns(rows)].join("\n");
}
