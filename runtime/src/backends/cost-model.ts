/**
 * The cost model behind `--backend auto`: what one PPO minibatch update costs on each backend, from
 * coefficients measured by `npm run bench -- backends` (bench/backends.ts), and the choice it implies.
 *
 * One update = forward and backward through the actor and critic MLPs on the minibatch, the global
 * gradient norm, and Adam over every parameter. Its time on a backend is modelled as
 *
 *   ms ≈ fixedMs + perLayerMs · L + perGflopMs · G + perMparamMs · P
 *
 * L: dense layers (actor + critic): each costs a handful of kernel dispatches forward, backward and in
 *    Adam — what dominates a tensor library on a small network (per-op overhead, not arithmetic);
 * G: GFLOP of the matrix products, 6 × weights × minibatch (2 forward, 4 backward: Kaplan et al. 2020,
 *    "Scaling laws", §2.1) — what dominates a large network;
 * P: millions of parameters: Adam and the norm are elementwise passes over them, independent of the
 *    minibatch.
 *
 * A backend is added by one entry in update-costs.json (the bench fits it) and nothing else here.
 */
import type { BackendName } from "../nn/learner.js";

/** The parts of a network's layout the model reads (ActorCriticLayout has them). */
export interface NetworkShape {
  readonly actor: readonly { nIn: number; nOut: number }[];
  readonly critic: readonly { nIn: number; nOut: number }[];
  /** Parameter count. */
  readonly size: number;
}

/** Fitted coefficients of one backend (milliseconds). */
export interface UpdateCost {
  fixedMs: number;
  perLayerMs: number;
  perGflopMs: number;
  perMparamMs: number;
}

/** The committed table: coefficients per backend and where they were measured. */
export interface CostTable {
  /** Machine, load and date of the measurement (the figures hold for that machine). */
  measuredOn: string;
  command: string;
  backends: Partial<Record<BackendName, UpdateCost & { samples: number; maxRelativeError: number }>>;
}

/** The workload of one update: the model's three variables. */
export interface UpdateWork {
  layers: number;
  gflop: number;
  mparams: number;
}

export function updateWork(net: NetworkShape, minibatch: number): UpdateWork {
  const layers = [...net.actor, ...net.critic];
  const weights = layers.reduce((s, l) => s + l.nIn * l.nOut, 0);
  return { layers: layers.length, gflop: (6 * weights * minibatch) / 1e9, mparams: net.size / 1e6 };
}

export function estimateUpdateMs(cost: UpdateCost, work: UpdateWork): number {
  return cost.fixedMs + cost.perLayerMs * work.layers + cost.perGflopMs * work.gflop + cost.perMparamMs * work.mparams;
}

export interface BackendEstimate {
  backend: BackendName;
  ms: number;
}

export interface BackendChoice {
  backend: BackendName;
  /** Every available backend the table covers, fastest first. */
  estimates: BackendEstimate[];
  /** The line the CLI prints: the choice and the two figures that decided it. */
  reason: string;
  /** Available backends the table has no figures for (a GPU: calibrated at run start instead). */
  unmeasured: BackendName[];
}

export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

/**
 * The backend with the lowest estimated update time among `available` (in order of preference for
 * ties and for backends the table does not cover). Pure: the caller says what is available.
 */
export function chooseBackend(net: NetworkShape, minibatch: number, available: readonly BackendName[], table: CostTable): BackendChoice {
  if (available.length === 0) throw new RangeError("chooseBackend: no backend available");
  const work = updateWork(net, minibatch);
  const estimates: BackendEstimate[] = [];
  const unmeasured: BackendName[] = [];
  for (const backend of available) {
    const cost = table.backends[backend];
    if (cost) estimates.push({ backend, ms: estimateUpdateMs(cost, work) });
    else unmeasured.push(backend);
  }
  // Stable: equal estimates keep `available`'s order.
  estimates.sort((a, b) => a.ms - b.ms);
  const size = `${net.size.toLocaleString("en-US")} parameters × minibatch ${minibatch}`;
  if (estimates.length === 0) {
    const backend = available[0]!;
    return { backend, estimates, unmeasured, reason: `${backend}: no measured figures for any available backend (${size})` };
  }
  const [best, second] = estimates as [BackendEstimate, BackendEstimate | undefined];
  const versus = second ? ` vs ${second.backend} ${formatMs(second.ms)} ms` : " (the only measured backend available)";
  return {
    backend: best.backend,
    estimates,
    unmeasured,
    reason: `${best.backend}: est. ${formatMs(best.ms)} ms/update${versus}, ${size}`,
  };
}

/** One measured update time, for fitting. */
export interface CostSample {
  work: UpdateWork;
  ms: number;
}

/**
 * Fits UpdateCost to measured samples: non-negative least squares on relative error (each sample
 * weighted by 1/ms, so a 1 ms and a 1 s update count alike). Four unknowns, so the non-negativity is
 * handled exactly by trying every subset of free coefficients (16 small normal-equation solves) and
 * keeping the best feasible one.
 */
export function fitUpdateCost(samples: readonly CostSample[]): UpdateCost & { maxRelativeError: number } {
  if (samples.length === 0) throw new RangeError("fitUpdateCost: no samples");
  const features = (w: UpdateWork) => [1, w.layers, w.gflop, w.mparams];
  let best: { coef: number[]; loss: number } | null = null;
  for (let mask = 1; mask < 16; mask++) {
    const idx = [0, 1, 2, 3].filter((k) => mask & (1 << k));
    const n = idx.length;
    const ata = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const atb = new Array<number>(n).fill(0);
    for (const s of samples) {
      const f = features(s.work);
      const wgt = 1 / Math.max(s.ms, 1e-6);
      for (let i = 0; i < n; i++) {
        const fi = f[idx[i]!]! * wgt;
        atb[i]! += fi * s.ms * wgt;
        for (let j = 0; j < n; j++) ata[i]![j]! += fi * f[idx[j]!]! * wgt;
      }
    }
    const x = solve(ata, atb);
    if (!x || x.some((v) => !(v >= 0))) continue;
    const coef = [0, 0, 0, 0];
    idx.forEach((k, i) => (coef[k] = x[i]!));
    let loss = 0;
    for (const s of samples) {
      const f = features(s.work);
      const pred = f.reduce((acc, v, k) => acc + v * coef[k]!, 0);
      loss += ((pred - s.ms) / Math.max(s.ms, 1e-6)) ** 2;
    }
    if (!best || loss < best.loss) best = { coef, loss };
  }
  if (!best) throw new Error("fitUpdateCost: no non-negative fit");
  const [fixedMs, perLayerMs, perGflopMs, perMparamMs] = best.coef as [number, number, number, number];
  const cost = { fixedMs, perLayerMs, perGflopMs, perMparamMs };
  const maxRelativeError = Math.max(...samples.map((s) => Math.abs(estimateUpdateMs(cost, s.work) - s.ms) / s.ms));
  return { ...cost, maxRelativeError };
}

/** Gaussian elimination with partial pivoting; null for a singular system. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-300) return null;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}
