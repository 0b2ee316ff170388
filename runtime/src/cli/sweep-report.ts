/** How the sweep commands show a sweep on a terminal: the members table, failures with their logs, the progress bar. */
import type { MemberState, MemberStatus } from "../sweeps/status.js";
import { displayPath } from "./errors.js";
import { formatDuration, formatInt, type ProgressView } from "./progress.js";

export interface SweepProgress {
  /** Environment steps trained so far, summed over members (completed members count whole). */
  steps: number;
  total: number;
  members: number;
  completed: number;
  running: number;
  failed: number;
  /** Steps per second over the sweep so far, all members together. */
  sps: number;
}

export const SWEEP_PROGRESS_VIEW: ProgressView<SweepProgress> = {
  barFormat: "{bar} {percentage}% | members {done} | {running} running | {failed} failed | {sps} SPS | ETA {remaining}",
  value: (p) => p.steps,
  total: (p) => p.total,
  payload: (p) => ({
    done: `${p.completed}/${p.members}`,
    running: String(p.running),
    failed: String(p.failed),
    sps: formatInt(p.sps),
    remaining: formatDuration(p.sps > 0 ? (p.total - p.steps) / p.sps : null),
  }),
  line: (p) =>
    `members ${p.completed}/${p.members} completed, ${p.running} running, ${p.failed} failed  steps ${formatInt(p.steps)}/${formatInt(p.total)}  ${formatInt(p.sps)} SPS`,
};

/** Members per state, in the order states are listed. */
export function countStates(statuses: readonly MemberStatus[]): Partial<Record<MemberState, number>> {
  const counts: Partial<Record<MemberState, number>> = {};
  for (const s of statuses) counts[s.state] = (counts[s.state] ?? 0) + 1;
  return counts;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** The members table, then each failed member with its error, log path and the log's last lines. */
export function formatSweepStatus(sweepId: string, statuses: readonly MemberStatus[], cwd: string): string {
  const counts = countStates(statuses);
  const summary = Object.entries(counts)
    .map(([state, n]) => `${n} ${state}`)
    .join(", ");
  const rows = statuses.map((s) => [
    String(s.index),
    s.configText,
    String(s.seed),
    s.state,
    `${formatInt(s.globalStep)}/${formatInt(s.totalTimesteps)}`,
    s.runId,
    s.detail && s.state !== "failed" ? s.detail : "",
  ]);
  const header = ["#", "configuration", "seed", "state", "steps", "run", ""];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => "  " + cells.map((c, i) => pad(c, widths[i]!)).join("  ").trimEnd();
  const out = [`sweep ${sweepId}: ${statuses.length} members, ${summary}`, line(header), ...rows.map(line)];
  const failed = statuses.filter((s) => s.state === "failed");
  if (failed.length > 0) {
    out.push("", "failed members:");
    for (const s of failed) {
      out.push(`  #${s.index} ${s.configText} seed ${s.seed}: ${s.detail ?? "failed"}`);
      out.push(`    log: ${displayPath(s.log, cwd)}`);
      if (s.logTail) out.push(...s.logTail.split("\n").map((l) => `    | ${l}`));
    }
  }
  return out.join("\n");
}
