/**
 * PPO's part of a training checkpoint: learner parameters and Adam moments, observation/return
 * normalisers and RNG streams, as a `TrainerState` for the run recorder (runs/run-recorder.ts),
 * which adds the counters. Resume restores all of it, so the curves continue from the
 * checkpointed step; `check` refuses a checkpoint that would restore a broken learner (a NaN
 * weight, a negative second moment, a network of another shape) before anything is changed.
 */
import type { Learner } from "../nn/learner.js";
import type { Rng } from "../rng.js";
import type { Checkpoint } from "../runs/checkpoint.js";
import { CheckpointError } from "../runs/checkpoint.js";
import { checkFiniteArray, type RunCounters, type VerifiedCounters } from "../runs/checkpoint-counters.js";
import type { TrainerState } from "../runs/run-recorder.js";
import type { RunDir } from "../runs/run-dir.js";
import type { RunningMeanStd } from "./normalize.js";

/** The counters of a PPO run (the recorder's, under the name the readers of checkpoints know). */
export type TrainingCounters = RunCounters;

export interface PpoStateParts {
  learner: Learner;
  obsRms: RunningMeanStd | null;
  returnRms: RunningMeanStd | null;
  rngs: Record<string, Rng>;
  /** Minibatch gradient steps per iteration at most (updateEpochs × numMinibatches): bounds Adam's step count. */
  stepsPerIteration: number;
}

export const PPO_CHECKPOINT_FORMAT = "rl-studio/ppo-checkpoint@1";

/** Elements of an `Rng.getState()` (sfc32's four words and the spare normal, NaN stored as null). */
const RNG_STATE_LENGTH = 5;

export function ppoTrainerState(parts: PpoStateParts): TrainerState {
  const { learner, obsRms, returnRms, rngs } = parts;
  const normalisers = [["obsRms", obsRms], ["returnRms", returnRms]] as const;
  return {
    format: PPO_CHECKPOINT_FORMAT,

    async save() {
      const ls = await learner.getState();
      const arrays: Record<string, Float32Array> = { params: ls.params, adamM: ls.adamM, adamV: ls.adamV };
      const meta: Record<string, unknown> = {
        adamStep: ls.adamStep,
        backend: learner.backend,
        rngs: Object.fromEntries(Object.entries(rngs).map(([k, r]) => [k, r.getState().map((x) => (Number.isNaN(x) ? null : x))])),
        layout: { size: learner.layout.size, config: learner.layout.config },
      };
      for (const [name, rms] of normalisers) {
        if (!rms) continue;
        const a = rms.toArrays();
        arrays[`${name}.mean`] = a.mean;
        arrays[`${name}.var`] = a.var;
        meta[`${name}.count`] = a.count;
      }
      return { meta, arrays };
    },

    check(ckpt: Checkpoint, counters: VerifiedCounters, file: string) {
      const { meta, arrays } = ckpt;
      const bad = (field: string, value: unknown, must: string): never => {
        throw new CheckpointError(file, `${field} = ${typeof value === "number" || value === undefined ? String(value) : JSON.stringify(value)}: ${must}`);
      };
      const size = learner.layout.size;
      const layout = meta.layout as { size?: unknown; config?: unknown } | undefined;
      if (layout === null || typeof layout !== "object") bad("meta.layout", layout, "must describe the network ({ size, config })");
      if (layout!.size !== size || JSON.stringify(layout!.config) !== JSON.stringify(learner.layout.config)) {
        bad("meta.layout", layout, `does not match this run's network (${size} parameters, ${JSON.stringify(learner.layout.config)}); were hiddenSizes or the env changed?`);
      }
      for (const key of ["params", "adamM", "adamV"] as const) {
        const a = arrays[key];
        if (!a) throw new CheckpointError(file, `checkpoint has no '${key}' array`);
        if (a.length !== size) throw new CheckpointError(file, `array "${key}" has ${a.length} values, the network has ${size} parameters`);
        checkFiniteArray(file, key, a, key === "adamV");
      }
      const adamStep = meta.adamStep;
      const maxAdamStep = counters.iteration * parts.stepsPerIteration;
      if (typeof adamStep !== "number" || !Number.isSafeInteger(adamStep) || adamStep < 0 || adamStep > maxAdamStep) {
        bad("meta.adamStep", adamStep, `must be an integer from 0 to ${maxAdamStep} (iteration ${counters.iteration} × ${parts.stepsPerIteration} minibatch steps)`);
      }
      for (const [name, rms] of normalisers) {
        if (!rms) continue;
        for (const part of ["mean", "var"] as const) {
          const a = arrays[`${name}.${part}`];
          if (!a) throw new CheckpointError(file, `checkpoint has no '${name}.${part}' array`);
          if (a.length !== rms.size) throw new CheckpointError(file, `array "${name}.${part}" has ${a.length} values, expected ${rms.size}`);
          checkFiniteArray(file, `${name}.${part}`, a, part === "var");
        }
        const count = meta[`${name}.count`];
        if (typeof count !== "number" || !Number.isFinite(count) || count <= 0) bad(`meta.${name}.count`, count, "must be a finite number > 0");
      }
      const states = meta.rngs as Record<string, unknown> | undefined;
      if (states === null || typeof states !== "object") bad("meta.rngs", states, "must hold the random-number streams' states");
      for (const k of Object.keys(rngs)) {
        const s = states![k];
        const ok =
          Array.isArray(s) &&
          s.length === RNG_STATE_LENGTH &&
          s.slice(0, 4).every((x) => typeof x === "number" && Number.isInteger(x) && Math.abs(x) <= 0xffffffff) &&
          (s[4] === null || (typeof s[4] === "number" && Number.isFinite(s[4])));
        if (!ok) bad(`meta.rngs.${k}`, s, `must be ${RNG_STATE_LENGTH} numbers (four 32-bit integers and a spare normal or null)`);
      }
    },

    async restore(ckpt: Checkpoint) {
      const { meta, arrays } = ckpt;
      await learner.setState({ params: arrays.params!, adamM: arrays.adamM!, adamV: arrays.adamV!, adamStep: meta.adamStep as number });
      for (const [name, rms] of normalisers) {
        if (rms) rms.load(arrays[`${name}.mean`]!, arrays[`${name}.var`]!, meta[`${name}.count`] as number);
      }
      const states = meta.rngs as Record<string, (number | null)[]>;
      for (const [k, r] of Object.entries(rngs)) r.setState(states[k]!.map((x) => (x === null ? Number.NaN : x)));
    },
  };
}

/** Parameters and normaliser of a finished or running run, for evaluation and explanations. */
export function readPolicySnapshot(runDir: RunDir): { params: Float32Array; obsMean: Float32Array | null; obsVar: Float32Array | null; counters: TrainingCounters } | null {
  const ckpt = runDir.readCheckpoint();
  if (!ckpt) return null;
  const file = runDir.file("checkpoint");
  const params = ckpt.arrays.params;
  if (!params) throw new CheckpointError(file, "checkpoint has no 'params' array");
  // A NaN weight would evaluate as a policy that always picks action 0: say the checkpoint is broken instead.
  checkFiniteArray(file, "params", params);
  return {
    params,
    obsMean: ckpt.arrays["obsRms.mean"] ?? null,
    obsVar: ckpt.arrays["obsRms.var"] ?? null,
    counters: ckpt.meta.counters as TrainingCounters,
  };
}
