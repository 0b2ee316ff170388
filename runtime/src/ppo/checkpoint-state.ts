/**
 * PPO's part of a training checkpoint: learner parameters and Adam moments, observation/return
 * normalisers and RNG streams, as a `TrainerState` for the run recorder (runs/run-recorder.ts),
 * which adds the counters. Resume restores all of it, so the curves continue from the
 * checkpointed step; `check` refuses a checkpoint that would restore a broken learner (a NaN
 * weight, a negative second moment, a network of another shape) before anything is changed.
 */
import type { Learner } from "../nn/learner.js";
import type { ActorCriticConfig } from "../nn/actor-critic.js";
import type { Rng } from "../rng.js";
import type { Checkpoint } from "../runs/checkpoint.js";
import { CheckpointError } from "../runs/checkpoint.js";
import { checkFiniteArray, checkRunCheckpoint, type RunCounters, type VerifiedCounters } from "../runs/checkpoint-counters.js";
import type { Hyperparameters } from "../experiment/hyperparameters.js";
import { deriveSizes } from "./sizes.js";
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

/** The random-number streams a PPO checkpoint carries (train.ts names them). */
export const PPO_RNG_NAMES = ["actionRng", "shuffleRng"] as const;

/** Elements of an `Rng.getState()` (sfc32's four words and the spare normal, NaN stored as null). */
const RNG_STATE_LENGTH = 5;

/** What a PPO checkpoint must match. */
export interface PpoCheckpointExpectation {
  /** The network it restores into; null to take the checkpoint's own `meta.layout` (checked for shape) when the env is not built yet. */
  layout: { size: number; config: ActorCriticConfig } | null;
  /** Element count of each normaliser the run uses, or null when it does not use it; "any" when the observation size is not known yet. */
  obsRmsSize: number | null | "any";
  returnRmsSize: number | null;
  gradientStepsPerIteration: number;
  rngNames: readonly string[];
  /** The hidden sizes the run records, checked against `meta.layout` when `layout` is null. */
  hiddenSizes?: readonly number[];
}

/**
 * Throws `CheckpointError` (field, value, file) unless `ckpt` restores into a PPO learner as
 * `expect` describes: network shape, every weight and Adam moment finite (second moments ≥ 0), Adam's
 * step count possible for the iteration, normalisers finite with a positive count, RNG states whole.
 */
export function checkPpoCheckpoint(ckpt: Checkpoint, counters: VerifiedCounters, file: string, expect: PpoCheckpointExpectation): void {
  const { meta, arrays } = ckpt;
  const show = (v: unknown) => (typeof v === "number" || v === undefined ? String(v) : JSON.stringify(v));
  const bad = (field: string, value: unknown, must: string): never => {
    throw new CheckpointError(file, `${field} = ${show(value)}: ${must}`);
  };
  const recorded = meta.layout as { size?: unknown; config?: Partial<ActorCriticConfig> } | undefined;
  if (recorded === null || typeof recorded !== "object") bad("meta.layout", recorded, "must describe the network ({ size, config })");
  let size: number;
  if (expect.layout) {
    size = expect.layout.size;
    if (recorded!.size !== size || JSON.stringify(recorded!.config) !== JSON.stringify(expect.layout.config)) {
      bad("meta.layout", recorded, `does not match this run's network (${size} parameters, ${JSON.stringify(expect.layout.config)}); were hiddenSizes or the env changed?`);
    }
  } else {
    const c = recorded!.config;
    if (typeof recorded!.size !== "number" || !Number.isSafeInteger(recorded!.size) || recorded!.size <= 0) bad("meta.layout.size", recorded!.size, "must be a positive integer");
    if (c === null || typeof c !== "object" || !Number.isSafeInteger(c.obsDim) || !Number.isSafeInteger(c.actionDim)) bad("meta.layout.config", c, "must give obsDim, actionDim and hiddenSizes");
    if (expect.hiddenSizes && JSON.stringify(c!.hiddenSizes) !== JSON.stringify(expect.hiddenSizes)) {
      bad("meta.layout.config.hiddenSizes", c!.hiddenSizes, `must be the run's hiddenSizes ${JSON.stringify(expect.hiddenSizes)}`);
    }
    size = recorded!.size as number;
  }
  for (const key of ["params", "adamM", "adamV"] as const) {
    const a = arrays[key];
    if (!a) throw new CheckpointError(file, `checkpoint has no '${key}' array`);
    if (a.length !== size) throw new CheckpointError(file, `array "${key}" has ${a.length} values, the network has ${size} parameters`);
    checkFiniteArray(file, key, a, key === "adamV");
  }
  const adamStep = meta.adamStep;
  const maxAdamStep = counters.iteration * expect.gradientStepsPerIteration;
  if (typeof adamStep !== "number" || !Number.isSafeInteger(adamStep) || adamStep < 0 || adamStep > maxAdamStep) {
    bad("meta.adamStep", adamStep, `must be an integer from 0 to ${maxAdamStep} (iteration ${counters.iteration} × ${expect.gradientStepsPerIteration} minibatch steps)`);
  }
  const obsDim = expect.layout?.config.obsDim ?? (recorded!.config!.obsDim as number);
  const normalisers = [
    ["obsRms", expect.obsRmsSize === "any" ? obsDim : expect.obsRmsSize],
    ["returnRms", expect.returnRmsSize],
  ] as const;
  for (const [name, n] of normalisers) {
    if (n === null) continue;
    for (const part of ["mean", "var"] as const) {
      const a = arrays[`${name}.${part}`];
      if (!a) throw new CheckpointError(file, `checkpoint has no '${name}.${part}' array`);
      if (a.length !== n) throw new CheckpointError(file, `array "${name}.${part}" has ${a.length} values, expected ${n}`);
      checkFiniteArray(file, `${name}.${part}`, a, part === "var");
    }
    const count = meta[`${name}.count`];
    if (typeof count !== "number" || !Number.isFinite(count) || count <= 0) bad(`meta.${name}.count`, count, "must be a finite number > 0");
  }
  checkRngStates(meta, expect.rngNames, file);
}

/** Throws `CheckpointError` unless `meta.rngs` holds a whole `Rng` state for each of `names`. */
export function checkRngStates(meta: Record<string, unknown>, names: readonly string[], file: string): void {
  const states = meta.rngs as Record<string, unknown> | undefined;
  const bad = (field: string, value: unknown, must: string): never => {
    throw new CheckpointError(file, `${field} = ${JSON.stringify(value)}: ${must}`);
  };
  if (states === null || typeof states !== "object") bad("meta.rngs", states, "must hold the random-number streams' states");
  for (const k of names) {
    const st = states![k];
    const ok =
      Array.isArray(st) &&
      st.length === RNG_STATE_LENGTH &&
      st.slice(0, 4).every((x) => typeof x === "number" && Number.isInteger(x) && Math.abs(x) <= 0xffffffff) &&
      (st[4] === null || (typeof st[4] === "number" && Number.isFinite(st[4])));
    if (!ok) bad(`meta.rngs.${k}`, st, `must be ${RNG_STATE_LENGTH} numbers (four 32-bit integers and a spare normal or null)`);
  }
}

/** The RNG streams' states as a checkpoint's `meta.rngs` holds them (NaN, the absent spare normal, as null). */
export function rngStates(rngs: Record<string, Rng>): Record<string, (number | null)[]> {
  return Object.fromEntries(Object.entries(rngs).map(([k, r]) => [k, r.getState().map((x) => (Number.isNaN(x) ? null : x))]));
}

/** Restores `rngs` from a checked `meta.rngs`. */
export function restoreRngStates(meta: Record<string, unknown>, rngs: Record<string, Rng>): void {
  const states = meta.rngs as Record<string, (number | null)[]>;
  for (const [k, r] of Object.entries(rngs)) r.setState(states[k]!.map((x) => (x === null ? Number.NaN : x)));
}

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
        rngs: rngStates(rngs),
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
      checkPpoCheckpoint(ckpt, counters, file, {
        layout: { size: learner.layout.size, config: learner.layout.config },
        obsRmsSize: obsRms?.size ?? null,
        returnRmsSize: returnRms?.size ?? null,
        gradientStepsPerIteration: parts.stepsPerIteration,
        rngNames: Object.keys(rngs),
      });
    },

    async restore(ckpt: Checkpoint) {
      const { meta, arrays } = ckpt;
      await learner.setState({ params: arrays.params!, adamM: arrays.adamM!, adamV: arrays.adamV!, adamStep: meta.adamStep as number });
      for (const [name, rms] of normalisers) {
        if (rms) rms.load(arrays[`${name}.mean`]!, arrays[`${name}.var`]!, meta[`${name}.count`] as number);
      }
      restoreRngStates(meta, rngs);
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

/**
 * Everything about a run's checkpoint that can be checked before the experiment's code runs:
 * the counters against metrics.jsonl/episodes.jsonl and the checkpoint's own network. Resume calls
 * it before it changes anything in the run folder (the trainer checks again against the network it
 * builds). Returns the verified counters, or null when the run has no checkpoint yet.
 */
export function verifyRunCheckpoint(runDir: RunDir, h: Hyperparameters): VerifiedCounters | null {
  const ckpt = runDir.readCheckpoint();
  if (!ckpt) return null;
  const file = runDir.file("checkpoint");
  const sizes = deriveSizes(h);
  const counters = checkRunCheckpoint(ckpt, {
    file,
    format: PPO_CHECKPOINT_FORMAT,
    stepsPerIteration: sizes.batchSize,
    numIterations: sizes.numIterations,
    metrics: runDir.readMetrics(),
    episodes: runDir.readEpisodes(),
  });
  checkPpoCheckpoint(ckpt, counters, file, {
    layout: null,
    hiddenSizes: h.hiddenSizes,
    obsRmsSize: h.normalizeObservations ? "any" : null,
    returnRmsSize: h.normalizeRewards ? 1 : null,
    gradientStepsPerIteration: sizes.gradientStepsPerIteration,
    rngNames: PPO_RNG_NAMES,
  });
  return counters;
}
