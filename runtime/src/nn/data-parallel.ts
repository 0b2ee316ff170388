/**
 * Data-parallel PPO learners (the core of issue 14's "Multi-learner PPO"): N ranks, one per worker
 * thread, each with its own minibatch, share ONE parameter vector and ONE Adam state in a
 * SharedArrayBuffer. Every minibatch each rank writes its gradient into its own slot; after a barrier
 * rank 0 averages the slots in rank order, clips the global norm and takes the Adam step on the shared
 * parameters; after a second barrier every rank goes on with the same parameters.
 *
 * This is what PyTorch DDP does in CleanRL's ppo_atari_multigpu.py (all-reduce of the gradients, mean
 * over ranks, then clip_grad_norm_ and the optimizer step), except that the step runs once on shared
 * memory instead of once per rank on replicated copies: the ranks cannot drift apart.
 *
 * The mean of N per-rank minibatch-mean gradients over equal-size minibatches is the gradient of their
 * union (up to float summation order), as long as nothing couples the rows of a minibatch: with
 * `normAdv` each rank normalises the advantages of its own minibatch, as CleanRL's multi-GPU script does.
 *
 * Float64 and plain JavaScript (the `js` learner's kernels, actor-critic.ts); the barrier is Atomics.wait,
 * so a rank must be a worker thread (or Node's main thread, which may wait).
 */
import { createHash } from "node:crypto";
import { Adam, clipGradNorm } from "./adam.js";
import { ActorCriticWorkspace, ppoLossAndGradient, type ActorCriticLayout, type PpoCoefficients, type PpoLossStats, type PpoMinibatch } from "./actor-critic.js";
import { checkStateSize, type Learner, type LearnerState } from "./learner.js";

/** Int32 control words at the start of the buffer: barrier arrivals, barrier generation, stop, failed. */
const ARRIVED = 0;
const GENERATION = 1;
const STOP = 2;
const FAILED = 3;
const CONTROL_BYTES = 16;

/** How the shared buffer is cut: control words, the Adam step count, the ranks' mean approx KL, params, m, v, one gradient and one approx KL per rank. */
export interface DataParallelPlan {
  size: number;
  ranks: number;
  byteLength: number;
}

export function dataParallelPlan(size: number, ranks: number): DataParallelPlan {
  if (!Number.isInteger(ranks) || ranks < 1) throw new RangeError(`ranks must be a positive integer, got ${ranks}`);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
  // control, adam step and mean approx KL (two float64), params, m, v, ranks gradient slots, ranks approx KL.
  return { size, ranks, byteLength: CONTROL_BYTES + 16 + 8 * size * (3 + ranks) + 8 * ranks };
}

/** The shared memory of `ranks` learners, the parameters initialised to `initParams` (every rank starts from them). */
export function createDataParallelMemory(layout: ActorCriticLayout, ranks: number, initParams: Float32Array): SharedArrayBuffer {
  const plan = dataParallelPlan(layout.size, ranks);
  if (initParams.length !== layout.size) throw new RangeError(`initParams has ${initParams.length} values, the network has ${layout.size} parameters`);
  const buffer = new SharedArrayBuffer(plan.byteLength);
  views(buffer, plan).params.set(initParams);
  return buffer;
}

function views(buffer: SharedArrayBuffer, plan: DataParallelPlan) {
  const { size, ranks } = plan;
  if (buffer.byteLength !== plan.byteLength) throw new RangeError(`shared buffer has ${buffer.byteLength} bytes, ${ranks} ranks of ${size} parameters need ${plan.byteLength}`);
  const f64 = (index: number, length: number) => new Float64Array(buffer, CONTROL_BYTES + 8 * index, length);
  return {
    control: new Int32Array(buffer, 0, CONTROL_BYTES / 4),
    adamStep: f64(0, 1),
    meanApproxKl: f64(1, 1),
    params: f64(2, size),
    m: f64(2 + size, size),
    v: f64(2 + 2 * size, size),
    grad: (rank: number) => f64(2 + (3 + rank) * size, size),
    approxKl: f64(2 + (3 + ranks) * size, ranks),
  };
}

/** Thrown when another rank does not reach a barrier in time, or said it failed. */
export class RankTimeoutError extends Error {
  override name = "RankTimeoutError";
}

/**
 * A reusable barrier for `n` threads on two Int32 words: the last to arrive resets the count and bumps
 * the generation; the others wait for the generation to change.
 */
export function barrier(control: Int32Array, n: number, timeoutMs: number): void {
  if (n === 1) return;
  const generation = Atomics.load(control, GENERATION);
  if (Atomics.add(control, ARRIVED, 1) === n - 1) {
    Atomics.store(control, ARRIVED, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    return;
  }
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(control, GENERATION) === generation) {
    if (Atomics.load(control, FAILED) !== 0) throw new RankTimeoutError("another data-parallel learner failed; this one stops with it");
    const left = deadline - performance.now();
    if (left <= 0) throw new RankTimeoutError(`a data-parallel learner waited ${timeoutMs} ms for the other ${n - 1} rank(s) at a barrier: one of them failed or stopped`);
    Atomics.wait(control, GENERATION, generation, left);
  }
}

export interface DataParallelOptions {
  /** How long a rank waits at a barrier for the others before failing (default 60 s). */
  barrierTimeoutMs?: number;
}

/** One rank's learner: its own workspace and gradient slot; the parameters and Adam state are the shared ones. */
export class DataParallelLearner implements Learner {
  readonly backend = "js" as const;
  /** float32 image of the shared parameters for acting and checkpoints (after `syncParams`). */
  readonly params: Float32Array;
  private readonly shared: ReturnType<typeof views>;
  private readonly ws: ActorCriticWorkspace;
  /** Rank 0 only: the one Adam state, on the shared moments. */
  private readonly adam: Adam | null;
  /** Rank 0 only: the mean gradient (local, so clipping it does not disturb the slots). */
  private readonly mean: Float64Array | null;
  private readonly timeoutMs: number;
  /** The mean over ranks of the last update's approx KL (what target-KL early stopping reads, the same on every rank). */
  meanApproxKl = 0;

  constructor(
    readonly layout: ActorCriticLayout,
    /** The memory the ranks share (createDataParallelMemory). */
    readonly sharedBuffer: SharedArrayBuffer,
    readonly rank: number,
    readonly ranks: number,
    maxMinibatch: number,
    options: DataParallelOptions = {},
  ) {
    if (!Number.isInteger(rank) || rank < 0 || rank >= ranks) throw new RangeError(`rank must be an integer in [0, ${ranks}), got ${rank}`);
    this.shared = views(sharedBuffer, dataParallelPlan(layout.size, ranks));
    this.params = Float32Array.from(this.shared.params);
    this.ws = new ActorCriticWorkspace(layout, maxMinibatch);
    this.adam = rank === 0 ? new Adam(layout.size, undefined, undefined, undefined, { m: this.shared.m, v: this.shared.v }) : null;
    if (this.adam) this.adam.step = this.shared.adamStep[0]!;
    this.mean = rank === 0 ? new Float64Array(layout.size) : null;
    this.timeoutMs = options.barrierTimeoutMs ?? 60_000;
  }

  async step(mb: PpoMinibatch, coef: PpoCoefficients, learningRate: number, maxGradNorm: number): Promise<PpoLossStats> {
    return this.stepSync(mb, coef, learningRate, maxGradNorm);
  }

  /** This rank's minibatch gradient, the all-reduce (mean over ranks), one clip + Adam step; the stats are this rank's. */
  stepSync(mb: PpoMinibatch, coef: PpoCoefficients, learningRate: number, maxGradNorm: number): PpoLossStats {
    const { shared, ranks } = this;
    const grad = shared.grad(this.rank);
    grad.fill(0);
    // Every rank reads the parameters here and rank 0 writes them only between the two barriers.
    const stats = ppoLossAndGradient(shared.params, this.ws, mb, coef, grad);
    shared.approxKl[this.rank] = stats.approxKl;
    barrier(shared.control, ranks, this.timeoutMs);
    if (this.adam && this.mean) {
      let kl = 0;
      for (let r = 0; r < ranks; r++) kl += shared.approxKl[r]!;
      shared.meanApproxKl[0] = kl / ranks;
      const mean = this.mean;
      mean.set(shared.grad(0));
      for (let r = 1; r < ranks; r++) {
        const g = shared.grad(r);
        for (let i = 0; i < mean.length; i++) mean[i]! += g[i]!;
      }
      if (ranks > 1) for (let i = 0; i < mean.length; i++) mean[i]! /= ranks;
      clipGradNorm(mean, maxGradNorm);
      this.adam.apply(shared.params, mean, learningRate);
      shared.adamStep[0] = this.adam.step;
    }
    barrier(shared.control, ranks, this.timeoutMs);
    // Read before the next update's first barrier, the only point after which rank 0 rewrites it.
    this.meanApproxKl = shared.meanApproxKl[0]!;
    return stats;
  }

  /**
   * Whether every rank goes on to another iteration: each says whether it wants to stop (rank 0: the
   * user's Stop), and all get the same answer — stop when any asked — so none is left at a barrier.
   */
  continueTogether(wantStop: boolean): boolean {
    const { control } = this.shared;
    if (wantStop) Atomics.store(control, STOP, 1);
    barrier(control, this.ranks, this.timeoutMs);
    return Atomics.load(control, STOP) === 0;
  }

  /** Tells the other ranks this one failed: they stop at their next barrier instead of waiting out the timeout. */
  fail(): void {
    const { control } = this.shared;
    Atomics.store(control, FAILED, 1);
    Atomics.notify(control, GENERATION);
  }

  async syncParams(): Promise<void> {
    this.params.set(this.shared.params);
  }

  async getState(): Promise<LearnerState> {
    const { params, m, v, adamStep } = this.shared;
    return { params: Float32Array.from(params), adamM: Float32Array.from(m), adamV: Float32Array.from(v), adamStep: adamStep[0]! };
  }

  /** Restores the shared state: call on rank 0 while the other ranks are between updates. */
  async setState(state: LearnerState): Promise<void> {
    checkStateSize(state, this.layout.size);
    const { params, m, v, adamStep } = this.shared;
    params.set(state.params);
    m.set(state.adamM);
    v.set(state.adamV);
    adamStep[0] = state.adamStep;
    if (this.adam) this.adam.step = state.adamStep;
    this.params.set(state.params);
  }

  dispose(): void {}
}

/**
 * The seed of rank `rank`'s envs and action sampling: CleanRL's ppo_atari_multigpu.py adds the local rank
 * to the seed (`args.seed += local_rank`) for the envs and sampling, and draws the initial network from
 * the unshifted seed so every rank starts from the same parameters (here they are shared anyway).
 */
export function rankSeed(seed: number, rank: number): number {
  return seed + rank;
}

/** SHA-256 of a float array's bytes (16 hex digits): the parameter hash the ranks compare each iteration. */
export function parameterHash(params: Float32Array | Float64Array): string {
  return createHash("sha256").update(new Uint8Array(params.buffer, params.byteOffset, params.byteLength)).digest("hex").slice(0, 16);
}
