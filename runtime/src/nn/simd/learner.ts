/**
 * The WebAssembly SIMD learner (backend `wasm-simd`): the fused PPO update of the plain-JS learner —
 * forward, loss, backward, global-norm clip, Adam — with float32 parameters and the matrix work in
 * f32x4 kernels (./assembly/kernels.ts). The parameters, gradients, Adam moments and activations live
 * in one WebAssembly memory; JavaScript reads and writes them through Float32Array views, never copies
 * (`params` is such a view, so acting sees each update at once). The loss head is the same JavaScript
 * as the JS learner's (actor-critic.ts `ppoLossHead`), run on views of the network outputs.
 *
 * The minibatch's rows are cut into `blocks` row blocks (by default one per core, at most 4), each
 * with its own gradient vector, summed in block order: dW = Σ_rows dZᵀ·X is the only sum over rows,
 * so fixing the blocks per machine makes a run's numbers independent of how many threads computed them.
 * With `threads` > 1 worker threads sharing the memory take blocks (threads.ts); cost.ts decides when
 * that pays.
 */
import { availableParallelism } from "node:os";
import { type ActorCriticLayout, type PpoCoefficients, type PpoLossStats, type PpoMinibatch, ppoLossHead } from "../actor-critic.js";
import { ADAM_DEFAULTS, clipCoefficient } from "../adam.js";
import { checkStateSize, type Learner, type LearnerState } from "../learner.js";
import { instantiateKernels, loadKernelModule, type KernelExports } from "./module.js";
import { memoryLimitProblem, planSimdMemory, type SimdMemoryPlan } from "./plan.js";
import { MAX_BLOCKS, PHASE_BACKWARD, PHASE_FORWARD, RowParallelPool, splitRows } from "./threads.js";

/** Row blocks for this machine: one per core, 1 to 4 (more would shorten the dW sums to little gain). */
export function defaultRowBlocks(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** The learner cannot be made here; `reason` is one line for the backend notice. */
export class WasmSimdUnavailableError extends Error {}

export interface WasmSimdOptions {
  /** Threads for the forward and backward passes (1: this thread only). Default 1. */
  threads?: number;
  /** Row blocks (gradient vectors) per minibatch; at least `threads`. Default: defaultRowBlocks(). */
  blocks?: number;
  /** Where to look for learner-simd.wasm (default: beside the bundle, or the checkout's dist/ from sources). */
  kernelPaths?: readonly string[];
}

interface Views {
  byteLength: number;
  params: Float32Array;
  grad: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  input: Float32Array;
  head: Float32Array;
  values: Float32Array;
  dHead: Float32Array;
  dV: Float32Array;
}

const heapBaseOfModule: WeakMap<WebAssembly.Module, number> = new WeakMap();

/** The first free byte of a kernel module's memory, read once from a throw-away instance. */
function heapBase(module: WebAssembly.Module): number {
  let base = heapBaseOfModule.get(module);
  if (base === undefined) {
    base = instantiateKernels(module, new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true })).heapBase() >>> 0;
    heapBaseOfModule.set(module, base);
  }
  return base;
}

export class WasmSimdLearner implements Learner {
  readonly backend = "wasm-simd" as const;
  private cachedViews: Views | null = null;
  private adamStep = 0;
  private disposed = false;

  private constructor(
    readonly layout: ActorCriticLayout,
    readonly plan: SimdMemoryPlan,
    readonly capacity: number,
    private readonly memory: WebAssembly.Memory,
    private readonly k: KernelExports,
    private readonly pool: RowParallelPool | null,
  ) {}

  /**
   * Builds the learner with `params` as its initial parameters, for minibatches of up to `capacity`
   * rows. Rejects with WasmSimdUnavailableError (a one-line reason) when the kernels cannot load, or
   * the network and minibatch do not fit in a WebAssembly memory.
   */
  static async create(layout: ActorCriticLayout, params: Float32Array, capacity: number, options: WasmSimdOptions = {}): Promise<WasmSimdLearner> {
    const threads = options.threads ?? 1;
    const blocks = Math.max(threads, options.blocks ?? defaultRowBlocks());
    if (!(Number.isInteger(threads) && threads >= 1 && blocks <= MAX_BLOCKS)) throw new RangeError(`threads must be an integer from 1 to ${MAX_BLOCKS} (got ${threads})`);
    const loaded = loadKernelModule(options.kernelPaths);
    if (!loaded.ok) throw new WasmSimdUnavailableError(loaded.reason);
    let base: number;
    try {
      base = heapBase(loaded.module);
    } catch (err) {
      throw new WasmSimdUnavailableError(`${loaded.path} cannot be instantiated (${(err as Error).message.split("\n")[0]})`);
    }
    const plan = planSimdMemory(layout, capacity, blocks, base);
    const tooBig = memoryLimitProblem(plan, layout, capacity);
    if (tooBig) throw new WasmSimdUnavailableError(tooBig);
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: plan.pages, maximum: plan.pages, shared: true });
    } catch (err) {
      throw new WasmSimdUnavailableError(`could not allocate ${Math.ceil(plan.bytes / 2 ** 20)} MiB of WebAssembly memory (${(err as Error).message})`);
    }
    const k = instantiateKernels(loaded.module, memory);
    const words = new Int32Array(memory.buffer);
    for (const net of [plan.actor, plan.critic]) words.set(net.words, net.descriptor / 4);
    const pool =
      threads > 1
        ? await RowParallelPool.start(loaded.module, memory, threads, { actor: plan.actor.descriptor, critic: plan.critic.descriptor, grads: plan.grads, paddedSize: plan.paddedSize })
        : null;
    const learner = new WasmSimdLearner(layout, plan, capacity, memory, k, pool);
    learner.views.params.set(params);
    return learner;
  }

  /** Threads working on each update (this one included). */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Row blocks per minibatch (gradient vectors summed in order). */
  get blocks(): number {
    return this.plan.grads.length;
  }

  /**
   * Float32Array views on the memory. The memory never grows after create(), but a view is only valid
   * for the buffer it was made on, so they are re-made whenever the buffer's size changed.
   */
  private get views(): Views {
    const buffer = this.memory.buffer;
    if (this.cachedViews?.byteLength === buffer.byteLength) return this.cachedViews;
    const { plan, layout, capacity } = this;
    const f = (offset: number, length: number) => new Float32Array(buffer, offset, length);
    const { obsDim, actionDim } = layout.config;
    this.cachedViews = {
      byteLength: buffer.byteLength,
      params: f(plan.params, layout.size),
      grad: f(plan.grads[0]!, layout.size),
      adamM: f(plan.adamM, layout.size),
      adamV: f(plan.adamV, layout.size),
      input: f(plan.input, capacity * obsDim),
      head: f(plan.actor.head, capacity * actionDim),
      values: f(plan.critic.head, capacity),
      dHead: f(plan.actor.dHead, capacity * actionDim),
      dV: f(plan.critic.dHead, capacity),
    };
    return this.cachedViews;
  }

  /** The parameters, as a view on the learner's memory: always current, no syncParams() needed. */
  get params(): Float32Array {
    return this.views.params;
  }

  /** The last gradient (after clipping, once step() ran), a view on the learner's memory. */
  get gradient(): Float32Array {
    return this.views.grad;
  }

  /** The PPO loss on `mb` and its gradient with respect to the parameters (left in `gradient`); no optimiser step. */
  lossAndGradient(mb: PpoMinibatch, coef: PpoCoefficients): PpoLossStats {
    if (this.disposed) throw new Error("the wasm-simd learner was disposed");
    const B = mb.size;
    if (B > this.capacity) throw new RangeError(`minibatch of ${B} rows exceeds the learner's capacity of ${this.capacity}`);
    const { k, plan, pool } = this;
    const v = this.views;
    const actor = plan.actor.descriptor;
    const critic = plan.critic.descriptor;
    v.input.set(B * this.layout.config.obsDim === mb.obs.length ? mb.obs : mb.obs.subarray(0, B * this.layout.config.obsDim));
    k.prepareNetwork(actor);
    k.prepareNetwork(critic);
    const blocks = splitRows(B, plan.grads.length);
    const threads = this.threads;
    // Thread 0's blocks: 0, T, 2T, …
    const own: number[] = [];
    for (let b = 0; b < blocks.length; b += threads) own.push(b);
    if (pool) {
      pool.run(PHASE_FORWARD, blocks, () => {
        for (const b of own) {
          k.forwardRows(actor, blocks[b]![0], blocks[b]![1]);
          k.forwardRows(critic, blocks[b]![0], blocks[b]![1]);
        }
      });
    } else {
      // Rows are independent in the forward pass: one call over all of them.
      k.forwardRows(actor, 0, B);
      k.forwardRows(critic, 0, B);
    }
    const grad = plan.grads[0]!;
    k.fillZero(grad, plan.paddedSize);
    const stats = ppoLossHead(this.layout, v.params, v.head, v.values, mb, coef, v.dHead, v.dV, v.grad);
    const backward = () => {
      for (const b of own) {
        const g = plan.grads[b]!;
        // Block 0's vector already holds the log-std gradient from the loss head.
        if (b !== 0) k.fillZero(g, plan.paddedSize);
        k.backwardRows(actor, blocks[b]![0], blocks[b]![1], g);
        k.backwardRows(critic, blocks[b]![0], blocks[b]![1], g);
      }
    };
    if (pool) pool.run(PHASE_BACKWARD, blocks, backward);
    else backward();
    for (let b = 1; b < blocks.length; b++) k.addInto(grad, plan.grads[b]!, plan.paddedSize);
    return stats;
  }

  async step(mb: PpoMinibatch, coef: PpoCoefficients, learningRate: number, maxGradNorm: number): Promise<PpoLossStats> {
    return this.stepSync(mb, coef, learningRate, maxGradNorm);
  }

  stepSync(mb: PpoMinibatch, coef: PpoCoefficients, learningRate: number, maxGradNorm: number): PpoLossStats {
    const stats = this.lossAndGradient(mb, coef);
    const { k, plan } = this;
    const grad = plan.grads[0]!;
    const n = plan.paddedSize;
    const c = clipCoefficient(Math.sqrt(k.sumSquares(grad, n)), maxGradNorm);
    if (c < 1) k.scale(grad, n, c);
    this.adamStep++;
    const { beta1, beta2, epsilon } = ADAM_DEFAULTS;
    const bc1 = 1 - Math.pow(beta1, this.adamStep);
    const bc2 = 1 - Math.pow(beta2, this.adamStep);
    k.adam(plan.params, grad, plan.adamM, plan.adamV, n, beta1, beta2, learningRate / bc1, 1 / Math.sqrt(bc2), epsilon);
    return stats;
  }

  async syncParams(): Promise<void> {}

  async getState(): Promise<LearnerState> {
    const v = this.views;
    return { params: v.params.slice(), adamM: v.adamM.slice(), adamV: v.adamV.slice(), adamStep: this.adamStep };
  }

  async setState(state: LearnerState): Promise<void> {
    checkStateSize(state, this.layout.size);
    const v = this.views;
    v.params.set(state.params);
    v.adamM.set(state.adamM);
    v.adamV.set(state.adamV);
    this.adamStep = state.adamStep;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.dispose();
    this.cachedViews = null;
  }
}
