/**
 * A sweep's results per configuration, pure: for each member, the final and best mean return
 * (means over a window of 20 consecutive finished episodes — the window of Gymnasium's / RL
 * Studio's "solved" criterion) and the first step at which that mean reached the env's reward
 * threshold; then per configuration the mean ± std of those over its seeds.
 *
 * std is the sample standard deviation (n − 1 in the denominator, as rliable and most RL papers
 * report over seeds); it is null for fewer than two values.
 */

import type { ConfigRow, MeanStd } from "../../../protocol/src/sweep.js";

export type { ConfigRow, MeanStd } from "../../../protocol/src/sweep.js";

export const RETURN_WINDOW = 20;

export interface MemberScore {
  /** Mean return of the last `window` episodes (fewer when the run had fewer); null before any. */
  finalMeanReturn: number | null;
  /** Highest mean over `window` consecutive episodes; with fewer episodes, their mean. */
  bestMeanReturn: number | null;
  /** First global step at which the windowed mean reached the threshold (a full window), or null. */
  stepsToSolve: number | null;
  episodes: number;
}

/** Scores of one run from its episodes in order (episodes.jsonl). */
export function scoreEpisodes(episodes: readonly { globalStep: number; episodicReturn: number }[], threshold: number | null, window = RETURN_WINDOW): MemberScore {
  const n = episodes.length;
  if (n === 0) return { finalMeanReturn: null, bestMeanReturn: null, stepsToSolve: null, episodes: 0 };
  let sum = 0;
  let best = -Infinity;
  let solved: number | null = null;
  for (let i = 0; i < n; i++) {
    sum += episodes[i]!.episodicReturn;
    if (i >= window) sum -= episodes[i - window]!.episodicReturn;
    if (i >= window - 1) {
      const mean = sum / window;
      if (mean > best) best = mean;
      if (solved === null && threshold !== null && mean >= threshold) solved = episodes[i]!.globalStep;
    }
  }
  const last = episodes.slice(-window);
  const final = last.reduce((a, e) => a + e.episodicReturn, 0) / last.length;
  return { finalMeanReturn: final, bestMeanReturn: n >= window ? best : final, stepsToSolve: solved, episodes: n };
}

/** Mean and sample std (null below two values); null mean for none. */
export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: null, std: null, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, std: null, n };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance), n };
}

export interface MemberResult extends MemberScore {
  index: number;
  config: number;
  seed: number;
  state: string;
}

/** One row per configuration, in configuration order. */
export function aggregateByConfig(configs: readonly Record<string, unknown>[], members: readonly MemberResult[]): ConfigRow[] {
  return configs.map((values, config) => {
    const mine = members.filter((m) => m.config === config);
    const nums = (pick: (m: MemberResult) => number | null) => mine.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
    const solvedSteps = nums((m) => m.stepsToSolve);
    return {
      config,
      values,
      seeds: mine.length,
      completed: mine.filter((m) => m.state === "completed").length,
      finalMeanReturn: meanStd(nums((m) => m.finalMeanReturn)),
      bestMeanReturn: meanStd(nums((m) => m.bestMeanReturn)),
      stepsToSolve: meanStd(solvedSteps),
      solved: solvedSteps.length,
    };
  });
}

export type ConfigSortKey = "config" | "finalMeanReturn" | "bestMeanReturn" | "stepsToSolve" | `value:${string}`;

/**
 * Rows sorted by a column (stable; rows without a value last whichever the direction). Steps to
 * solve sorts rows that never solved after every row that did.
 */
export function sortConfigRows(rows: readonly ConfigRow[], key: ConfigSortKey, descending: boolean): ConfigRow[] {
  const valueOf = (r: ConfigRow): number | string | null => {
    if (key === "config") return r.config;
    if (key.startsWith("value:")) {
      const v = r.values[key.slice(6)];
      return typeof v === "number" ? v : v === undefined ? null : JSON.stringify(v);
    }
    return r[key as "finalMeanReturn" | "bestMeanReturn" | "stepsToSolve"].mean;
  };
  return rows
    .map((r, i) => ({ r, i, v: valueOf(r) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const c = typeof a.v === "number" && typeof b.v === "number" ? a.v - b.v : String(a.v).localeCompare(String(b.v));
      return (descending ? -c : c) || a.i - b.i;
    })
    .map((x) => x.r);
}
