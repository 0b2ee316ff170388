/**
 * Measured reward-component contributions from the latest run of an experiment, read from the
 * run folders the runtime writes (`<runs root>/<run-id>/episodes.jsonl`, each finished episode
 * carrying `components: { name: per-episode sum }`), through the run-folder cache.
 */
import type { EpisodeRecord } from "../../runtime/src/runs/run-dir.js";
import { RunFolderCache } from "./run-cache.js";

export interface ComponentContribution {
  /** Mean over finished episodes of the component's per-episode sum. */
  meanPerEpisode: number;
  /** |mean| as a fraction of the sum of all components' |mean|: its share of the shaped return. */
  share: number;
}

export interface RunContributions {
  runId: string;
  episodes: number;
  meanEpisodicReturn: number;
  components: Map<string, ComponentContribution>;
}

/** Per-component statistics of a run's finished episodes. */
export function contributions(runId: string, episodes: readonly EpisodeRecord[]): RunContributions {
  const sums = new Map<string, number>();
  let returnSum = 0;
  for (const e of episodes) {
    returnSum += e.episodicReturn;
    for (const [k, v] of Object.entries(e.components ?? {})) {
      if (typeof v === "number" && Number.isFinite(v)) sums.set(k, (sums.get(k) ?? 0) + v);
    }
  }
  const n = episodes.length;
  const means = new Map([...sums].map(([k, s]) => [k, n > 0 ? s / n : 0]));
  const total = [...means.values()].reduce((a, m) => a + Math.abs(m), 0);
  const components = new Map<string, ComponentContribution>();
  for (const [k, m] of means) components.set(k, { meanPerEpisode: m, share: total > 0 ? Math.abs(m) / total : 0 });
  return { runId, episodes: n, meanEpisodicReturn: n > 0 ? returnSum / n : 0, components };
}

/**
 * The newest run under `runsRoot` whose experiment.json has this `name`, with its per-component
 * statistics; null when there is no such run. `episodes` is 0 when the run has not finished an
 * episode yet.
 */
export function latestRunContributions(runsRoot: string, experimentName: string, cache: RunFolderCache): RunContributions | null {
  const run = cache.list(runsRoot).find((r) => r.experiment?.name === experimentName);
  return run ? cache.episodes(run, "contributions", (episodes) => contributions(run.id, episodes)) : null;
}
