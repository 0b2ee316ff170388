/**
 * CleanRL's `Agent` (ppo.py / ppo_continuous_action.py) as plain arrays: separate tanh MLPs for
 * the actor and the critic, orthogonal init (hidden gain √2, policy head 0.01, value head 1),
 * zero biases, and for continuous actions a state-independent log-std vector initialised to 0.
 *
 * All parameters live in ONE flat Float32Array (actor layers, critic layers, log-std), so one Adam,
 * one global gradient norm and one checkpoint array cover everything. The math here is the fused
 * plain-JS path: at CleanRL's network size the cost of tensor libraries is per-op dispatch, not
 * arithmetic (`npm run bench -- train backends` prints one update per backend), so acting always
 * runs here, and the `js` backend also learns here.
 */
import type { Rng } from "../rng.js";
import { orthogonal } from "./orthogonal.js";
import { gemmNT, tanhInPlace, transpose } from "./gemm.js";
import { logSumExp } from "./log-sum-exp.js";

export interface ActorCriticConfig {
  obsDim: number;
  actionKind: "discrete" | "box";
  /** Number of discrete actions, or the action vector's length. */
  actionDim: number;
  hiddenSizes: readonly number[];
}

export interface DenseLayer {
  nIn: number;
  nOut: number;
  /** Offset of the row-major nOut × nIn weight matrix in the flat parameter vector. */
  wOffset: number;
  bOffset: number;
}

export class ActorCriticLayout {
  readonly actor: readonly DenseLayer[];
  readonly critic: readonly DenseLayer[];
  /** Offset of the log-std vector (continuous actions only), else −1. */
  readonly logStdOffset: number;
  readonly size: number;
  /** Widest layer, for scratch buffers. */
  readonly maxWidth: number;

  constructor(readonly config: ActorCriticConfig) {
    const { obsDim, actionDim, hiddenSizes } = config;
    if (!(obsDim > 0 && actionDim > 0)) throw new RangeError(`ActorCritic: obsDim and actionDim must be positive (got ${obsDim}, ${actionDim})`);
    let offset = 0;
    const stack = (sizes: number[]): DenseLayer[] => {
      const layers: DenseLayer[] = [];
      for (let l = 0; l + 1 < sizes.length; l++) {
        const nIn = sizes[l]!;
        const nOut = sizes[l + 1]!;
        layers.push({ nIn, nOut, wOffset: offset, bOffset: offset + nIn * nOut });
        offset += nIn * nOut + nOut;
      }
      return layers;
    };
    this.actor = stack([obsDim, ...hiddenSizes, actionDim]);
    this.critic = stack([obsDim, ...hiddenSizes, 1]);
    if (config.actionKind === "box") {
      this.logStdOffset = offset;
      offset += actionDim;
    } else {
      this.logStdOffset = -1;
    }
    this.size = offset;
    this.maxWidth = Math.max(obsDim, actionDim, ...hiddenSizes);
  }

  /** CleanRL's `layer_init`: orthogonal weights, zero biases; log-std zeros. */
  initParams(rng: Rng): Float32Array {
    const params = new Float32Array(this.size);
    const init = (layers: readonly DenseLayer[], headGain: number) => {
      layers.forEach((layer, l) => {
        const gain = l === layers.length - 1 ? headGain : Math.SQRT2;
        params.set(orthogonal(layer.nOut, layer.nIn, gain, rng), layer.wOffset);
      });
    };
    init(this.critic, 1.0);
    init(this.actor, 0.01);
    return params;
  }
}

/**
 * Forward pass of one MLP over a batch: acts[0] is the input (B × nIn, row-major); acts[l + 1]
 * receives layer l's output (tanh on hidden layers, linear head). Buffers must hold B rows.
 */
export function mlpForward(params: Float64Array, layers: readonly DenseLayer[], acts: Float64Array[], batch: number): void {
  for (let l = 0; l < layers.length; l++) {
    const { nIn, nOut, wOffset, bOffset } = layers[l]!;
    const z = acts[l + 1]!;
    // z = a·Wᵀ + b, with W stored nOut × nIn.
    gemmNT(batch, nOut, nIn, acts[l]!, 0, params, wOffset, z, 0, params, bOffset, false);
    if (l < layers.length - 1) tanhInPlace(z, batch * nOut);
  }
}

/** Scratch for the backward pass's transposes. */
export interface BackwardScratch {
  /** dLoss/dInput per layer (l ≥ 1), B × nIn. */
  dInputs: Float64Array[];
  /** dZᵀ, nOut × B. */
  dZT: Float64Array;
  /** aᵀ, nIn × B. */
  aT: Float64Array;
  /** Wᵀ, nIn × nOut. */
  wT: Float64Array;
}

/**
 * Backward pass of one MLP: given dLoss/dOutput in dOut (B × nOut of the head), accumulates the
 * parameter gradient into `grad` (same layout as params): dW = dZᵀ·a, db = Σ_rows dZ, dA = dZ·W,
 * and dZ_{l−1} = dA ⊙ (1 − tanh²) through the hidden layers.
 */
export function mlpBackward(
  params: Float64Array,
  layers: readonly DenseLayer[],
  acts: Float64Array[],
  dOut: Float64Array,
  scratch: BackwardScratch,
  grad: Float64Array,
  batch: number,
): void {
  const { dZT, aT, wT } = scratch;
  let dZ = dOut;
  for (let l = layers.length - 1; l >= 0; l--) {
    const { nIn, nOut, wOffset, bOffset } = layers[l]!;
    const a = acts[l]!;
    transpose(dZ, 0, batch, nOut, dZT);
    transpose(a, 0, batch, nIn, aT);
    // dW (nOut × nIn) += dZᵀ (nOut × B) · (aᵀ (nIn × B))ᵀ
    gemmNT(nOut, nIn, batch, dZT, 0, aT, 0, grad, wOffset, null, 0, true);
    for (let o = 0; o < nOut; o++) {
      let s = 0;
      const row = o * batch;
      for (let i = 0; i < batch; i++) s += dZT[row + i]!;
      grad[bOffset + o] = grad[bOffset + o]! + s;
    }
    if (l > 0) {
      const dA = scratch.dInputs[l]!;
      transpose(params, wOffset, nOut, nIn, wT);
      // dA (B × nIn) = dZ (B × nOut) · (Wᵀ (nIn × nOut))ᵀ
      gemmNT(batch, nIn, nOut, dZ, 0, wT, 0, dA, 0, null, 0, false);
      const n = batch * nIn;
      for (let j = 0; j < n; j++) {
        const h = a[j]!;
        dA[j] = dA[j]! * (1 - h * h);
      }
      dZ = dA;
    }
  }
}

/** Activation buffers for the actor and the critic, sized for `capacity` rows. */
export class ActorCriticWorkspace {
  readonly actorActs: Float64Array[];
  readonly criticActs: Float64Array[];
  readonly actorScratch: BackwardScratch;
  readonly criticScratch: BackwardScratch;
  /** dLoss/dHead for the actor (B × actionDim) and the critic (B × 1). */
  readonly dActor: Float64Array;
  readonly dCritic: Float64Array;

  constructor(
    readonly layout: ActorCriticLayout,
    readonly capacity: number,
  ) {
    const acts = (layers: readonly DenseLayer[]) => [
      new Float64Array(capacity * layers[0]!.nIn),
      ...layers.map((l) => new Float64Array(capacity * l.nOut)),
    ];
    const w = layout.maxWidth;
    const scratch = (layers: readonly DenseLayer[]): BackwardScratch => ({
      dInputs: layers.map((l) => new Float64Array(capacity * l.nIn)),
      dZT: new Float64Array(capacity * w),
      aT: new Float64Array(capacity * w),
      wT: new Float64Array(w * w),
    });
    this.actorActs = acts(layout.actor);
    this.criticActs = acts(layout.critic);
    this.actorScratch = scratch(layout.actor);
    this.criticScratch = scratch(layout.critic);
    this.dActor = new Float64Array(capacity * layout.config.actionDim);
    this.dCritic = new Float64Array(capacity);
  }

  /** Input rows of both networks (they read the same observations). */
  setInput(obs: ArrayLike<number>, rows: number, obsDim: number): void {
    const n = rows * obsDim;
    const a = this.actorActs[0]!;
    const c = this.criticActs[0]!;
    for (let j = 0; j < n; j++) {
      a[j] = obs[j]!;
      c[j] = obs[j]!;
    }
  }

  /** Both networks on `rows` observations: afterwards `logits` and `values` hold their outputs. */
  forward(params: Float64Array, obs: ArrayLike<number>, rows: number): void {
    this.setInput(obs, rows, this.layout.config.obsDim);
    mlpForward(params, this.layout.actor, this.actorActs, rows);
    mlpForward(params, this.layout.critic, this.criticActs, rows);
  }

  get logits(): Float64Array {
    return this.actorActs[this.actorActs.length - 1]!;
  }

  get values(): Float64Array {
    return this.criticActs[this.criticActs.length - 1]!;
  }
}

/** ½·log 2π, the Normal log-density's constant. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Output of one acting step for a batch of observations (one row per env). */
export interface ActResult {
  /** Discrete: action index per row (as float). Box: unclipped action, rows × actionDim. */
  actions: Float64Array;
  logProbs: Float64Array;
  values: Float64Array;
}

/**
 * Samples actions for `rows` observations: categorical over softmax(logits), or Normal(mean, exp(logStd)).
 * `deterministic` takes the argmax / the mean (evaluation). Writes into `out`.
 */
export function act(
  params: Float64Array,
  ws: ActorCriticWorkspace,
  obs: ArrayLike<number>,
  rows: number,
  rng: Rng,
  deterministic: boolean,
  out: ActResult,
): void {
  const { layout } = ws;
  const { actionDim, actionKind } = layout.config;
  ws.forward(params, obs, rows);
  const logits = ws.logits;
  const values = ws.values;
  for (let i = 0; i < rows; i++) {
    out.values[i] = values[i]!;
    const li = i * actionDim;
    if (actionKind === "discrete") {
      const logSum = logSumExp(logits, li, actionDim);
      let a = 0;
      if (deterministic) {
        for (let j = 1; j < actionDim; j++) if (logits[li + j]! > logits[li + a]!) a = j;
      } else {
        let u = rng.random();
        a = actionDim - 1;
        for (let j = 0; j < actionDim; j++) {
          u -= Math.exp(logits[li + j]! - logSum);
          if (u < 0) {
            a = j;
            break;
          }
        }
      }
      out.actions[i] = a;
      out.logProbs[i] = logits[li + a]! - logSum;
    } else {
      let lp = 0;
      for (let k = 0; k < actionDim; k++) {
        const logStd = params[layout.logStdOffset + k]!;
        const mean = logits[li + k]!;
        const eps = deterministic ? 0 : rng.normal();
        out.actions[li + k] = mean + Math.exp(logStd) * eps;
        lp += -0.5 * eps * eps - logStd - HALF_LOG_2PI;
      }
      out.logProbs[i] = lp;
    }
  }
}

/** A minibatch, gathered into contiguous rows. */
export interface PpoMinibatch {
  size: number;
  obs: Float64Array;
  /** Discrete: index per row. Box: rows × actionDim. */
  actions: Float64Array;
  logProbs: Float64Array;
  advantages: Float64Array;
  returns: Float64Array;
  values: Float64Array;
}

export interface PpoCoefficients {
  clipCoef: number;
  clipVloss: boolean;
  entCoef: number;
  vfCoef: number;
  normAdv: boolean;
}

/** Per-minibatch statistics with CleanRL's meaning. */
export interface PpoLossStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  oldApproxKl: number;
  approxKl: number;
  clipFrac: number;
  loss: number;
}

/** Float arrays the loss head reads and writes: the float64 JS learner's, or float32 views on WebAssembly memory. */
export type FloatArray = Float64Array | Float32Array;

/**
 * CleanRL's PPO loss on one minibatch and its exact gradient, accumulated into `grad`:
 *   loss = mean(max(−Â·r, −Â·clip(r, 1−ε, 1+ε))) − c_ent·mean(H) + c_vf·½·mean(max((V−R)², (V_clip−R)²))
 * with r = exp(log π(a|s) − log π_old(a|s)), Â normalised per minibatch (unbiased std, + 1e-8),
 * V_clip = V_old + clip(V − V_old, −ε, ε) (Schulman et al. 2017; CleanRL ppo.py lines "Policy loss" …).
 */
export function ppoLossAndGradient(
  params: Float64Array,
  ws: ActorCriticWorkspace,
  mb: PpoMinibatch,
  coef: PpoCoefficients,
  grad: Float64Array,
): PpoLossStats {
  const { layout } = ws;
  const B = mb.size;
  ws.forward(params, mb.obs, B);
  const stats = ppoLossHead(layout, params, ws.logits, ws.values, mb, coef, ws.dActor, ws.dCritic, grad);
  mlpBackward(params, layout.actor, ws.actorActs, ws.dActor, ws.actorScratch, grad, B);
  mlpBackward(params, layout.critic, ws.criticActs, ws.dCritic, ws.criticScratch, grad, B);
  return stats;
}

/**
 * The PPO loss given the networks' outputs (`head`: B × actionDim logits or means, `values`: B), and
 * its gradient with respect to those outputs: dHead (B × actionDim) and dV (B) are overwritten; the
 * log-std gradient (continuous actions) is accumulated into `grad`. Shared by every fused learner, so
 * the loss is written once (the float64 JS learner and the WebAssembly SIMD learner call it).
 */
export function ppoLossHead(
  layout: ActorCriticLayout,
  params: FloatArray,
  head: FloatArray,
  values: FloatArray,
  mb: PpoMinibatch,
  coef: PpoCoefficients,
  dHead: FloatArray,
  dV: FloatArray,
  grad: FloatArray,
): PpoLossStats {
  const { actionDim, actionKind } = layout.config;
  const B = mb.size;

  let advMean = 0;
  let advStd = 1;
  if (coef.normAdv) {
    for (let i = 0; i < B; i++) advMean += mb.advantages[i]!;
    advMean /= B;
    let ss = 0;
    for (let i = 0; i < B; i++) ss += (mb.advantages[i]! - advMean) ** 2;
    // torch.Tensor.std is unbiased (n − 1); a minibatch of one has std NaN in torch, 0 here.
    advStd = B > 1 ? Math.sqrt(ss / (B - 1)) : 0;
  }
  const { clipCoef, entCoef, vfCoef } = coef;
  const invB = 1 / B;
  let pgSum = 0, vSum = 0, entSum = 0, oldKlSum = 0, klSum = 0, clipCount = 0;

  // Continuous: entropy depends only on log-std; its gradient is accumulated once below.
  let boxEntropy = 0;
  if (actionKind === "box") {
    for (let k = 0; k < actionDim; k++) boxEntropy += 0.5 + HALF_LOG_2PI + params[layout.logStdOffset + k]!;
  }

  for (let i = 0; i < B; i++) {
    const hi = i * actionDim;
    let logProb: number;
    let entropy: number;
    /** log Σ exp(logits) of this row (discrete), reused by the gradient below. */
    let logSum = 0;
    if (actionKind === "discrete") {
      logSum = logSumExp(head, hi, actionDim);
      entropy = 0;
      for (let j = 0; j < actionDim; j++) {
        const lp = head[hi + j]! - logSum;
        entropy -= Math.exp(lp) * lp;
      }
      logProb = head[hi + mb.actions[i]!]! - logSum;
    } else {
      logProb = 0;
      for (let k = 0; k < actionDim; k++) {
        const logStd = params[layout.logStdOffset + k]!;
        const d = mb.actions[hi + k]! - head[hi + k]!;
        logProb += (-0.5 * d * d) / Math.exp(2 * logStd) - logStd - HALF_LOG_2PI;
      }
      entropy = boxEntropy;
    }

    const logRatio = logProb - mb.logProbs[i]!;
    const ratio = Math.exp(logRatio);
    oldKlSum += -logRatio;
    klSum += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > clipCoef) clipCount++;

    const adv = coef.normAdv ? (mb.advantages[i]! - advMean) / (advStd + 1e-8) : mb.advantages[i]!;
    const pg1 = -adv * ratio;
    const pg2 = -adv * Math.min(Math.max(ratio, 1 - clipCoef), 1 + clipCoef);
    pgSum += Math.max(pg1, pg2);
    // d max(pg1, pg2)/d logπ: the clipped branch is flat outside [1−ε, 1+ε] and equals pg1 inside.
    const dLogProb = pg1 >= pg2 ? -adv * ratio * invB : 0;
    entSum += entropy;

    if (actionKind === "discrete") {
      const a = mb.actions[i]!;
      for (let j = 0; j < actionDim; j++) {
        const lp = head[hi + j]! - logSum;
        const p = Math.exp(lp);
        // dlogπ(a)/dz_j = [j = a] − p_j ; dH/dz_j = −p_j (log p_j + H); the loss carries −c_ent·H.
        dHead[hi + j] = dLogProb * ((j === a ? 1 : 0) - p) + entCoef * invB * p * (lp + entropy);
      }
    } else {
      for (let k = 0; k < actionDim; k++) {
        const logStd = params[layout.logStdOffset + k]!;
        const variance = Math.exp(2 * logStd);
        const d = mb.actions[hi + k]! - head[hi + k]!;
        dHead[hi + k] = dLogProb * (d / variance);
        // dlogπ/dlogσ = d²/σ² − 1; dH/dlogσ = 1 per sample.
        grad[layout.logStdOffset + k]! += dLogProb * ((d * d) / variance - 1) - entCoef * invB;
      }
    }

    const v = values[i]!;
    const ret = mb.returns[i]!;
    const vOld = mb.values[i]!;
    const unclipped = (v - ret) * (v - ret);
    if (coef.clipVloss) {
      const delta = Math.min(Math.max(v - vOld, -clipCoef), clipCoef);
      const vClipped = vOld + delta;
      const clipped = (vClipped - ret) * (vClipped - ret);
      if (unclipped >= clipped) {
        vSum += 0.5 * unclipped;
        dV[i] = vfCoef * (v - ret) * invB;
      } else {
        vSum += 0.5 * clipped;
        const inside = Math.abs(v - vOld) < clipCoef ? 1 : 0;
        dV[i] = vfCoef * (vClipped - ret) * inside * invB;
      }
    } else {
      vSum += 0.5 * unclipped;
      dV[i] = vfCoef * (v - ret) * invB;
    }
  }

  const policyLoss = pgSum * invB;
  const valueLoss = vSum * invB;
  const entropy = entSum * invB;
  return {
    policyLoss,
    valueLoss,
    entropy,
    oldApproxKl: oldKlSum * invB,
    approxKl: klSum * invB,
    clipFrac: clipCount * invB,
    loss: policyLoss - entCoef * entropy + vfCoef * valueLoss,
  };
}
