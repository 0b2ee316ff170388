/**
 * A synchronous vector env: `numEnvs` copies of one env stepped in lock-step in this thread,
 * with batched observations in one row-major Float32Array (Gymnasium's `SyncVectorEnv`).
 *
 * Autoreset mode: same-step (Gymnasium 1.0's `AutoresetMode.SAME_STEP`). When a sub-env's episode
 * ends (terminated or truncated) at a step, that sub-env is reset within the same `step` call:
 * the returned `obs` row is the new episode's first observation, and the observation the episode
 * ended on is returned separately in `finalObs[i]` (Gymnasium's `info["final_obs"]`), which a
 * learner needs to bootstrap truncated episodes. The next action for that row therefore acts in
 * the new episode; no step is wasted (unlike Gymnasium's default NEXT_STEP mode).
 *
 * Speed: the batched buffers are allocated once and reused by every `step`; the only allocations
 * per step are those the sub-envs' own `step` makes, plus one copy of the final observation per
 * finished episode.
 */
import type { Env, Info } from "./types.js";
import { Box, Discrete } from "./spaces.js";

export type AutoresetMode = "same-step";

export interface VectorStepResult {
  /** Batched observations, numEnvs × obsDim, row-major. Reset observation in rows whose episode ended. Buffer is REUSED by the next step(): copy what you keep. */
  obs: Float32Array;
  /** Reward of each sub-env's step. Reused buffer. */
  rewards: Float64Array;
  /** 1 where the sub-env's episode terminated at this step. Reused buffer. */
  terminated: Uint8Array;
  /** 1 where the sub-env's episode was truncated at this step. Reused buffer. */
  truncated: Uint8Array;
  /** Per env: the last observation of the episode that ended at this step (a fresh copy the caller may keep), else null. */
  finalObs: (Float32Array | null)[];
  /** Per env: info of the step (the final step's info where the episode ended). */
  infos: Info[];
}

export class SyncVectorEnv {
  readonly autoresetMode: AutoresetMode = "same-step";
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Discrete | Box;
  readonly envs: readonly Env[];

  /** Elements per action: 1 for Discrete, the Box's size for continuous actions. */
  private readonly actDim: number;
  private readonly obsBuffer: Float32Array;
  private readonly result: VectorStepResult;
  /** One reusable action vector per sub-env (continuous actions), so `step` allocates no views. */
  private readonly actionRows: Float32Array[];
  private needsReset = true;

  constructor(makeEnv: (index: number) => Env, numEnvs: number) {
    if (!Number.isInteger(numEnvs) || numEnvs <= 0) {
      throw new RangeError(`SyncVectorEnv: numEnvs must be a positive integer, got ${numEnvs}`);
    }
    const envs: Env[] = [];
    for (let i = 0; i < numEnvs; i++) envs.push(makeEnv(i));
    const first = envs[0]!;
    for (let i = 1; i < numEnvs; i++) {
      const env = envs[i]!;
      if (!sameSpace(env.observationSpace, first.observationSpace) || !sameSpace(env.actionSpace, first.actionSpace)) {
        throw new Error(
          `SyncVectorEnv: sub-env ${i} (${env.spec.id}) has observation space ${env.observationSpace} and action space ${env.actionSpace}, ` +
            `but sub-env 0 (${first.spec.id}) has ${first.observationSpace} and ${first.actionSpace}; all sub-envs must share their spaces`,
        );
      }
    }
    this.envs = envs;
    this.numEnvs = numEnvs;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.obsDim = first.observationSpace.size;
    this.actDim = this.singleActionSpace.kind === "discrete" ? 1 : this.singleActionSpace.size;
    this.actionRows = this.singleActionSpace.kind === "box" ? envs.map(() => new Float32Array(this.actDim)) : [];
    this.obsBuffer = new Float32Array(numEnvs * this.obsDim);
    this.result = {
      obs: this.obsBuffer,
      rewards: new Float64Array(numEnvs),
      terminated: new Uint8Array(numEnvs),
      truncated: new Uint8Array(numEnvs),
      finalObs: new Array<Float32Array | null>(numEnvs).fill(null),
      infos: new Array<Info>(numEnvs).fill({}),
    };
  }

  /** Seeds env i with seed + i (Gymnasium's vector seeding); returns batched obs (reused buffer). */
  reset(seed?: number): Float32Array {
    for (let i = 0; i < this.numEnvs; i++) {
      const { obs } = this.envs[i]!.reset(seed === undefined ? {} : { seed: seed + i });
      this.writeRow(i, obs);
    }
    this.needsReset = false;
    return this.obsBuffer;
  }

  /** actions: Discrete → Int32Array(numEnvs); Box → Float32Array(numEnvs × actDim). */
  step(actions: Int32Array | Float32Array): VectorStepResult {
    if (this.needsReset) throw new Error(`SyncVectorEnv(${this.envs[0]!.spec.id}): step() called before reset()`);
    const expected = this.numEnvs * this.actDim;
    if (actions.length !== expected) {
      throw new RangeError(
        `SyncVectorEnv(${this.envs[0]!.spec.id}): actions must have numEnvs × actDim = ${this.numEnvs} × ${this.actDim} = ${expected} elements, got ${actions.length}`,
      );
    }
    const { rewards, terminated, truncated, finalObs, infos } = this.result;
    const discrete = this.singleActionSpace.kind === "discrete";
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      let action: number | Float32Array;
      if (discrete) {
        action = actions[i]!;
      } else {
        const row = this.actionRows[i]!;
        for (let j = 0; j < this.actDim; j++) row[j] = actions[i * this.actDim + j]!;
        action = row;
      }
      const step = env.step(action);
      rewards[i] = step.reward;
      terminated[i] = step.terminated ? 1 : 0;
      truncated[i] = step.truncated ? 1 : 0;
      infos[i] = step.info;
      if (step.terminated || step.truncated) {
        // Same-step autoreset: keep the final observation aside, put the reset observation in the row.
        finalObs[i] = step.obs.slice();
        this.writeRow(i, env.reset().obs);
      } else {
        finalObs[i] = null;
        this.writeRow(i, step.obs);
      }
    }
    return this.result;
  }

  private writeRow(i: number, obs: Float32Array): void {
    if (obs.length !== this.obsDim) {
      throw new RangeError(`SyncVectorEnv: sub-env ${i} (${this.envs[i]!.spec.id}) returned an observation of length ${obs.length}, expected ${this.obsDim}`);
    }
    this.obsBuffer.set(obs, i * this.obsDim);
  }
}

function sameSpace(a: Discrete | Box, b: Discrete | Box): boolean {
  if (a.kind === "discrete" || b.kind === "discrete") {
    return a.kind === "discrete" && b.kind === "discrete" && a.n === b.n && a.start === b.start;
  }
  if (a.size !== b.size) return false;
  for (let i = 0; i < a.size; i++) {
    if (!Object.is(a.low[i], b.low[i]) || !Object.is(a.high[i], b.high[i])) return false;
  }
  return true;
}
