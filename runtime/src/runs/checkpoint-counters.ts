/**
 * The counters every training checkpoint carries (`meta.counters`), and their validation against
 * the run folder's own records before a resume touches anything.
 *
 * Why so strict: resume trusts the checkpoint's global step to decide which metrics and episode
 * lines are stale (written after the checkpoint, so the resumed trainer writes them again) and
 * drops those. A damaged counter (`globalStep: -5`, a NaN, a step the metrics never reached) would
 * make it drop lines that are not stale — the run's history. So every field is checked for type,
 * range and finiteness, and for consistency with the other counters and with metrics.jsonl and
 * episodes.jsonl; only a checkpoint that passes is `VerifiedCounters`, and only those let
 * `RunDir.truncateAfter` delete a line.
 *
 * Pure: the records come in, nothing is read or written here.
 */
import type { Checkpoint } from "./checkpoint.js";
import { CheckpointError } from "./checkpoint.js";
import type { EpisodeRecord, MetricsRecord } from "../../../protocol/src/runtime.js";

/** Episodes averaged for `meanReturnLast20` and the solved criterion. */
export const RETURN_WINDOW = 20;

/** What a trainer counts across processes: restored on resume, so the curves continue. */
export interface RunCounters {
  /** Environment steps taken so far, summed over the vector env's copies. */
  globalStep: number;
  /** Training iterations (PPO: rollout + update) completed. */
  iteration: number;
  /** Wall and CPU seconds spent by every process that trained this run so far. */
  wallSeconds: number;
  cpuSeconds: number;
  /** First step / wall time at which the mean of the last RETURN_WINDOW episodes reached the env's threshold. */
  solvedAtStep: number | null;
  solvedAtSeconds: number | null;
  /** Returns of the last (up to RETURN_WINDOW) finished episodes, oldest first. */
  recentReturns: number[];
  /** Episodes finished so far. */
  episodes: number;
}

export function freshCounters(): RunCounters {
  return { globalStep: 0, iteration: 0, wallSeconds: 0, cpuSeconds: 0, solvedAtStep: null, solvedAtSeconds: null, recentReturns: [], episodes: 0 };
}

declare const verified: unique symbol;

/** Counters that passed `checkRunCheckpoint` against the run folder's records: safe to truncate after. */
export type VerifiedCounters = RunCounters & { readonly [verified]: true };

/** What the counters are checked against. */
export interface CounterContext {
  /** The checkpoint file, for messages. */
  file: string;
  /** `meta.format` the trainer writes, e.g. "rl-studio/ppo-checkpoint@1". */
  format: string;
  /** Environment steps per iteration (PPO's batch size): every checkpoint is taken between iterations. */
  stepsPerIteration: number;
  /** Iterations the run trains for in all. */
  numIterations: number;
  /** metrics.jsonl and episodes.jsonl as they are now (whole records). */
  metrics: readonly MetricsRecord[];
  episodes: readonly EpisodeRecord[];
}

/** Larger than any real wall or CPU time (≈ 31 years) and than any real step count: a corrupt value, not a long run. */
const MAX_SECONDS = 1e9;

const show = (v: unknown): string => {
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  if (v === undefined) return "missing";
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}…` : s;
  } catch {
    return typeof v;
  }
};

/**
 * Checks `ckpt.meta.format` and every field of `ckpt.meta.counters`; throws `CheckpointError`
 * naming the field, its value and what it must be. Returns the counters, verified.
 */
export function checkRunCheckpoint(ckpt: Checkpoint, ctx: CounterContext): VerifiedCounters {
  const bad = (field: string, value: unknown, must: string): never => {
    throw new CheckpointError(ctx.file, `${field} = ${show(value)}: ${must}`);
  };
  if (ckpt.meta.format !== ctx.format) bad("meta.format", ckpt.meta.format, `must be "${ctx.format}"`);
  const raw = ckpt.meta.counters;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) bad("meta.counters", raw, "must be an object of counters");
  const c = raw as Record<string, unknown>;
  const integer = (key: string, max: number): number => {
    const v = c[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) bad(`counters.${key}`, v, "must be a non-negative integer");
    if ((v as number) > max) bad(`counters.${key}`, v, `must be at most ${max}`);
    return v as number;
  };
  const seconds = (key: string): number => {
    const v = c[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) bad(`counters.${key}`, v, "must be a finite number of seconds ≥ 0");
    if ((v as number) > MAX_SECONDS) bad(`counters.${key}`, v, `must be at most ${MAX_SECONDS} seconds`);
    return v as number;
  };

  const { stepsPerIteration: batch, numIterations } = ctx;
  const globalStep = integer("globalStep", numIterations * batch);
  if (globalStep % batch !== 0) bad("counters.globalStep", globalStep, `must be a multiple of the ${batch} steps per iteration`);
  const iteration = integer("iteration", numIterations);
  if (iteration * batch !== globalStep) {
    bad("counters.iteration", iteration, `must be globalStep / ${batch} = ${globalStep / batch} (globalStep is ${globalStep})`);
  }
  const wallSeconds = seconds("wallSeconds");
  const cpuSeconds = seconds("cpuSeconds");

  // The metrics line of the checkpoint's iteration is written before the checkpoint: it must be there.
  const metricsFile = "metrics.jsonl";
  const lastMetric = ctx.metrics.at(-1);
  if (globalStep > 0) {
    if (!lastMetric || lastMetric.globalStep < globalStep) {
      bad("counters.globalStep", globalStep, `is beyond the last line of ${metricsFile} (${lastMetric ? `step ${lastMetric.globalStep}` : "it has none"}): the checkpoint does not belong to these metrics`);
    }
    const line = ctx.metrics.find((r) => r.globalStep === globalStep);
    if (!line) bad("counters.globalStep", globalStep, `has no line in ${metricsFile}, which every checkpointed iteration writes first`);
    if (line!.iteration !== iteration) bad("counters.iteration", iteration, `but ${metricsFile} records iteration ${line!.iteration} at step ${globalStep}`);
    if (line!.wallSeconds > wallSeconds + 1e-6) {
      bad("counters.wallSeconds", wallSeconds, `is less than the ${line!.wallSeconds} s ${metricsFile} records at step ${globalStep}, before the checkpoint was taken`);
    }
  }

  const kept = ctx.episodes.filter((r) => r.globalStep <= globalStep);
  const episodes = integer("episodes", Number.MAX_SAFE_INTEGER);
  if (episodes !== kept.length) {
    bad("counters.episodes", episodes, `but episodes.jsonl holds ${kept.length} episode(s) up to step ${globalStep}`);
  }

  const recent = c.recentReturns;
  if (!Array.isArray(recent)) bad("counters.recentReturns", recent, "must be a list of episodic returns");
  const returns = recent as unknown[];
  returns.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) bad(`counters.recentReturns[${i}]`, v, "must be a finite number");
  });
  const window = Math.min(RETURN_WINDOW, episodes);
  if (returns.length !== window) bad("counters.recentReturns", recent, `must hold the last ${window} episodic return(s), it holds ${returns.length}`);
  const tail = kept.slice(kept.length - window);
  tail.forEach((r, i) => {
    if (r.episodicReturn !== returns[i]) {
      bad(`counters.recentReturns[${i}]`, returns[i], `but episodes.jsonl records ${r.episodicReturn} for that episode (step ${r.globalStep})`);
    }
  });

  const solvedAtStep = c.solvedAtStep;
  const solvedAtSeconds = c.solvedAtSeconds;
  if (solvedAtStep !== null) {
    integer("solvedAtStep", globalStep);
    if (solvedAtSeconds === null) bad("counters.solvedAtSeconds", solvedAtSeconds, `must be a number of seconds when solvedAtStep is set (${show(solvedAtStep)})`);
  }
  if (solvedAtSeconds !== null) {
    seconds("solvedAtSeconds");
    if (solvedAtStep === null) bad("counters.solvedAtStep", solvedAtStep, `must be a step when solvedAtSeconds is set (${show(solvedAtSeconds)})`);
    if ((solvedAtSeconds as number) > wallSeconds + 1e-6) bad("counters.solvedAtSeconds", solvedAtSeconds, `must not exceed wallSeconds (${wallSeconds})`);
  }

  return {
    globalStep,
    iteration,
    wallSeconds,
    cpuSeconds,
    solvedAtStep: solvedAtStep as number | null,
    solvedAtSeconds: solvedAtSeconds as number | null,
    recentReturns: returns as number[],
    episodes,
  } as VerifiedCounters;
}

/** Throws `CheckpointError` unless every value of `a` is finite (and ≥ 0 when `nonNegative`). */
export function checkFiniteArray(file: string, name: string, a: Float32Array, nonNegative = false): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v) || (nonNegative && v < 0)) {
      throw new CheckpointError(file, `array "${name}"[${i}] = ${show(v)}: every value must be a finite number${nonNegative ? " ≥ 0" : ""} (${a.length} values)`);
    }
  }
}
