/**
 * How the Runs view groups an experiment's runs, pure (no `vscode`): sweep members under their
 * sweep (newest sweep first, members by index), other runs after them (newest first); and a
 * sweep row's live status line from its members' states.
 */
import type { RunState, RunSummary } from "../../protocol/src/runtime.js";

export interface ExperimentChildren {
  sweeps: { id: string; runIds: string[] }[];
  runIds: string[];
}

const newestFirst = (a: RunSummary, b: RunSummary) => (b.createdAt ?? b.runId).localeCompare(a.createdAt ?? a.runId);

export function experimentChildren(runs: readonly RunSummary[]): ExperimentChildren {
  const bySweep = new Map<string, RunSummary[]>();
  const plain: RunSummary[] = [];
  for (const r of runs) {
    if (r.sweep) {
      const list = bySweep.get(r.sweep.id) ?? [];
      list.push(r);
      bySweep.set(r.sweep.id, list);
    } else plain.push(r);
  }
  const sweeps = [...bySweep.entries()]
    .sort(([a], [b]) => b.localeCompare(a))
    .map(([id, members]) => ({ id, runIds: members.sort((a, b) => a.sweep!.index - b.sweep!.index).map((m) => m.runId) }));
  return { sweeps, runIds: plain.sort(newestFirst).map((r) => r.runId) };
}

const ORDER: RunState[] = ["completed", "running", "stopped", "failed"];

/** `2/4 completed · 1 running · 1 failed`. */
export function sweepDescription(states: readonly RunState[]): string {
  const count = (s: RunState) => states.filter((x) => x === s).length;
  const parts = [`${count("completed")}/${states.length} completed`];
  for (const s of ORDER.slice(1)) if (count(s) > 0) parts.push(`${count(s)} ${s}`);
  return parts.join(" · ");
}
