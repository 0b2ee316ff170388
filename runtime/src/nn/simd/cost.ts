/**
 * When worker threads pay for themselves on the WebAssembly SIMD learner: what one minibatch update
 * costs with T threads. (Which backend `auto` picks is backends/cost-model.ts, from update-costs.json,
 * where `npm run bench -- backends` fits wasm-simd like every backend.) The figures are measured by `npm run bench -- compare` (section `microbench` prints the
 * achieved GFLOP/s per width and the fixed cost per update, section `threads` the cost of one
 * parallel update's two barriers); the break-even minibatch follows from them:
 *
 *   t₁(B) = fixed + flops(B) / R(width)         one thread
 *   t_T(B) = fixed + flops(B) / (T·R) + sync    T threads (rows split evenly, two barriers)
 *
 * so T threads win once flops(B)·(1 − 1/T) / R > sync.
 */
import { cpus } from "node:os";
import type { ActorCriticLayout } from "../actor-critic.js";

export interface SimdCostFigures {
  /** Single-thread GFLOP/s of the part of an update that grows with the minibatch, by hidden width (interpolated in log width). */
  gflopsByWidth: readonly (readonly [width: number, gflops: number])[];
  /** Per-update cost that does not scale with the minibatch (calls, Wᵀ, Adam, the JS loss head), seconds. */
  fixedSeconds: number;
  /** Two barrier round trips of a parallel update (wake the workers, wait for them), seconds. */
  syncSeconds: number;
  /** Where and when the figures were measured. */
  measured: string;
}

/**
 * Measured with `npm run bench -- compare` (sections microbench and threads) on the 2-core development
 * machine (AMD EPYC, Node 20.20) under load average 24–30 from other work, so from CPU time, not wall
 * time: microbench cells (width, minibatch 64 → 256, ms of CPU) 64: 0.328 → 0.652, 256: 1.954 → 6.476,
 * 1024: 52.8 → 159.0; the barrier pair of a parallel update: median 28 µs. The break-even for 2 threads
 * follows: a minibatch of 34 rows at width 64, 3 at width 256 (the bench prints it per width). Rerun on a
 * quiet machine and update.
 */
export const MEASURED_SIMD_COST: SimdCostFigures = {
  gflopsByWidth: [
    [64, 30.9],
    [256, 33.9],
    [1024, 22.8],
  ],
  fixedSeconds: 2.2e-4,
  syncSeconds: 2.8e-5,
  measured: "bench/compare.ts, 2-core AMD EPYC, Node 20.20, load 24-30, 2026-12-06",
};

/**
 * Floating-point operations of one update (multiply and add counted separately): the forward pass
 * 2·B·nIn·nOut per layer, dW = dZᵀ·X the same, dX = dZ·W on every layer but the first.
 */
export function updateFlops(layout: ActorCriticLayout, minibatch: number): number {
  let macs = 0;
  for (const net of [layout.actor, layout.critic]) {
    net.forEach((l, i) => (macs += l.nIn * l.nOut * (i === 0 ? 2 : 3)));
  }
  return 2 * macs * minibatch;
}

/** Sustained GFLOP/s for the network's widest hidden layer. */
export function gflopsFor(layout: ActorCriticLayout, figures: SimdCostFigures = MEASURED_SIMD_COST): number {
  const width = Math.max(1, ...layout.config.hiddenSizes);
  const table = figures.gflopsByWidth;
  if (width <= table[0]![0]) return table[0]![1];
  for (let i = 1; i < table.length; i++) {
    const [w1, g1] = table[i]!;
    if (width <= w1) {
      const [w0, g0] = table[i - 1]!;
      const t = Math.log(width / w0) / Math.log(w1 / w0);
      return g0 + t * (g1 - g0);
    }
  }
  return table[table.length - 1]![1];
}

/** Estimated seconds of one update (forward, backward, clip, Adam) with `threads` threads. */
export function estimateUpdateSeconds(layout: ActorCriticLayout, minibatch: number, threads = 1, figures: SimdCostFigures = MEASURED_SIMD_COST): number {
  const arithmetic = updateFlops(layout, minibatch) / (gflopsFor(layout, figures) * 1e9);
  return figures.fixedSeconds + arithmetic / threads + (threads > 1 ? figures.syncSeconds : 0);
}

/** Smallest minibatch at which `threads` threads beat one (Infinity for one thread). */
export function breakEvenMinibatch(layout: ActorCriticLayout, threads: number, figures: SimdCostFigures = MEASURED_SIMD_COST): number {
  if (threads <= 1) return Infinity;
  const perRow = updateFlops(layout, 1) / (gflopsFor(layout, figures) * 1e9);
  return Math.ceil(figures.syncSeconds / (perRow * (1 - 1 / threads)));
}

export interface ThreadChoice {
  threads: number;
  /** Why, in a few words, for the backend notice. */
  reason: string;
}

/**
 * Threads for an update: as many as there are idle cores (at most `maxThreads`), if the minibatch is
 * past the break-even for that many; otherwise one.
 */
export function chooseThreads(layout: ActorCriticLayout, minibatch: number, idleCores: number, maxThreads: number, figures: SimdCostFigures = MEASURED_SIMD_COST): ThreadChoice {
  const threads = Math.max(1, Math.min(maxThreads, Math.floor(idleCores + 0.25)));
  const idle = `${idleCores.toFixed(1)} idle core${Math.abs(idleCores - 1) < 0.05 ? "" : "s"}`;
  if (threads === 1) return { threads: 1, reason: `1 thread: ${idle}` };
  const breakEven = breakEvenMinibatch(layout, threads, figures);
  if (minibatch < breakEven) return { threads: 1, reason: `1 thread: minibatch ${minibatch} < ${breakEven}, where ${threads} threads start to pay` };
  return { threads, reason: `${threads} threads: ${idle}, minibatch ${minibatch} ≥ ${breakEven}` };
}

/**
 * Cores idle right now: the idle share of every core's time over a short window (os.cpus() counters).
 * The load average would do, but it lags a minute and counts a run that just finished.
 */
export async function measureIdleCores(windowMs = 40): Promise<number> {
  const sample = () => cpus().map((c) => ({ idle: c.times.idle, total: c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq }));
  const a = sample();
  await new Promise((r) => setTimeout(r, windowMs));
  const b = sample();
  let idle = 0;
  b.forEach((t, i) => {
    const total = t.total - a[i]!.total;
    if (total > 0) idle += (t.idle - a[i]!.idle) / total;
  });
  return idle;
}
