/**
 * A learner owns the trainable parameters and the optimiser state and takes PPO gradient steps.
 * Acting never goes through it: the rollout runs the plain-JS forward on `params` (see actor-critic.ts),
 * which every learner keeps current after `syncParams()`.
 */
import type { ActorCriticLayout, PpoCoefficients, PpoLossStats, PpoMinibatch } from "./actor-critic.js";
import { ActorCriticWorkspace, ppoLossAndGradient } from "./actor-critic.js";
import { Adam, clipGradNorm } from "./adam.js";
import { silLossAndGradient, type SilCoefficients, type SilLossStats, type SilMinibatch } from "./self-imitation.js";

import { BACKENDS, type BackendName } from "../../../protocol/src/runtime.js";
export type { BackendName } from "../../../protocol/src/runtime.js";

/** Every backend a user can name (`auto` chooses among them: backends/select.ts); declared in protocol/src/runtime.ts. */
export const BACKEND_NAMES: readonly BackendName[] = BACKENDS;

/** Serialisable learner state (parameters and Adam moments) for checkpoints. */
export interface LearnerState {
  params: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  adamStep: number;
}

export interface Learner {
  readonly backend: BackendName;
  readonly layout: ActorCriticLayout;
  /** Parameters for acting; current after `syncParams()`. */
  readonly params: Float32Array;
  /** One minibatch gradient step: loss, global-norm clip, Adam. */
  step(mb: PpoMinibatch, coef: PpoCoefficients, learningRate: number, maxGradNorm: number): Promise<PpoLossStats>;
  /**
   * Optional capability: one gradient step on the self-imitation loss (self-imitation.ts) with the
   * same optimiser. Runs with `selfImitation` need it; a backend without it falls back to `js`.
   */
  silStep?(mb: SilMinibatch, coef: SilCoefficients, learningRate: number, maxGradNorm: number): Promise<SilLossStats>;
  /** Brings `params` up to date with the learner's own copy (a no-op for `js`). */
  syncParams(): Promise<void>;
  getState(): Promise<LearnerState>;
  setState(state: LearnerState): Promise<void>;
  dispose(): void;
}

/** The fused plain-JS learner: hand-written forward/backward (actor-critic.ts) and Adam on flat arrays. */
export class JsLearner implements Learner {
  readonly backend = "js" as const;
  /** The float64 master copy that learns; `params` is its float32 image for acting and checkpoints. */
  private readonly master: Float64Array;
  private readonly grad: Float64Array;
  private readonly adam: Adam;
  private readonly ws: ActorCriticWorkspace;

  constructor(
    readonly layout: ActorCriticLayout,
    readonly params: Float32Array,
    maxMinibatch: number,
  ) {
    this.master = Float64Array.from(params);
    this.grad = new Float64Array(layout.size);
    this.adam = new Adam(layout.size);
    this.ws = new ActorCriticWorkspace(layout, maxMinibatch);
  }

  async step(mb: PpoMinibatch, coef: PpoCoefficients, learningRate: number, maxGradNorm: number): Promise<PpoLossStats> {
    return this.stepSync(mb, coef, learningRate, maxGradNorm);
  }

  stepSync(mb: PpoMinibatch, coef: PpoCoefficients, learningRate: number, maxGradNorm: number): PpoLossStats {
    this.grad.fill(0);
    const stats = ppoLossAndGradient(this.master, this.ws, mb, coef, this.grad);
    clipGradNorm(this.grad, maxGradNorm);
    this.adam.apply(this.master, this.grad, learningRate);
    return stats;
  }

  async silStep(mb: SilMinibatch, coef: SilCoefficients, learningRate: number, maxGradNorm: number): Promise<SilLossStats> {
    this.grad.fill(0);
    const stats = silLossAndGradient(this.master, this.ws, mb, coef, this.grad);
    clipGradNorm(this.grad, maxGradNorm);
    this.adam.apply(this.master, this.grad, learningRate);
    return stats;
  }

  async syncParams(): Promise<void> {
    this.params.set(this.master);
  }

  async getState(): Promise<LearnerState> {
    return {
      params: Float32Array.from(this.master),
      adamM: Float32Array.from(this.adam.m),
      adamV: Float32Array.from(this.adam.v),
      adamStep: this.adam.step,
    };
  }

  async setState(state: LearnerState): Promise<void> {
    checkStateSize(state, this.layout.size);
    this.master.set(state.params);
    this.params.set(state.params);
    this.adam.m.set(state.adamM);
    this.adam.v.set(state.adamV);
    this.adam.step = state.adamStep;
  }

  dispose(): void {}
}

export function checkStateSize(state: LearnerState, size: number): void {
  for (const key of ["params", "adamM", "adamV"] as const) {
    if (state[key].length !== size) {
      throw new Error(`checkpoint does not match the network: ${key} has ${state[key].length} values, the network has ${size} parameters (were hiddenSizes changed?)`);
    }
  }
}
