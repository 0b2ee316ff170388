/**
 * Tensor backend choice. `js` is the fused plain-JS learner; the others are TensorFlow.js backends,
 * loaded lazily (nothing heavy at start-up) and each optional: tfjs-node / tfjs-node-gpu exist only
 * when the user installed them (their install downloads libtensorflow, so they are never required),
 * webgpu needs the `webgpu` package (Dawn) and a GPU adapter. A missing backend falls back with a
 * one-line notice, never a crash.
 */
import type * as tfTypes from "@tensorflow/tfjs-core";
import type { ActorCriticLayout } from "../nn/actor-critic.js";
import { BACKEND_NAMES, JsLearner, type BackendName, type Learner } from "../nn/learner.js";
import { TfjsLearner } from "./tfjs-learner.js";

export type BackendRequest = BackendName | "auto";

/**
 * Below this many floating-point operations per minibatch update, per-op dispatch dominates and the
 * fused JS learner beats the tensor backends. `npm run bench -- train backends` prints one update of
 * CleanRL's 4→64→64 network (~28 MFLOP at minibatch 512) per backend (`js_mb512_ms`, `wasm_mb512_ms`,
 * `cpu_mb512_ms`, and at minibatch 64); the README's "Measured" table quotes its latest run. The
 * threshold sits two orders of magnitude above that network, where a GPU's arithmetic starts to pay
 * for its dispatch; it has not been measured on a GPU yet, so `--backend` overrides it.
 */
export const GPU_WORTHWHILE_FLOPS = 2e9;

/** Fallback order when a requested tfjs backend is unavailable. */
const FALLBACK: Record<BackendName, BackendName | null> = {
  "tfjs-node-gpu": "tfjs-node",
  webgpu: "wasm",
  "tfjs-node": "wasm",
  wasm: "cpu",
  cpu: "js",
  js: null,
};

export class BackendUnavailableError extends Error {}

/** tfjs backend name registered by each of our backend names. */
const TFJS_NAME: Record<Exclude<BackendName, "js">, string> = {
  wasm: "wasm",
  cpu: "cpu",
  "tfjs-node": "tensorflow",
  "tfjs-node-gpu": "tensorflow",
  webgpu: "webgpu",
};

/** Loads and activates a tfjs backend; throws BackendUnavailableError with the reason. */
export async function loadTfjs(name: Exclude<BackendName, "js">): Promise<typeof tfTypes> {
  const tf = require("@tensorflow/tfjs-core") as typeof tfTypes;
  // tfjs-core alone registers no gradients; the learner needs them for every op it uses.
  require("@tensorflow/tfjs-core/dist/register_all_gradients");
  // PROD silences tfjs's console banners (we print our own one-line backend notice).
  tf.env().set("PROD", true);
  try {
    switch (name) {
      case "cpu":
        require("@tensorflow/tfjs-backend-cpu");
        break;
      case "wasm":
        require("@tensorflow/tfjs-backend-wasm");
        break;
      case "tfjs-node":
        require("@tensorflow/tfjs-node");
        break;
      case "tfjs-node-gpu":
        require("@tensorflow/tfjs-node-gpu");
        break;
      case "webgpu": {
        const dawn = require("webgpu") as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
        Object.assign(globalThis, dawn.globals);
        const gpu = dawn.create([]);
        const adapter = await gpu.requestAdapter();
        if (!adapter) throw new Error("no GPU adapter found through Dawn (Vulkan)");
        Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
        require("@tensorflow/tfjs-backend-webgpu");
        break;
      }
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "MODULE_NOT_FOUND" ? `package not installed (${(err as Error).message.split("\n")[0]})` : (err as Error).message.split("\n")[0];
    throw new BackendUnavailableError(`${name}: ${reason}`);
  }
  const ok = await tf.setBackend(TFJS_NAME[name]);
  if (!ok) throw new BackendUnavailableError(`${name}: tfjs could not initialise the '${TFJS_NAME[name]}' backend`);
  await tf.ready();
  return tf;
}

export interface LearnerChoice {
  learner: Learner;
  /** One line for the user: what was chosen and why, and any fallbacks on the way. */
  notice: string;
}

/**
 * Creates the learner for a request. `auto`: the fused JS learner for small networks (the usual
 * classic-control case), otherwise the first available of tfjs-node-gpu, webgpu, tfjs-node, wasm.
 */
export async function createLearner(
  request: BackendRequest,
  layout: ActorCriticLayout,
  params: Float32Array,
  minibatchSize: number,
): Promise<LearnerChoice> {
  if (request !== "auto" && !BACKEND_NAMES.includes(request)) {
    throw new RangeError(`unknown backend '${String(request)}': expected auto, ${BACKEND_NAMES.join(", ")}`);
  }
  const notes: string[] = [];
  const flops = 6 * layout.size * minibatchSize;
  let candidates: BackendName[];
  if (request === "auto") {
    if (flops < GPU_WORTHWHILE_FLOPS) {
      return {
        learner: new JsLearner(layout, params, minibatchSize),
        notice: `backend: js (auto: ${layout.size} parameters × minibatch ${minibatchSize}; at this size per-op dispatch of a tensor library costs more than the arithmetic, so the fused JS kernels are fastest)`,
      };
    }
    candidates = ["tfjs-node-gpu", "webgpu", "tfjs-node", "wasm", "js"];
  } else {
    candidates = [];
    for (let b: BackendName | null = request; b; b = FALLBACK[b]) candidates.push(b);
  }
  for (const name of candidates) {
    if (name === "js") {
      notes.push("backend: js");
      return { learner: new JsLearner(layout, params, minibatchSize), notice: notes.join("; ") };
    }
    try {
      const tf = await loadTfjs(name);
      notes.push(`backend: ${name}${request === "auto" ? " (auto)" : ""}`);
      return { learner: new TfjsLearner(tf, name, layout, params), notice: notes.join("; ") };
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      notes.push(`${err.message}; falling back`);
    }
  }
  throw new Error(`no backend available: ${notes.join("; ")}`);
}
