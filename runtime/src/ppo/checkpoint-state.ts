/**
 * What a training checkpoint holds and how it maps onto the run folder's binary checkpoint:
 * learner parameters and Adam moments, observation/return normalisers, RNG streams and counters.
 * Resume restores all of it, so the curves continue from the checkpointed step.
 */
import type { Learner } from "../nn/learner.js";
import type { Rng } from "../rng.js";
import type { RunDir } from "../runs/run-dir.js";
import type { RunningMeanStd } from "./normalize.js";

export interface TrainingCounters {
  globalStep: number;
  iteration: number;
  /** Wall and CPU seconds spent by every process that trained this run so far. */
  wallSeconds: number;
  cpuSeconds: number;
  solvedAtStep: number | null;
  solvedAtSeconds: number | null;
  /** Returns of the last (up to 20) finished episodes. */
  recentReturns: number[];
  episodes: number;
}

export interface TrainingState {
  learner: Learner;
  obsRms: RunningMeanStd | null;
  returnRms: RunningMeanStd | null;
  rngs: Record<string, Rng>;
}

const FORMAT = "rl-studio/ppo-checkpoint@1";

export async function writeTrainingCheckpoint(runDir: RunDir, counters: TrainingCounters, state: TrainingState): Promise<void> {
  const ls = await state.learner.getState();
  const arrays: Record<string, Float32Array> = { params: ls.params, adamM: ls.adamM, adamV: ls.adamV };
  const meta: Record<string, unknown> = {
    format: FORMAT,
    counters,
    adamStep: ls.adamStep,
    backend: state.learner.backend,
    rngs: Object.fromEntries(Object.entries(state.rngs).map(([k, r]) => [k, r.getState().map((x) => (Number.isNaN(x) ? null : x))])),
    layout: { size: state.learner.layout.size, config: state.learner.layout.config },
  };
  for (const [name, rms] of [["obsRms", state.obsRms], ["returnRms", state.returnRms]] as const) {
    if (!rms) continue;
    const a = rms.toArrays();
    arrays[`${name}.mean`] = a.mean;
    arrays[`${name}.var`] = a.var;
    meta[`${name}.count`] = a.count;
  }
  runDir.writeCheckpoint({ meta, arrays });
}

/** Restores `state` from the run's checkpoint and returns its counters, or null when there is none. */
export async function readTrainingCheckpoint(runDir: RunDir, state: TrainingState): Promise<TrainingCounters | null> {
  const ckpt = runDir.readCheckpoint();
  if (!ckpt) return null;
  const { meta, arrays } = ckpt;
  if (meta.format !== FORMAT) throw new Error(`${runDir.path}: checkpoint format ${String(meta.format)} is not ${FORMAT}`);
  const need = (key: string): Float32Array => {
    const a = arrays[key];
    if (!a) throw new Error(`${runDir.path}: checkpoint has no '${key}' array`);
    return a;
  };
  await state.learner.setState({ params: need("params"), adamM: need("adamM"), adamV: need("adamV"), adamStep: Number(meta.adamStep) });
  for (const [name, rms] of [["obsRms", state.obsRms], ["returnRms", state.returnRms]] as const) {
    if (!rms) continue;
    rms.load(need(`${name}.mean`), need(`${name}.var`), Number(meta[`${name}.count`]));
  }
  const rngs = (meta.rngs ?? {}) as Record<string, (number | null)[]>;
  for (const [k, r] of Object.entries(state.rngs)) {
    const s = rngs[k];
    if (s) r.setState(s.map((x) => (x === null ? Number.NaN : x)));
  }
  return meta.counters as TrainingCounters;
}

/** Parameters and normaliser of a finished or running run, for evaluation and explanations. */
export function readPolicySnapshot(runDir: RunDir): { params: Float32Array; obsMean: Float32Array | null; obsVar: Float32Array | null; counters: TrainingCounters } | null {
  const ckpt = runDir.readCheckpoint();
  if (!ckpt) return null;
  const params = ckpt.arrays.params;
  if (!params) throw new Error(`${runDir.path}: checkpoint has no 'params' array`);
  return {
    params,
    obsMean: ckpt.arrays["obsRms.mean"] ?? null,
    obsVar: ckpt.arrays["obsRms.var"] ?? null,
    counters: ckpt.meta.counters as TrainingCounters,
  };
}
