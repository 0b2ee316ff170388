/**
 * Adam over tf.Variables with PyTorch's update rule (the one nn/adam.ts implements for the JS
 * learner: denominator √v / √(1 − β₂ᵗ) + ε, step lr / (1 − β₁ᵗ)) and global-norm gradient clipping
 * as `torch.nn.utils.clip_grad_norm_` (scale maxNorm / (norm + 1e-6) when below 1). TWOSOME keeps two:
 * one for the LoRA policy, one for the value head, each with ε = 1e-5 and its own clipping.
 */
import type * as tfTypes from "@tensorflow/tfjs-core";
import { assignFlat, readFlat, sizeOf } from "./flat-state.js";
import { sumScalars } from "../backends/sum-scalars.js";

type Tf = typeof tfTypes;

export interface AdamState {
  m: Float32Array;
  v: Float32Array;
  step: number;
}

export class TfjsAdam {
  private readonly m: tfTypes.Variable[];
  private readonly v: tfTypes.Variable[];
  step = 0;

  constructor(
    private readonly tf: Tf,
    readonly variables: tfTypes.Variable[],
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-5,
  ) {
    // Created in tidy: tf.variable(initial) leaves `initial` live otherwise.
    this.m = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  get size(): number {
    return sizeOf(this.variables);
  }

  /**
   * Clips `grads` (one per variable, same order) to global norm `maxGradNorm` and takes one Adam step.
   * Returns the norm before clipping. The gradients are not disposed.
   */
  async apply(grads: tfTypes.Tensor[], lr: number, maxGradNorm: number): Promise<number> {
    const { tf } = this;
    if (grads.length !== this.variables.length) throw new RangeError(`${grads.length} gradients for ${this.variables.length} variables`);
    this.step++;
    const bc1 = 1 - Math.pow(this.beta1, this.step);
    const sqrtBc2 = Math.sqrt(1 - Math.pow(this.beta2, this.step));
    const norm = tf.tidy(() => {
      // Pairwise, not tf.addN: see sum-scalars.ts (webgpu).
      const n = tf.sqrt(sumScalars(tf, grads.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(maxGradNorm, tf.add(n, 1e-6)));
      grads.forEach((g0, i) => {
        const g = tf.mul(g0, scale);
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        this.variables[i]!.assign(tf.sub(this.variables[i]!, tf.div(tf.mul(m, lr / bc1), tf.add(tf.div(tf.sqrt(v), sqrtBc2), this.epsilon))));
      });
      return n;
    });
    const value = (await norm.data())[0]!;
    norm.dispose();
    return value;
  }

  async getState(): Promise<AdamState> {
    return { m: await readFlat(this.m), v: await readFlat(this.v), step: this.step };
  }

  setState(state: AdamState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new RangeError(`optimizer step must be a non-negative integer, got ${state.step}`);
    assignFlat(this.tf, this.m, state.m, "optimizer first moments");
    assignFlat(this.tf, this.v, state.v, "optimizer second moments");
    this.step = state.step;
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
