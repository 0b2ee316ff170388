/**
 * The one entry point backends/select.ts uses: a WebAssembly SIMD learner with as many threads as the
 * cost model says pay for this network and minibatch on the idle cores, or a one-line reason why not.
 */
import type { ActorCriticLayout } from "../actor-critic.js";
import { chooseThreads, measureIdleCores } from "./cost.js";
import { defaultRowBlocks, WasmSimdLearner, WasmSimdUnavailableError } from "./learner.js";

export { WasmSimdUnavailableError } from "./learner.js";

export interface WasmSimdChoice {
  learner: WasmSimdLearner;
  /** "1 thread: 0.3 idle cores", for the backend notice. */
  detail: string;
}

/** Rejects with WasmSimdUnavailableError (its message is the reason) when the kernels cannot run here. */
export async function createWasmSimdLearner(layout: ActorCriticLayout, params: Float32Array, minibatchSize: number, threads?: number): Promise<WasmSimdChoice> {
  const choice = threads !== undefined ? { threads, reason: `${threads} thread${threads === 1 ? "" : "s"} (asked for)` } : chooseThreads(layout, minibatchSize, await measureIdleCores(), defaultRowBlocks());
  try {
    return { learner: await WasmSimdLearner.create(layout, params, minibatchSize, { threads: choice.threads }), detail: choice.reason };
  } catch (err) {
    if (err instanceof WasmSimdUnavailableError || choice.threads === 1) throw err instanceof WasmSimdUnavailableError ? err : new WasmSimdUnavailableError((err as Error).message);
    // Worker threads could not start (a sandbox without them, say): one thread still works.
    const learner = await WasmSimdLearner.create(layout, params, minibatchSize, { threads: 1 });
    return { learner, detail: `1 thread: worker threads failed to start (${(err as Error).message.split("\n")[0]})` };
  }
}
