/**
 * Measured reward-component contributions from the latest run of an experiment, read from the
 * run folders the runtime writes (`.rl-studio/runs/<run-id>/episodes.jsonl`, each finished
 * episode carrying `components: { name: per-episode sum }`).
 */
import { RunDir } from "../../runtime/src/runs/run-dir.js";
import { defaultRunsRoot } from "../../runtime/src/runs/run-id.js";

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

/**
 * The newest run under the experiment's workspace whose experiment.json has this `name`, with its
 * per-component statistics; null when there is no such run. `episodes` is 0 when the run has not
 * finished an episode yet.
 */
export function latestRunContributions(experimentPath: string, experimentName: string): RunContributions | null {
  const runs = RunDir.list(defaultRunsRoot(experimentPath));
  for (const run of runs) {
    let name: unknown;
    try {
      name = run.readExperiment().name;
    } catch {
      continue;
    }
    if (name !== experimentName) continue;
    let episodes: ReturnType<RunDir["readEpisodes"]> = [];
    try {
      episodes = run.readEpisodes();
    } catch {
      episodes = [];
    }
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
    return { runId: run.id, episodes: n, meanEpisodicReturn: n > 0 ? returnSum / n : 0, components };
  }
  return null;
}
