/**
 * What the CLI and the runtime server both do to a sweep besides running it: cancel it, and read
 * it whole for the sweep page (each member's state, its scores from episodes.jsonl, the table per
 * configuration).
 */
import { hostname } from "node:os";
import type { SweepSummary, SweepView } from "../../../protocol/src/sweep.js";
import { getEnvSpec } from "../envs/registry.js";
import { isSameProcess } from "../runs/process-identity.js";
import { isProcessAlive, RunDir } from "../runs/run-dir.js";
import { aggregateByConfig, scoreEpisodes, type MemberResult } from "./aggregate.js";
import { ACTIVE_STATES, SlurmClient } from "./slurm.js";
import { sweepStatus, type MemberStatus } from "./status.js";
import type { SweepDir } from "./sweep-dir.js";

/** SIGINT to every member this machine runs (their writer identity checked: never another process). */
export function stopLocalMembers(s: SweepDir): string[] {
  const stopped: string[] = [];
  for (const m of s.manifest.members) {
    const r = s.readMember(m.index);
    if (r?.state !== "running" || r.host !== hostname()) continue;
    if (!isProcessAlive(r.pid) || isSameProcess(r.pid, r.writer) === false) continue;
    process.kill(r.pid, "SIGINT");
    stopped.push(`member ${m.index} (pid ${r.pid})`);
  }
  return stopped;
}

/** Cancel: scancel the sweep's active Slurm jobs, or stop this machine's running members. Says what it cancelled. */
export async function cancelSweep(s: SweepDir, slurm: SlurmClient = new SlurmClient()): Promise<string[]> {
  if (s.manifest.executor !== "slurm") return stopLocalMembers(s);
  const jobIds = [...new Set((s.manifest.slurm?.submissions ?? []).map((x) => x.jobId))];
  const active = [...new Set((await slurm.tasks(jobIds)).filter((t) => ACTIVE_STATES.has(t.state)).map((t) => t.jobId))];
  await slurm.cancel(active);
  return active.map((j) => `Slurm job ${j}`);
}

export function summarizeSweep(s: SweepDir, statuses: readonly MemberStatus[]): SweepSummary {
  const counts: SweepSummary["counts"] = {};
  for (const m of statuses) counts[m.state] = (counts[m.state] ?? 0) + 1;
  const m = s.manifest;
  return { id: s.id, dir: s.path, experimentName: m.experiment.name, envId: m.experiment.envId, executor: m.executor, members: m.members.length, counts };
}

/** The sweep page's data: statuses, every member's scores, the table per configuration. */
export async function readSweepView(s: SweepDir, slurm?: SlurmClient): Promise<SweepView> {
  const statuses = await sweepStatus(s, slurm ?? (s.manifest.executor === "slurm" ? new SlurmClient() : undefined));
  const threshold = getEnvSpec(s.manifest.experiment.envId)?.rewardThreshold ?? null;
  const results: MemberResult[] = statuses.map((st) => {
    let episodes: { globalStep: number; episodicReturn: number }[] = [];
    if (st.runDir !== null) {
      try {
        episodes = RunDir.open(st.runDir).readEpisodes();
      } catch {
        // A run folder being created or damaged scores as no episodes yet.
      }
    }
    return { index: st.index, config: st.config, seed: st.seed, state: st.state, ...scoreEpisodes(episodes, threshold) };
  });
  return {
    summary: summarizeSweep(s, statuses),
    fields: s.manifest.grid.map((a) => a.field),
    members: statuses.map(({ logTail: _tail, slurmJob: _job, ...view }) => view),
    rows: aggregateByConfig(s.manifest.configs as Record<string, unknown>[], results),
    rewardThreshold: threshold,
  };
}
