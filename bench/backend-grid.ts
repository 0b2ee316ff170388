/**
 * The measurements behind `auto`'s cost model, shared by bench/backends.ts (fits update-costs.json)
 * and bench/gpu.ts (the same on a real GPU): one PPO minibatch update per backend over network
 * shapes × minibatch sizes, the rollout's plain-JS forward per step, and the crossover table.
 *
 * The grid is pruned so it runs in minutes on a CPU or a software GPU: per backend, cells are visited
 * from the least work to the most, and a cell is not measured when a cell with no more layers, GFLOP
 * and parameters already took over `maxUpdateMs` on that backend (update cost only grows with each),
 * or when the backend's fit to four or more measured cells predicts over four times `maxUpdateMs`. Its
 * figure in the table is then the fit's estimate, marked "~". Each backend has an equal slice of
 * the time budget; past it, its remaining cells are estimated too.
 *
 * What a cell's figure is: the lesser of the fastest timed update's wall time and the process CPU time
 * per update. On a quiet machine that is the wall time (a backend whose threads run in parallel has
 * CPU > wall); on a machine shared with other work, wall time is inflated by waiting for a core and
 * CPU time is what the update costs when it has the cores to itself. Median wall time, CPU time and
 * the load average are recorded beside it.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { ActorCriticLayout, ActorCriticWorkspace, act, type ActResult } from "../runtime/src/nn/actor-critic.js";
import { BACKEND_NAMES, type BackendName } from "../runtime/src/nn/learner.js";
import { createLearner, isInstalled } from "../runtime/src/backends/select.js";
import { chooseBackend, estimateUpdateMs, fitUpdateCost, updateWork, type CostSample, type CostTable, type UpdateCost } from "../runtime/src/backends/cost-model.js";
import { median, syntheticMinibatch, timeUpdates } from "../runtime/src/backends/calibrate.js";
import { acquireWebGpu } from "../runtime/src/backends/webgpu.js";
import { Rng } from "../runtime/src/rng.js";

export const load = () => loadavg().map((x) => +x.toFixed(2));
export const print = (o: unknown) => console.log(JSON.stringify(o));

/** A network of the grid: CartPole's observation and action sizes, `hidden` tanh layers. */
export interface GridShape {
  name: string;
  hidden: number[];
}

export const SHAPES: GridShape[] = [
  { name: "2x64", hidden: [64, 64] },
  { name: "3x64", hidden: [64, 64, 64] },
  { name: "2x256", hidden: [256, 256] },
  { name: "2x1024", hidden: [1024, 1024] },
  { name: "3x1024", hidden: [1024, 1024, 1024] },
  { name: "2x2048", hidden: [2048, 2048] },
];
export const MINIBATCHES = [64, 512, 4096, 8192];

export function layoutOf(shape: GridShape): ActorCriticLayout {
  return new ActorCriticLayout({ obsDim: 4, actionKind: "discrete", actionDim: 2, hiddenSizes: shape.hidden });
}

export interface Cell {
  backend: BackendName;
  shape: string;
  minibatch: number;
  /** The cell's cost, ms (see the header: min of fastest wall and CPU per update); or the fit's estimate when `estimated`. */
  ms: number;
  minWallMs?: number;
  medianWallMs?: number;
  estimated: boolean;
  cpuMsPerUpdate?: number;
  updates?: number;
  load?: number[];
}

export interface GridOptions {
  backends?: readonly BackendName[];
  shapes?: readonly GridShape[];
  minibatches?: readonly number[];
  /** Cells predicted dearer than this per update are estimated, not measured. */
  maxUpdateMs?: number;
  /** Wall-clock budget of the whole grid, ms, shared equally by the backends. */
  deadlineMs?: number;
  /** Milliseconds of timed updates per cell (at least 3 updates). */
  cellBudgetMs?: number;
}

/** The backends that can run here, each with its notice (what it runs on) or why not. */
export async function probeBackends(candidates: readonly BackendName[] = BACKEND_NAMES): Promise<{ usable: BackendName[]; notes: Record<string, string> }> {
  const usable: BackendName[] = [];
  const notes: Record<string, string> = {};
  const tiny = layoutOf({ name: "probe", hidden: [8] });
  for (const b of candidates) {
    if (!isInstalled(b)) {
      notes[b] = "not installed";
      continue;
    }
    const { learner, notice } = await createLearner(b, tiny, tiny.initParams(new Rng(1)), 8);
    notes[b] = notice;
    if (learner.backend === b) usable.push(b);
    learner.dispose();
  }
  return { usable, notes };
}

/** Measures the grid (pruned as the header says); calls `onCell` for each cell as it is done. */
export async function measureGrid(opts: GridOptions, onCell: (c: Cell) => void = () => {}): Promise<{ cells: Cell[]; fits: Partial<Record<BackendName, ReturnType<typeof fitUpdateCost>>> }> {
  const backends = opts.backends ?? ["js", "wasm", "cpu", "webgpu"];
  const shapes = opts.shapes ?? SHAPES;
  const minibatches = opts.minibatches ?? MINIBATCHES;
  const maxUpdateMs = opts.maxUpdateMs ?? 1500;
  // The time budget is shared equally: every backend gets its slice, so none is left unmeasured.
  const slice = (opts.deadlineMs ?? 240_000) / Math.max(1, backends.length);
  const cells: Cell[] = [];
  const fits: Partial<Record<BackendName, ReturnType<typeof fitUpdateCost>>> = {};
  const grid = shapes.flatMap((shape) => minibatches.map((minibatch) => ({ shape, minibatch, work: updateWork(layoutOf(shape), minibatch) })));
  grid.sort((a, b) => a.work.gflop + a.work.layers * 1e-3 - (b.work.gflop + b.work.layers * 1e-3));
  for (const backend of backends) {
    const deadline = performance.now() + slice;
    const samples: CostSample[] = [];
    const tooSlow: ReturnType<typeof updateWork>[] = [];
    const skipped: typeof grid = [];
    for (const cell of grid) {
      const w = cell.work;
      const dominated = tooSlow.some((s) => s.layers <= w.layers && s.gflop <= w.gflop && s.mparams <= w.mparams);
      if (dominated || predict(samples, w) > 4 * maxUpdateMs || performance.now() > deadline) {
        skipped.push(cell);
        continue;
      }
      const layout = layoutOf(cell.shape);
      const { learner } = await createLearner(backend, layout, layout.initParams(new Rng(1)), cell.minibatch);
      let timing;
      try {
        if (learner.backend !== backend) throw new Error(`${backend} is not available`);
        timing = await timeUpdates(learner, syntheticMinibatch(layout, cell.minibatch, new Rng(2)), { warmup: 1, minUpdates: 3, maxUpdates: 20, budgetMs: opts.cellBudgetMs ?? 400 });
      } finally {
        learner.dispose();
      }
      const ms = Math.min(timing.minMs, timing.cpuMsPerUpdate);
      samples.push({ work: w, ms });
      if (ms > maxUpdateMs) tooSlow.push(w);
      const row: Cell = {
        backend,
        shape: cell.shape.name,
        minibatch: cell.minibatch,
        ms: round(ms),
        minWallMs: round(timing.minMs),
        medianWallMs: round(timing.medianMs),
        estimated: false,
        cpuMsPerUpdate: round(timing.cpuMsPerUpdate),
        updates: timing.updates,
        load: load(),
      };
      cells.push(row);
      onCell(row);
    }
    if (samples.length === 0) continue;
    const fit = fitUpdateCost(samples);
    fits[backend] = fit;
    for (const cell of skipped) {
      const row: Cell = { backend, shape: cell.shape.name, minibatch: cell.minibatch, ms: round(estimateUpdateMs(fit, cell.work)), estimated: true };
      cells.push(row);
      onCell(row);
    }
  }
  return { cells, fits };
}

/** The fit's prediction for `work` once a backend has four measured cells (0 before: measure). */
function predict(samples: readonly CostSample[], work: ReturnType<typeof updateWork>): number {
  if (samples.length < 4) return 0;
  try {
    return estimateUpdateMs(fitUpdateCost(samples), work);
  } catch {
    return 0;
  }
}

const round = (x: number) => +x.toPrecision(4);

export interface CrossoverRow {
  shape: string;
  parameters: number;
  minibatch: number;
  /** ms per update per backend ("~" prefix-free: `estimated` lists the estimated ones). */
  ms: Partial<Record<BackendName, number>>;
  estimated: BackendName[];
  fastest: BackendName;
  /** How many times slower the runner-up is. */
  margin: number;
  /** What `auto`'s cost model chooses from the fitted table (should be `fastest`). */
  modelChoice: BackendName;
}

/** The crossover table: per cell, each backend's time, the fastest, and what the fitted model picks. */
export function crossover(cells: readonly Cell[], table: CostTable, shapes: readonly GridShape[] = SHAPES): CrossoverRow[] {
  const rows: CrossoverRow[] = [];
  for (const shape of shapes) {
    const layout = layoutOf(shape);
    const minibatches = [...new Set(cells.filter((c) => c.shape === shape.name).map((c) => c.minibatch))].sort((a, b) => a - b);
    for (const minibatch of minibatches) {
      const here = cells.filter((c) => c.shape === shape.name && c.minibatch === minibatch).sort((a, b) => a.ms - b.ms);
      if (here.length === 0) continue;
      const ms: Partial<Record<BackendName, number>> = {};
      for (const c of here) ms[c.backend] = c.ms;
      const available = here.map((c) => c.backend);
      rows.push({
        shape: shape.name,
        parameters: layout.size,
        minibatch,
        ms,
        estimated: here.filter((c) => c.estimated).map((c) => c.backend),
        fastest: here[0]!.backend,
        margin: here[1] ? +(here[1].ms / here[0]!.ms).toFixed(2) : 1,
        modelChoice: chooseBackend(layout, minibatch, available.filter((b) => b !== "cpu"), table).backend,
      });
    }
  }
  return rows;
}

/** Fixed-width text of the crossover table, for the terminal. */
export function formatCrossover(rows: readonly CrossoverRow[], backends: readonly BackendName[]): string {
  const head = ["shape", "params", "minibatch", ...backends.map((b) => `${b} ms`), "fastest", "auto"];
  const lines = rows.map((r) => [
    r.shape,
    r.parameters.toLocaleString("en-US"),
    String(r.minibatch),
    ...backends.map((b) => (r.ms[b] === undefined ? "-" : `${r.estimated.includes(b) ? "~" : ""}${r.ms[b]}`)),
    `${r.fastest} ×${r.margin}`,
    r.modelChoice,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padStart(widths[i]!)).join("  ");
  return [fmt(head), ...lines.map(fmt), "(~ estimated by the backend's fit: not measured, see the pruning rule)"].join("\n");
}

/** The committed-table form of the fits. */
export function costTable(fits: Partial<Record<BackendName, ReturnType<typeof fitUpdateCost>>>, cells: readonly Cell[], measuredOn: string, command: string): CostTable {
  const backends: CostTable["backends"] = {};
  for (const [b, fit] of Object.entries(fits) as [BackendName, ReturnType<typeof fitUpdateCost>][]) {
    const cost: UpdateCost = { fixedMs: round(fit.fixedMs), perLayerMs: round(fit.perLayerMs), perGflopMs: round(fit.perGflopMs), perMparamMs: round(fit.perMparamMs) };
    backends[b] = { ...cost, samples: cells.filter((c) => c.backend === b && !c.estimated).length, maxRelativeError: +fit.maxRelativeError.toFixed(3) };
  }
  return { measuredOn, command, backends };
}

/** The plain-JS acting forward every backend's rollout uses (acting never goes through the learner). */
export function rolloutForward(shapes: readonly GridShape[] = SHAPES, numEnvs = 8, budgetMs = 300): { shape: string; numEnvs: number; usPerStep: number }[] {
  const rows = [];
  for (const shape of shapes) {
    const layout = layoutOf(shape);
    const params = Float64Array.from(layout.initParams(new Rng(1)));
    const ws = new ActorCriticWorkspace(layout, numEnvs);
    const rng = new Rng(3);
    const obs = Float64Array.from({ length: numEnvs * 4 }, () => rng.normal());
    const out: ActResult = { actions: new Float64Array(numEnvs), logProbs: new Float64Array(numEnvs), values: new Float64Array(numEnvs) };
    act(params, ws, obs, numEnvs, rng, false, out);
    const times: number[] = [];
    const start = performance.now();
    while (times.length < 5 || (performance.now() - start < budgetMs && times.length < 2000)) {
      const t = performance.now();
      act(params, ws, obs, numEnvs, rng, false, out);
      times.push(performance.now() - t);
    }
    rows.push({ shape: shape.name, numEnvs, usPerStep: round(median(times) * 1000) });
  }
  return rows;
}

/** Where the figures come from: CPU, memory, Node, the GPU adapter if any. */
export async function machine(): Promise<Record<string, unknown>> {
  const cpu = cpus();
  const out: Record<string, unknown> = {
    cpu: `${cpu[0]?.model ?? "unknown"} × ${cpu.length}`,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
  try {
    const tf = require("@tensorflow/tfjs-core");
    const handle = await acquireWebGpu(tf);
    out.gpuAdapter = handle.adapter;
  } catch (err) {
    out.gpuAdapter = `none (${(err as Error).message})`;
  }
  return out;
}

