/**
 * LoRA (Hu et al. 2021, arXiv 2106.09685) on the attention projections, as PEFT's `LoraLayer`
 * implements it and TWOSOME configures it (r = 8, α = 16, dropout 0, targets q_proj and v_proj):
 * W·x becomes W·x + (α/r) · B·A·dropout(x), with A initialised Kaiming-uniform (a = √5, i.e.
 * U(−1/√in, 1/√in)) and B zeros, so training starts from the base model exactly. W stays frozen;
 * only A and B are tf.Variables.
 */
import type * as tfTypes from "@tensorflow/tfjs-core";
import type { Rng } from "../rng.js";
import type { ModelConfig } from "./model-config.js";
import type { ProjectionAdapter } from "./transformer.js";
import { assignFlat, readFlat, sizeOf } from "./flat-state.js";
import type { MatMuls } from "./matmul.js";

type Tf = typeof tfTypes;

export const LORA_TARGETS = ["q", "k", "v"] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraConfig {
  /** Rank r of the update B·A (TWOSOME: 8). */
  rank: number;
  /** Scale numerator: the update is multiplied by alpha / rank (TWOSOME: 16). */
  alpha: number;
  /** Dropout on the adapter's input during training steps (TWOSOME: 0). */
  dropout: number;
  /** Projections that get an adapter (TWOSOME: q and v). */
  targets: LoraTarget[];
}

export const TWOSOME_LORA: LoraConfig = { rank: 8, alpha: 16, dropout: 0, targets: ["q", "v"] };

export function validateLoraConfig(c: LoraConfig): void {
  if (!Number.isInteger(c.rank) || c.rank < 1) throw new RangeError(`lora.rank must be a positive integer, got ${c.rank}`);
  if (!(c.alpha > 0)) throw new RangeError(`lora.alpha must be positive, got ${c.alpha}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`lora.dropout must be in [0, 1), got ${c.dropout}`);
  if (c.targets.length === 0) throw new RangeError("lora.targets must name at least one projection (q, k, v)");
  for (const t of c.targets) if (!(LORA_TARGETS as readonly string[]).includes(t)) throw new RangeError(`lora.targets: unknown projection '${t}' (q, k, v)`);
  if (new Set(c.targets).size !== c.targets.length) throw new RangeError(`lora.targets repeats a projection: ${c.targets.join(", ")}`);
}

interface Pair {
  a: tfTypes.Variable; // [nEmbd, rank]
  b: tfTypes.Variable; // [rank, out]
}

export class LoraAdapter implements ProjectionAdapter {
  readonly scale: number;
  /** Per layer, per target: the A and B matrices. */
  private readonly pairs: Map<LoraTarget, Pair>[];
  /** Every trainable tensor, in a fixed order (layer, target in config order, A then B). */
  readonly variables: tfTypes.Variable[];
  /** When true (during gradient steps), dropout applies. */
  training = false;
  private dropoutSeed: number;
  private disposed = false;

  constructor(
    private readonly tf: Tf,
    readonly model: ModelConfig,
    readonly config: LoraConfig,
    rng: Rng,
  ) {
    validateLoraConfig(config);
    this.scale = config.alpha / config.rank;
    this.dropoutSeed = rng.integer(2 ** 31);
    const { nEmbd, nHead, nHeadKv, headDim } = model;
    const width: Record<LoraTarget, number> = { q: nHead * headDim, k: nHeadKv * headDim, v: nHeadKv * headDim };
    const bound = 1 / Math.sqrt(nEmbd);
    this.pairs = [];
    this.variables = [];
    for (let l = 0; l < model.nLayer; l++) {
      const layer = new Map<LoraTarget, Pair>();
      for (const t of config.targets) {
        const a = new Float32Array(nEmbd * config.rank);
        for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-bound, bound);
        // Created in tidy: tf.variable(initial) leaves `initial` live otherwise.
        const pair = {
          a: tf.tidy(() => tf.variable(tf.tensor2d(a, [nEmbd, config.rank]))),
          b: tf.tidy(() => tf.variable(tf.zeros([config.rank, width[t]]))),
        };
        layer.set(t, pair);
        this.variables.push(pair.a, pair.b);
      }
      this.pairs.push(layer);
    }
  }

  /** Number of trainable parameters. */
  get size(): number {
    return sizeOf(this.variables);
  }

  delta(layer: number, x: tfTypes.Tensor2D, mm: MatMuls): Partial<Record<LoraTarget, tfTypes.Tensor2D>> {
    const { tf } = this;
    const input = this.training && this.config.dropout > 0 ? (tf.dropout(x, this.config.dropout, undefined, this.dropoutSeed++) as tfTypes.Tensor2D) : x;
    const out: Partial<Record<LoraTarget, tfTypes.Tensor2D>> = {};
    for (const [t, { a, b }] of this.pairs[layer]!) out[t] = tf.mul(mm.product(mm.product(input, a as tfTypes.Tensor2D), b as tfTypes.Tensor2D), this.scale) as tfTypes.Tensor2D;
    return out;
  }

  /** All A and B values, flat, in `variables` order. */
  getFlat(): Promise<Float32Array> {
    return readFlat(this.variables);
  }

  setFlat(flat: Float32Array): void {
    assignFlat(this.tf, this.variables, flat, `LoRA adapter (rank ${this.config.rank}, targets ${this.config.targets.join("+")}, ${this.model.nLayer} layers)`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables) v.dispose();
  }
}
