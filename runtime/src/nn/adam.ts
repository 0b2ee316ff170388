/** PyTorch's Adam betas and CleanRL's ε (`optim.Adam(..., eps=1e-5)`), shared by every fused learner. */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-5 } as const;

/**
 * Adam (Kingma & Ba 2015) over one flat parameter vector, with PyTorch's update rule and
 * CleanRL's ε = 1e-5, plus global gradient-norm clipping as `torch.nn.utils.clip_grad_norm_`.
 */
export class Adam {
  readonly m: Float64Array;
  readonly v: Float64Array;
  /** Number of steps taken (t in the paper). */
  step = 0;

  constructor(
    readonly size: number,
    readonly beta1: number = ADAM_DEFAULTS.beta1,
    readonly beta2: number = ADAM_DEFAULTS.beta2,
    readonly epsilon: number = ADAM_DEFAULTS.epsilon,
    /** The moment arrays to use (the data-parallel learners' shared memory); fresh zeros by default. */
    moments?: { m: Float64Array; v: Float64Array },
  ) {
    this.m = moments?.m ?? new Float64Array(size);
    this.v = moments?.v ?? new Float64Array(size);
  }

  /** params ← params − lr · m̂ / (√v̂ + ε). */
  apply(params: Float64Array, grad: Float64Array, lr: number): void {
    this.step++;
    const { m, v, beta1, beta2, epsilon } = this;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    // PyTorch: denom = sqrt(v)/sqrt(bc2) + eps; step = lr/bc1 · m/denom.
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]!;
      const mi = beta1 * m[i]! + (1 - beta1) * g;
      const vi = beta2 * v[i]! + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = params[i]! - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + epsilon);
    }
  }
}

/**
 * Scales `grad` in place so its L2 norm is at most `maxNorm` (clip_grad_norm_: coefficient
 * maxNorm / (norm + 1e-6), applied only when below 1). Returns the norm before clipping.
 */
export function clipGradNorm(grad: Float64Array, maxNorm: number): number {
  let sq = 0;
  for (let i = 0; i < grad.length; i++) sq += grad[i]! * grad[i]!;
  const norm = Math.sqrt(sq);
  const coef = clipCoefficient(norm, maxNorm);
  if (coef < 1) for (let i = 0; i < grad.length; i++) grad[i]! *= coef;
  return norm;
}

/** clip_grad_norm_'s factor for a gradient of L2 norm `norm`: maxNorm / (norm + 1e-6), applied only when below 1. */
export function clipCoefficient(norm: number, maxNorm: number): number {
  return maxNorm / (norm + 1e-6);
}
