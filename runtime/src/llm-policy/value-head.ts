/**
 * TWOSOME's critic head (twosome/overcooked/critic.py): the frozen LLM's last-layer hidden state at
 * the prompt's last token (after the final norm, `hidden_states[-1][:, -1]`) through an MLP without
 * biases, n_embd → 1024 → 512 → 1 with ReLU, for LLaMA-7B's n_embd = 4096. Our default scales those
 * widths with the model (n_embd/4, n_embd/8, at least 16). The layers start as PyTorch's nn.Linear
 * does: U(−1/√fan_in, 1/√fan_in).
 */
import type * as tfTypes from "@tensorflow/tfjs-core";
import type { Rng } from "../rng.js";
import { assignFlat, readFlat, sizeOf } from "./flat-state.js";

type Tf = typeof tfTypes;

/** Hidden widths of the value head for a model of width nEmbd (TWOSOME's 1024, 512 at 4096). */
export function defaultValueHeadSizes(nEmbd: number): number[] {
  return [Math.max(16, Math.round(nEmbd / 4)), Math.max(16, Math.round(nEmbd / 8))];
}

export class ValueHead {
  readonly variables: tfTypes.Variable[];
  private disposed = false;

  constructor(
    private readonly tf: Tf,
    readonly inputSize: number,
    readonly hiddenSizes: readonly number[],
    rng: Rng,
  ) {
    for (const h of hiddenSizes) if (!Number.isInteger(h) || h < 1) throw new RangeError(`value head hidden sizes must be positive integers, got [${hiddenSizes.join(", ")}]`);
    const sizes = [inputSize, ...hiddenSizes, 1];
    this.variables = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const [fanIn, fanOut] = [sizes[i]!, sizes[i + 1]!];
      const bound = 1 / Math.sqrt(fanIn);
      const w = new Float32Array(fanIn * fanOut);
      for (let j = 0; j < w.length; j++) w[j] = rng.uniform(-bound, bound);
      this.variables.push(tf.tidy(() => tf.variable(tf.tensor2d(w, [fanIn, fanOut]))));
    }
  }

  get size(): number {
    return sizeOf(this.variables);
  }

  /** Values [N] of features [N, inputSize]. */
  apply(features: tfTypes.Tensor2D): tfTypes.Tensor1D {
    const { tf } = this;
    let h: tfTypes.Tensor2D = features;
    this.variables.forEach((w, i) => {
      h = tf.matMul(h, w as tfTypes.Tensor2D);
      if (i + 1 < this.variables.length) h = tf.relu(h);
    });
    return tf.reshape(h, [-1]);
  }

  getFlat(): Promise<Float32Array> {
    return readFlat(this.variables);
  }

  setFlat(flat: Float32Array): void {
    assignFlat(this.tf, this.variables, flat, `value head ${[this.inputSize, ...this.hiddenSizes, 1].join("→")}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables) v.dispose();
  }
}
