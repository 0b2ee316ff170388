/**
 * Measured sub-goal achievement in the latest runs of an experiment, from the run folders'
 * episodes.jsonl (each finished episode carries `subgoals: { name: step reached }`), through the
 * run-folder cache: for the hover on a sub-goal's name.
 */
import type { EpisodeRecord } from "../../runtime/src/runs/run-dir.js";
import type { RunFolderCache } from "./run-cache.js";

/** Episodes counted from the end of each run: the policy as it trains now, not its first random steps. */
export const RECENT_EPISODES = 100;

export interface SubgoalAchievement {
  runId: string;
  /** Episodes counted (the run's last RECENT_EPISODES finished ones). */
  episodes: number;
  /** Per sub-goal name: share of those episodes that reached it, and the median step at which they did. */
  rates: Map<string, { rate: number; medianStep: number | null }>;
  /** False when the run's episodes carry no sub-goal record (trained before this experiment had sub-goals). */
  hasSubgoals: boolean;
}

export function subgoalAchievement(runId: string, all: readonly EpisodeRecord[]): SubgoalAchievement {
  const episodes = all.slice(-RECENT_EPISODES);
  const steps = new Map<string, number[]>();
  let hasSubgoals = false;
  for (const e of episodes) {
    if (!e.subgoals) continue;
    hasSubgoals = true;
    for (const [name, step] of Object.entries(e.subgoals)) {
      const list = steps.get(name) ?? [];
      list.push(step);
      steps.set(name, list);
    }
  }
  const rates = new Map<string, { rate: number; medianStep: number | null }>();
  for (const [name, list] of steps) {
    list.sort((a, b) => a - b);
    const n = list.length;
    rates.set(name, { rate: n / Math.max(1, episodes.length), medianStep: n === 0 ? null : n % 2 ? list[(n - 1) / 2]! : (list[n / 2 - 1]! + list[n / 2]!) / 2 });
  }
  return { runId, episodes: episodes.length, rates, hasSubgoals };
}

/** The newest `count` runs of the experiment `experimentName` under `runsRoot`, newest first, with their achievement. */
export function latestSubgoalAchievement(runsRoot: string, experimentName: string, cache: RunFolderCache, count = 3): SubgoalAchievement[] {
  return cache
    .list(runsRoot)
    .filter((r) => r.experiment?.name === experimentName)
    .slice(0, count)
    .map((run) => cache.episodes(run, "subgoals", (episodes) => subgoalAchievement(run.id, episodes)));
}
