/**
 * The layout of the WebAssembly SIMD learner's linear memory, planned once for a network, a minibatch
 * capacity and a thread count (pure: no memory is touched). Everything is float32 and 16-byte aligned:
 *
 *   params · grad (one per row block) · Adam m · Adam v   — the flat parameter vector, padded to 4 floats
 *   input rows (capacity × obsDim), shared by actor and critic
 *   per network and layer: Wᵀ, outputs (capacity × nOut), dLoss/dZ (capacity × nOut)
 *   per network: a descriptor (i32 words) that kernels.ts reads
 */
import type { ActorCriticLayout, DenseLayer } from "../actor-critic.js";

/** wasm32 addresses 65,536 pages of 64 KiB: 4 GiB. */
export const WASM_PAGE_BYTES = 65536;
export const WASM32_MAX_PAGES = 65536;
export const WASM32_MAX_BYTES = WASM32_MAX_PAGES * WASM_PAGE_BYTES;

/** Words of the network header and of each layer in a descriptor (kernels.ts: HEADER_WORDS, LAYER_WORDS). */
const HEADER_WORDS = 3;
const LAYER_WORDS = 10;

export interface LayerPlan {
  layer: DenseLayer;
  /** Byte offsets. */
  wt: number;
  out: number;
  dz: number;
}

export interface NetworkPlan {
  layers: LayerPlan[];
  /** Byte offset of the descriptor. */
  descriptor: number;
  /** The descriptor's words, written at `descriptor` before the first kernel call. */
  words: Int32Array;
  /** The head's outputs and their gradient (capacity × nOut of the last layer). */
  head: number;
  dHead: number;
}

export interface SimdMemoryPlan {
  /** Parameters padded to a multiple of 4 floats (the vector kernels step 4 at a time). */
  paddedSize: number;
  params: number;
  /** One gradient vector per row block (see simd/learner.ts); [0] is the one Adam reads. */
  grads: number[];
  adamM: number;
  adamV: number;
  input: number;
  actor: NetworkPlan;
  critic: NetworkPlan;
  /** Bytes from 0 to the end of the last buffer. */
  bytes: number;
  pages: number;
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** Plans the memory for `blocks` row blocks; `base` is the first byte the kernel module leaves free (its heapBase()). */
export function planSimdMemory(layout: ActorCriticLayout, capacity: number, blocks: number, base = 0): SimdMemoryPlan {
  if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`minibatch capacity must be a positive integer (got ${capacity})`);
  if (!(Number.isInteger(blocks) && blocks >= 1)) throw new RangeError(`row blocks must be a positive integer (got ${blocks})`);
  let at = align16(Math.max(base, 16));
  const take = (floats: number) => {
    const offset = at;
    at = align16(at + floats * 4);
    return offset;
  };
  const paddedSize = Math.ceil(layout.size / 4) * 4;
  const params = take(paddedSize);
  const grads = Array.from({ length: blocks }, () => take(paddedSize));
  const adamM = take(paddedSize);
  const adamV = take(paddedSize);
  const input = take(capacity * layout.config.obsDim);
  const network = (layers: readonly DenseLayer[]): NetworkPlan => {
    const planned = layers.map((layer) => ({ layer, wt: take(layer.nIn * layer.nOut), out: take(capacity * layer.nOut), dz: take(capacity * layer.nOut) }));
    const words = new Int32Array(HEADER_WORDS + LAYER_WORDS * layers.length);
    words.set([layers.length, input, layout.config.obsDim]);
    planned.forEach((p, l) => {
      const { nIn, nOut, wOffset, bOffset } = p.layer;
      words.set(
        [nIn, nOut, params + 4 * wOffset, params + 4 * bOffset, p.wt, p.out, p.dz, 4 * wOffset, 4 * bOffset, l === 0 ? input : planned[l - 1]!.out],
        HEADER_WORDS + LAYER_WORDS * l,
      );
    });
    const descriptor = take(words.length);
    const last = planned[planned.length - 1]!;
    return { layers: planned, descriptor, words, head: last.out, dHead: last.dz };
  };
  const actor = network(layout.actor);
  const critic = network(layout.critic);
  return { paddedSize, params, grads, adamM, adamV, input, actor, critic, bytes: at, pages: Math.ceil(at / WASM_PAGE_BYTES) };
}

/** "4→64→64→2" for messages. */
export function describeNetwork(layout: ActorCriticLayout): string {
  return [layout.config.obsDim, ...layout.config.hiddenSizes, layout.config.actionDim].join("→");
}

/** Why this plan cannot live in a WebAssembly memory, with the figure, or null when it fits. */
export function memoryLimitProblem(plan: SimdMemoryPlan, layout: ActorCriticLayout, capacity: number, limitBytes = WASM32_MAX_BYTES): string | null {
  if (plan.bytes <= limitBytes) return null;
  const mib = (n: number) => (n < 2 ** 20 ? `${Math.ceil(n / 1024).toLocaleString("en-US")} KiB` : `${Math.ceil(n / 2 ** 20).toLocaleString("en-US")} MiB`);
  return (
    `network ${describeNetwork(layout)} with minibatch ${capacity.toLocaleString("en-US")} needs ${mib(plan.bytes)} of WebAssembly memory, ` +
    `more than the ${mib(limitBytes)} a 32-bit WebAssembly memory can address`
  );
}
