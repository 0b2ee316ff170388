/**
 * The TWOSOME trainer's part of a checkpoint (a `TrainerState` for runs/run-recorder.ts): only what
 * training changes — the LoRA adapter, the value head, both Adam optimisers and the RNG streams. The
 * base model is not in it (it is the GGUF file the run names), so a checkpoint of a 7 B model's
 * adapter stays a few MB, and of the test model a few KB.
 *
 * `checkTwosomeCheckpoint` refuses a checkpoint that would restore a broken policy (a NaN weight, a
 * negative second moment, an optimiser step count impossible for the iteration, arrays of another
 * layout) before anything changes; without a loaded model (resume's check before the trainer
 * starts) it checks the arrays against each other and the recorded layout.
 */
import { CheckpointError, type Checkpoint } from "../runs/checkpoint.js";
import { checkFiniteArray, checkRunCheckpoint, type VerifiedCounters } from "../runs/checkpoint-counters.js";
import type { RunDir } from "../runs/run-dir.js";
import type { Hyperparameters } from "../experiment/hyperparameters.js";
import { twosomeSizes } from "./twosome-sizes.js";
import type { TrainerState } from "../runs/run-recorder.js";
import { checkRngStates, restoreRngStates, rngStates } from "../ppo/checkpoint-state.js";
import type { Rng } from "../rng.js";
import type { TwosomeAdapterState, TwosomePolicy } from "./policy.js";

export const TWOSOME_CHECKPOINT_FORMAT = "rl-studio/twosome-checkpoint@1";

/** The random-number streams a TWOSOME checkpoint carries (train-twosome.ts names them). */
export const TWOSOME_RNG_NAMES = ["actionRng", "shuffleRng"] as const;

export interface TwosomeCheckpointExpectation {
  /** The policy's layout (adapter and value head shapes), or null when no model is loaded yet. */
  layout: TwosomeAdapterState["layout"] | null;
  /** Element counts of the LoRA and value-head arrays, or null when no model is loaded yet. */
  loraSize: number | null;
  valueHeadSize: number | null;
  /** Optimiser steps per iteration at most: policy (epochs × numMinibatches / accumulation), value (epochs × valueNumMinibatches). */
  policyStepsPerIteration: number;
  valueStepsPerIteration: number;
}

const PAIRS = [
  ["lora", "policyAdam", "policyAdamStep", "policyStepsPerIteration", "loraSize"],
  ["valueHead", "valueAdam", "valueAdamStep", "valueStepsPerIteration", "valueHeadSize"],
] as const;

export function checkTwosomeCheckpoint(ckpt: Checkpoint, counters: VerifiedCounters, file: string, expect: TwosomeCheckpointExpectation): void {
  const { meta, arrays } = ckpt;
  const bad = (field: string, value: unknown, must: string): never => {
    throw new CheckpointError(file, `${field} = ${JSON.stringify(value)}: ${must}`);
  };
  const layout = meta.layout as Record<string, unknown> | undefined;
  if (layout === null || typeof layout !== "object") bad("meta.layout", layout, "must describe the adapter and value head ({ loraRank, loraTargets, nLayer, nEmbd, valueHiddenSizes })");
  if (expect.layout && JSON.stringify(layout) !== JSON.stringify(expect.layout)) {
    bad("meta.layout", layout, `does not match this run's policy ${JSON.stringify(expect.layout)}; were llm.lora or the model changed?`);
  }
  for (const [weights, adam, stepKey, perIteration, sizeKey] of PAIRS) {
    const w = arrays[weights];
    if (!w) throw new CheckpointError(file, `checkpoint has no '${weights}' array`);
    const want = expect[sizeKey];
    if (want !== null && w.length !== want) throw new CheckpointError(file, `array "${weights}" has ${w.length} values, the policy has ${want}`);
    checkFiniteArray(file, weights, w);
    for (const part of ["m", "v"] as const) {
      const name = `${adam}.${part}`;
      const a = arrays[name];
      if (!a) throw new CheckpointError(file, `checkpoint has no '${name}' array`);
      if (a.length !== w.length) throw new CheckpointError(file, `array "${name}" has ${a.length} values, "${weights}" has ${w.length}`);
      checkFiniteArray(file, name, a, part === "v");
    }
    const step = meta[stepKey];
    const max = counters.iteration * expect[perIteration];
    if (typeof step !== "number" || !Number.isSafeInteger(step) || step < 0 || step > max) {
      bad(`meta.${stepKey}`, step, `must be an integer from 0 to ${max} (iteration ${counters.iteration} × ${expect[perIteration]} optimiser steps)`);
    }
  }
  checkRngStates(meta, TWOSOME_RNG_NAMES, file);
}

export function twosomeTrainerState(policy: TwosomePolicy, rngs: Record<(typeof TWOSOME_RNG_NAMES)[number], Rng>, perIteration: { policy: number; value: number }, modelPath: string): TrainerState {
  return {
    format: TWOSOME_CHECKPOINT_FORMAT,
    async save() {
      const s = await policy.getAdapterState();
      return {
        meta: { layout: s.layout, policyAdamStep: s.policyOptimizer.step, valueAdamStep: s.valueOptimizer.step, rngs: rngStates(rngs), model: modelPath },
        arrays: {
          lora: s.lora,
          valueHead: s.valueHead,
          "policyAdam.m": s.policyOptimizer.m,
          "policyAdam.v": s.policyOptimizer.v,
          "valueAdam.m": s.valueOptimizer.m,
          "valueAdam.v": s.valueOptimizer.v,
        },
      };
    },
    check(ckpt, counters, file) {
      checkTwosomeCheckpoint(ckpt, counters, file, {
        layout: policy.adapterLayout(),
        loraSize: policy.lora.size,
        valueHeadSize: policy.valueHead.size,
        policyStepsPerIteration: perIteration.policy,
        valueStepsPerIteration: perIteration.value,
      });
    },
    async restore(ckpt) {
      policy.setAdapterState(adapterStateOf(ckpt));
      restoreRngStates(ckpt.meta, rngs);
    },
  };
}

/** A checked checkpoint as the policy's adapter state. */
export function adapterStateOf(ckpt: Checkpoint): TwosomeAdapterState {
  const { meta, arrays } = ckpt;
  return {
    lora: arrays.lora!,
    valueHead: arrays.valueHead!,
    policyOptimizer: { m: arrays["policyAdam.m"]!, v: arrays["policyAdam.v"]!, step: meta.policyAdamStep as number },
    valueOptimizer: { m: arrays["valueAdam.m"]!, v: arrays["valueAdam.v"]!, step: meta.valueAdamStep as number },
    layout: meta.layout as TwosomeAdapterState["layout"],
  };
}

/**
 * Everything about a TWOSOME run's checkpoint that can be checked before the model is loaded: the
 * counters against metrics.jsonl/episodes.jsonl, the arrays against each other and the optimiser
 * step counts against the iteration. Resume calls it before it changes anything (the trainer checks
 * again against the policy it builds). Returns the verified counters, or null without a checkpoint.
 */
export function verifyTwosomeRunCheckpoint(runDir: RunDir, h: Hyperparameters): VerifiedCounters | null {
  const ckpt = runDir.readCheckpoint();
  if (!ckpt) return null;
  const file = runDir.file("checkpoint");
  const sizes = twosomeSizes(h);
  const counters = checkRunCheckpoint(ckpt, {
    file,
    format: TWOSOME_CHECKPOINT_FORMAT,
    stepsPerIteration: sizes.batchSize,
    numIterations: sizes.numIterations,
    metrics: runDir.readMetrics(),
    episodes: runDir.readEpisodes(),
  });
  checkTwosomeCheckpoint(ckpt, counters, file, {
    layout: null,
    loraSize: null,
    valueHeadSize: null,
    policyStepsPerIteration: sizes.policyStepsPerIteration,
    valueStepsPerIteration: sizes.valueStepsPerIteration,
  });
  return counters;
}
