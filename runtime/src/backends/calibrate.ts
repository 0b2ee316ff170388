/**
 * Timing PPO updates on a learner: the measurement behind the cost model (bench/backends.ts fits it)
 * and behind `auto`'s re-check at run start on a GPU, whose figures no committed table can know.
 */
import type { ActorCriticLayout, PpoCoefficients, PpoMinibatch } from "../nn/actor-critic.js";
import type { Learner } from "../nn/learner.js";
import { Rng } from "../rng.js";

/** CleanRL's PPO coefficients, for timing (the values do not change the work of an update). */
export const TIMING_COEFFICIENTS: PpoCoefficients = { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5, normAdv: true };

/** A plausible random minibatch for `layout` (normal observations, old log-probs near a uniform policy's). */
export function syntheticMinibatch(layout: ActorCriticLayout, size: number, rng: Rng): PpoMinibatch {
  const { obsDim, actionDim, actionKind } = layout.config;
  const width = actionKind === "discrete" ? 1 : actionDim;
  return {
    size,
    obs: Float64Array.from({ length: size * obsDim }, () => rng.normal()),
    actions: Float64Array.from({ length: size * width }, () => (actionKind === "discrete" ? rng.integer(actionDim) : rng.normal())),
    logProbs: new Float64Array(size).fill(actionKind === "discrete" ? -Math.log(actionDim) : -1.4 * actionDim),
    advantages: Float64Array.from({ length: size }, () => rng.normal()),
    returns: Float64Array.from({ length: size }, () => rng.normal()),
    values: new Float64Array(size),
  };
}

export interface UpdateTiming {
  /** Median wall time of the timed updates, ms. */
  medianMs: number;
  /** Fastest timed update, ms: on a shared machine, the one least disturbed by other processes. */
  minMs: number;
  /** Timed updates (after the warm-up ones). */
  updates: number;
  /** Process CPU time per timed update, ms (> wall when a backend uses threads). */
  cpuMsPerUpdate: number;
}

/**
 * Times `learner.step` on one minibatch: `warmup` untimed updates (shader compilation, allocation),
 * then timed ones until `budgetMs` is spent and at least `minUpdates` are done (at most `maxUpdates`;
 * an update so slow that three budgets pass stops at fewer).
 */
export async function timeUpdates(
  learner: Learner,
  mb: PpoMinibatch,
  opts: { warmup?: number; minUpdates?: number; maxUpdates?: number; budgetMs?: number; signal?: AbortSignal } = {},
): Promise<UpdateTiming> {
  const { warmup = 1, minUpdates = 3, maxUpdates = 30, budgetMs = 1000 } = opts;
  for (let i = 0; i < warmup; i++) await learner.step(mb, TIMING_COEFFICIENTS, 1e-4, 0.5);
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (times.length < maxUpdates) {
    const elapsed = performance.now() - start;
    if (times.length >= minUpdates && elapsed >= budgetMs) break;
    if (times.length >= 1 && elapsed >= 3 * budgetMs) break;
    opts.signal?.throwIfAborted();
    const t = performance.now();
    await learner.step(mb, TIMING_COEFFICIENTS, 1e-4, 0.5);
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  return { medianMs: median(times), minMs: Math.min(...times), updates: times.length, cpuMsPerUpdate: (cpu.user + cpu.system) / 1000 / times.length };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** A fresh seed stream for calibration minibatches (never the run's own RNGs). */
export function calibrationRng(): Rng {
  return new Rng(0x5eed);
}
