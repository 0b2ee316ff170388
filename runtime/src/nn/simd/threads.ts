/**
 * Data-parallel forward and backward passes over worker threads that share the learner's WebAssembly
 * memory. The minibatch's rows are cut into a fixed number of blocks (simd/learner.ts); thread t of T
 * works on blocks t, t + T, … Activation and dLoss/dZ rows of different blocks are disjoint, and each
 * block accumulates dW, db into its own gradient vector, which the main thread then sums in block
 * order — so the result does not depend on how many threads ran. Each thread instantiates the same
 * compiled module on the same shared memory; the main thread is thread 0.
 *
 * Synchronisation is a generation counter and a done counter in a small SharedArrayBuffer
 * (Atomics.wait / notify; Node lets the main thread wait). Atomics are sequentially consistent, so
 * everything a thread wrote to the memory before bumping a counter is visible to the thread that
 * sees the new count. The worker body is a few lines of plain JavaScript (`eval`), so it needs no
 * bundle or TypeScript loader of its own.
 */
import { Worker } from "node:worker_threads";

/** Control words. */
const GENERATION = 0;
const DONE = 1;
const PHASE = 2;
/** Rows [r0, r1) of block b at RANGES + 2b, RANGES + 2b + 1. */
const RANGES = 4;
export const MAX_BLOCKS = 64;

export const PHASE_FORWARD = 1;
export const PHASE_BACKWARD = 2;
const PHASE_EXIT = 3;

/** How long the main thread waits for a worker before giving up on the update (a worker that never answers). */
const WORKER_TIMEOUT_MS = 60_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { module, memory, control, index, threads, actor, critic, grads, paddedSize } = workerData;
const ctl = new Int32Array(control);
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
parentPort.postMessage("ready");
let generation = 0;
for (;;) {
  Atomics.wait(ctl, ${GENERATION}, generation);
  generation = Atomics.load(ctl, ${GENERATION});
  const phase = Atomics.load(ctl, ${PHASE});
  if (phase === ${PHASE_EXIT}) break;
  for (let b = index; b < grads.length; b += threads) {
    const r0 = ctl[${RANGES} + 2 * b], r1 = ctl[${RANGES} + 2 * b + 1];
    if (phase === ${PHASE_FORWARD}) {
      k.forwardRows(actor, r0, r1);
      k.forwardRows(critic, r0, r1);
    } else {
      k.fillZero(grads[b], paddedSize);
      k.backwardRows(actor, r0, r1, grads[b]);
      k.backwardRows(critic, r0, r1, grads[b]);
    }
  }
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

export interface PoolLayout {
  /** Descriptor offsets of the two networks. */
  actor: number;
  critic: number;
  /** The gradient vector of each row block. */
  grads: readonly number[];
  paddedSize: number;
}

/** The helper threads of one learner (threads 1 … T−1; the main thread is 0). One owner: the learner, which disposes it. */
export class RowParallelPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * (RANGES + 2 * MAX_BLOCKS)));
  private readonly workers: Worker[] = [];
  private disposed = false;

  private constructor(readonly threads: number) {}

  /** Starts threads − 1 workers on `memory` and resolves once each has instantiated the module. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number, layout: PoolLayout): Promise<RowParallelPool> {
    if (!(threads >= 2 && threads <= layout.grads.length && layout.grads.length <= MAX_BLOCKS)) {
      throw new RangeError(`${threads} threads over ${layout.grads.length} row blocks: need 2 ≤ threads ≤ blocks ≤ ${MAX_BLOCKS}`);
    }
    const pool = new RowParallelPool(threads);
    try {
      await Promise.all(
        Array.from(
          { length: threads - 1 },
          (_, i) =>
            new Promise<void>((resolve, reject) => {
              const worker = new Worker(WORKER_SOURCE, {
                eval: true,
                workerData: { module, memory, control: pool.control.buffer, index: i + 1, threads, ...layout },
              });
              // A helper never keeps the process alive; dispose() ends it.
              worker.unref();
              pool.workers.push(worker);
              worker.once("message", () => resolve());
              worker.once("error", reject);
              worker.once("exit", (code) => reject(new Error(`learner worker thread exited (code ${code}) before it was ready`)));
            }),
        ),
      );
    } catch (err) {
      pool.dispose();
      throw err;
    }
    return pool;
  }

  /**
   * Runs `phase` on every worker for its blocks while `own()` (thread 0's blocks) runs on this thread,
   * and returns when all are done. ranges[b] = [r0, r1) of block b.
   */
  run(phase: number, ranges: readonly (readonly [number, number])[], own: () => void): void {
    if (this.disposed) throw new Error("the learner's worker threads were disposed");
    const ctl = this.control;
    ranges.forEach(([r0, r1], b) => {
      ctl[RANGES + 2 * b] = r0;
      ctl[RANGES + 2 * b + 1] = r1;
    });
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, PHASE, phase);
    Atomics.add(ctl, GENERATION, 1);
    Atomics.notify(ctl, GENERATION);
    own();
    const helpers = this.threads - 1;
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    for (let done = Atomics.load(ctl, DONE); done < helpers; done = Atomics.load(ctl, DONE)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`a learner worker thread did not finish its rows within ${WORKER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(ctl, DONE, done, left);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.control, PHASE, PHASE_EXIT);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const w of this.workers) void w.terminate();
  }
}

/** Splits rows [0, n) into `parts` contiguous ranges, the first ones one row longer when n does not divide. */
export function splitRows(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  let r = 0;
  for (let p = 0; p < parts; p++) {
    const len = Math.floor(n / parts) + (p < n % parts ? 1 : 0);
    out.push([r, r + len]);
    r += len;
  }
  return out;
}
