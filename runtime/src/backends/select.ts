/**
 * Tensor backend choice. `js` is the fused plain-JS learner; the others are TensorFlow.js backends,
 * loaded lazily (nothing heavy at start-up) and each optional: tfjs-node / tfjs-node-gpu exist only
 * when the user installed them (their install downloads libtensorflow, so they are never required),
 * webgpu needs the `webgpu` package (Dawn) and a GPU adapter. A missing backend falls back with a
 * one-line notice, never a crash.
 *
 * `auto` chooses by the measured cost model (cost-model.ts, coefficients in update-costs.json) and, when
 * a GPU is present and the network is large enough for it to matter, re-checks by timing a few updates
 * on the GPU and on the model's choice at run start: a real GPU's figures are not the table's.
 *
 * Adding a backend: a `BackendName` (protocol/src/runtime.ts), its learner in `OWN_LEARNERS` (or, for a
 * tfjs backend, `TFJS_NAME` and `PACKAGES`), its `FALLBACK`, and its coefficients in update-costs.json
 * (`npm run bench -- backends` measures every backend it can create and fits them).
 */
import type * as tfTypes from "@tensorflow/tfjs-core";
import type { ActorCriticLayout } from "../nn/actor-critic.js";
import { BACKEND_NAMES, JsLearner, type BackendName, type Learner } from "../nn/learner.js";
import { TfjsLearner, TFJS_NAME, type DeviceGuard, type TfjsBackend } from "./tfjs-learner.js";
import { chooseBackend, estimateUpdateMs, formatMs, updateWork, type BackendChoice, type CostTable } from "./cost-model.js";
import { calibrationRng, syntheticMinibatch, timeUpdates } from "./calibrate.js";
import { acquireWebGpu, WebGpuUnavailableError, type WebGpuAdapterSummary } from "./webgpu.js";
import { describeTfjsNodeDevice, explainTfjsNodeLoadError } from "./tfjs-node.js";
import UPDATE_COSTS from "./update-costs.json";
import { createWasmSimdLearner, WasmSimdUnavailableError } from "../nn/simd/create.js";

export type BackendRequest = BackendName | "auto";

/** The committed cost table (measured coefficients per backend, and the machine they were measured on). */
export const COST_TABLE: CostTable = UPDATE_COSTS as CostTable;

/** Fallback order when a requested backend is unavailable. */
const FALLBACK: Record<BackendName, BackendName | null> = {
  "tfjs-node-gpu": "tfjs-node",
  webgpu: "wasm",
  "tfjs-node": "wasm",
  wasm: "cpu",
  cpu: "js",
  "wasm-simd": "js",
  js: null,
};

/** Backends `auto` considers: all but tfjs `cpu`, which the fused JS learner always beats. */
const AUTO_CANDIDATES: readonly BackendName[] = BACKEND_NAMES.filter((b) => b !== "cpu");

/** Backends that run on a GPU (their update cost on this machine is measured at run start, not looked up). */
const GPU_BACKENDS: readonly BackendName[] = ["webgpu", "tfjs-node-gpu"];

export class BackendUnavailableError extends Error {}

/**
 * Learners that are not TensorFlow.js backends: a constructor each. One may throw
 * BackendUnavailableError (with the reason) when it cannot run here.
 */
const OWN_LEARNERS: Partial<Record<BackendName, (layout: ActorCriticLayout, params: Float32Array, maxMinibatch: number) => Learner | MadeLearner | Promise<MadeLearner>>> = {
  js: (layout, params, maxMinibatch) => new JsLearner(layout, params, maxMinibatch),
  // WebAssembly SIMD (nn/simd/): unavailable without SIMD, with a missing or corrupt learner-simd.wasm,
  // or for a network and minibatch beyond wasm32's 4 GiB; the detail says how many threads and why.
  "wasm-simd": async (layout, params, maxMinibatch) => {
    try {
      const { learner, detail } = await createWasmSimdLearner(layout, params, maxMinibatch);
      return { learner, detail };
    } catch (err) {
      throw err instanceof WasmSimdUnavailableError ? new BackendUnavailableError(`wasm-simd: ${err.message}`) : err;
    }
  },
};

function isTfjs(name: BackendName): name is TfjsBackend {
  return name in TFJS_NAME;
}

/** The npm package each tfjs backend needs (for the cheap "is it installed" check). */
const PACKAGES: Record<TfjsBackend, string[]> = {
  wasm: ["@tensorflow/tfjs-backend-wasm"],
  cpu: ["@tensorflow/tfjs-backend-cpu"],
  "tfjs-node": ["@tensorflow/tfjs-node"],
  "tfjs-node-gpu": ["@tensorflow/tfjs-node-gpu"],
  webgpu: ["webgpu", "@tensorflow/tfjs-backend-webgpu"],
};

/** Whether a backend's packages are installed (no loading). */
export function isInstalled(name: BackendName): boolean {
  if (!isTfjs(name)) return name in OWN_LEARNERS;
  return PACKAGES[name].every((p) => {
    try {
      require.resolve(p);
      return true;
    } catch {
      return false;
    }
  });
}

function tfjsCore(): typeof tfTypes {
  const tf = require("@tensorflow/tfjs-core") as typeof tfTypes;
  // tfjs-core alone registers no gradients; the learner needs them for every op it uses.
  require("@tensorflow/tfjs-core/dist/register_all_gradients");
  // PROD silences tfjs's console banners (we print our own one-line backend notice).
  tf.env().set("PROD", true);
  return tf;
}

interface OpenedTfjs {
  tf: typeof tfTypes;
  /** Wraps device work so asynchronous device errors fail it (webgpu). */
  guard?: DeviceGuard;
  /** For the notice: the device it runs on. */
  detail?: string;
  adapter?: WebGpuAdapterSummary;
}

/** Loads and activates a tfjs backend; throws BackendUnavailableError with the reason. */
async function openTfjs(name: TfjsBackend): Promise<OpenedTfjs> {
  const tf = tfjsCore();
  let detail: string | undefined;
  try {
    switch (name) {
      case "cpu":
        require("@tensorflow/tfjs-backend-cpu");
        break;
      case "wasm":
        require("@tensorflow/tfjs-backend-wasm");
        break;
      case "tfjs-node":
      case "tfjs-node-gpu":
        try {
          require(`@tensorflow/${name}`);
        } catch (err) {
          throw new BackendUnavailableError(`${name}: ${explainTfjsNodeLoadError(name, err)}`);
        }
        break;
      case "webgpu": {
        const handle = await acquireWebGpu(tf);
        const a = handle.adapter;
        return {
          tf,
          guard: handle.monitor,
          adapter: a,
          detail: `${a.description || a.device || a.vendor}${a.isFallbackAdapter ? ", a software adapter" : ""}`,
        };
      }
    }
  } catch (err) {
    if (err instanceof BackendUnavailableError) throw err;
    if (err instanceof WebGpuUnavailableError) throw new BackendUnavailableError(`${name}: ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    const message = (err as Error).message.split("\n")[0];
    throw new BackendUnavailableError(`${name}: ${code === "MODULE_NOT_FOUND" ? `package not installed (${message})` : message}`);
  }
  const ok = await tf.setBackend(TFJS_NAME[name]);
  if (!ok) throw new BackendUnavailableError(`${name}: tfjs could not initialise the '${TFJS_NAME[name]}' backend`);
  await tf.ready();
  if (name === "tfjs-node" || name === "tfjs-node-gpu") detail = describeTfjsNodeDevice(name, tf);
  return detail === undefined ? { tf } : { tf, detail };
}

/** Loads and activates a tfjs backend (for tools that use tfjs directly); throws BackendUnavailableError. */
export async function loadTfjs(name: TfjsBackend): Promise<typeof tfTypes> {
  return (await openTfjs(name)).tf;
}

interface MadeLearner {
  learner: Learner;
  detail?: string;
  adapter?: WebGpuAdapterSummary;
}

/** Creates a learner on one backend; throws BackendUnavailableError when it cannot run here. */
async function makeLearner(name: BackendName, layout: ActorCriticLayout, params: Float32Array, maxMinibatch: number): Promise<MadeLearner> {
  if (!isTfjs(name)) {
    const make = OWN_LEARNERS[name];
    if (!make) throw new BackendUnavailableError(`${name}: no learner is registered for it`);
    const made = await make(layout, params, maxMinibatch);
    return "learner" in made ? made : { learner: made };
  }
  const opened = await openTfjs(name);
  const learner = new TfjsLearner(opened.tf, name, layout, params, opened.guard);
  return { learner, ...(opened.detail ? { detail: opened.detail } : {}), ...(opened.adapter ? { adapter: opened.adapter } : {}) };
}

export interface LearnerChoice {
  learner: Learner;
  /** One line for the user: what was chosen and why, and any fallbacks on the way. */
  notice: string;
}

export interface CreateLearnerOptions {
  /** Cost table for `auto` (default: the committed one). */
  table?: CostTable;
  /** Whether `auto` may time a GPU against the model's choice at run start (default true). */
  calibrate?: boolean;
}

/**
 * Creates the learner for a request. A named backend that cannot run falls back (FALLBACK) with a
 * notice. `auto`: the cost model's fastest available backend, re-checked on a GPU when one is present.
 */
export async function createLearner(
  request: BackendRequest,
  layout: ActorCriticLayout,
  params: Float32Array,
  minibatchSize: number,
  options: CreateLearnerOptions = {},
): Promise<LearnerChoice> {
  if (request !== "auto" && !BACKEND_NAMES.includes(request)) {
    throw new RangeError(`unknown backend '${String(request)}': expected auto, ${BACKEND_NAMES.join(", ")}`);
  }
  if (request === "auto") return createAuto(layout, params, minibatchSize, options);
  const notes: string[] = [];
  for (let b: BackendName | null = request; b; b = FALLBACK[b]) {
    try {
      const made = await makeLearner(b, layout, params, minibatchSize);
      notes.push(`backend: ${b}${made.detail ? ` (${made.detail})` : ""}`);
      return { learner: made.learner, notice: notes.join("; ") };
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      notes.push(`${err.message}; falling back`);
    }
  }
  throw new Error(`no backend available: ${notes.join("; ")}`);
}

async function createAuto(layout: ActorCriticLayout, params: Float32Array, minibatch: number, options: CreateLearnerOptions): Promise<LearnerChoice> {
  const table = options.table ?? COST_TABLE;
  let available = AUTO_CANDIDATES.filter(isInstalled);
  const notes: string[] = [];
  for (;;) {
    const choice = chooseBackend(layout, minibatch, available, table);
    let made: MadeLearner;
    try {
      made = await makeLearner(choice.backend, layout, params, minibatch);
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      notes.push(`${err.message}; falling back`);
      available = available.filter((b) => b !== choice.backend);
      continue;
    }
    if (options.calibrate !== false) {
      const gpus = available.filter((b) => GPU_BACKENDS.includes(b) && b !== choice.backend);
      const rechecked = await recheckOnGpu(layout, params, minibatch, made, choice, gpus, table, notes);
      if (rechecked) return { learner: rechecked.learner, notice: [...notes, rechecked.notice].join("; ") };
    }
    const detail = made.detail ? `; ${made.detail}` : "";
    return { learner: made.learner, notice: [...notes, `backend: ${choice.backend} (auto: ${choice.reason}${detail})`].join("; ") };
  }
}

/** Whether a made learner runs on real GPU hardware (not a software adapter such as lavapipe). */
function onHardwareGpu(made: MadeLearner): boolean {
  return GPU_BACKENDS.includes(made.learner.backend) && !(made.adapter?.isFallbackAdapter ?? false);
}

/**
 * The GPU re-check. The table's GPU figures (if any) were measured on another device — in CI a
 * software one — so when a GPU backend can run here and the estimated update is dearer than the least
 * a GPU update can cost (tfjs's per-layer dispatch overhead, which no GPU removes), time both on a
 * synthetic minibatch of the run's size (throwaway learners, so the run's own starts untouched) and
 * keep the faster. Returns null when the model's choice stands.
 */
async function recheckOnGpu(
  layout: ActorCriticLayout,
  params: Float32Array,
  minibatch: number,
  chosen: MadeLearner,
  choice: BackendChoice,
  gpus: BackendName[],
  table: CostTable,
  notes: string[],
): Promise<{ learner: Learner; notice: string } | null> {
  const chosenOnGpu = onHardwareGpu(chosen);
  if (gpus.length === 0 && !chosenOnGpu) return null;
  const work = updateWork(layout, minibatch);
  // The floor: tfjs's CPU-side cost per kernel launch, which a GPU backend pays too; wasm's dispatch
  // terms measure it (the table's webgpu figures may come from a software adapter, far slower).
  const dispatch = table.backends.wasm;
  const floorMs = dispatch ? estimateUpdateMs({ ...dispatch, perGflopMs: 0, perMparamMs: 0 }, work) : 0;
  if (!chosenOnGpu && (choice.estimates[0]?.ms ?? Infinity) <= floorMs) return null;
  const mb = syntheticMinibatch(layout, minibatch, calibrationRng());
  const timed: { backend: BackendName; ms: number; detail?: string }[] = [];
  const time = async (made: MadeLearner) => {
    try {
      // Two warm-up updates on a GPU (the first compiles every shader), one on a CPU; a slow update
      // is timed once (timeUpdates stops after three budgets), so this costs seconds at most.
      const warmup = GPU_BACKENDS.includes(made.learner.backend) ? 2 : 1;
      const t = await timeUpdates(made.learner, mb, { warmup, minUpdates: 3, maxUpdates: 10, budgetMs: 1000 });
      timed.push({ backend: made.learner.backend, ms: t.medianMs, ...(made.detail ? { detail: made.detail } : {}) });
    } finally {
      made.learner.dispose();
    }
  };
  for (const gpu of gpus) {
    let made: MadeLearner;
    try {
      made = await makeLearner(gpu, layout, Float32Array.from(params), minibatch);
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      notes.push(`${err.message} (auto's GPU re-check skipped it)`);
      continue;
    }
    // A software adapter: the table's figures hold (they were measured on one); nothing to re-check.
    if (!onHardwareGpu(made)) made.learner.dispose();
    else await time(made);
  }
  if (timed.length === 0 && !chosenOnGpu) return null;
  await time(await makeLearner(chosen.learner.backend, layout, Float32Array.from(params), minibatch));
  if (chosenOnGpu) {
    // The model chose the GPU from another device's figures: time the best CPU estimate against it.
    const cpu = choice.estimates.find((e) => !GPU_BACKENDS.includes(e.backend));
    if (cpu) {
      try {
        await time(await makeLearner(cpu.backend, layout, Float32Array.from(params), minibatch));
      } catch (err) {
        if (!(err instanceof BackendUnavailableError)) throw err;
      }
    }
  }
  timed.sort((a, b) => a.ms - b.ms);
  const [best, second] = timed as [(typeof timed)[number], (typeof timed)[number] | undefined];
  let learner = chosen.learner;
  if (best.backend !== chosen.learner.backend) {
    chosen.learner.dispose();
    learner = (await makeLearner(best.backend, layout, params, minibatch)).learner;
  }
  const versus = second ? ` vs ${second.backend} ${formatMs(second.ms)} ms` : "";
  return {
    learner,
    notice:
      `backend: ${best.backend} (auto, re-checked at run start: measured ${formatMs(best.ms)} ms/update${versus}, ` +
      `${layout.size.toLocaleString("en-US")} parameters × minibatch ${minibatch}${best.detail ? `; ${best.detail}` : ""})`,
  };
}
