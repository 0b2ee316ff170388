/**
 * Which TensorFlow.js backend the TWOSOME policy runs on. `auto` takes a GPU when tfjs-node-gpu is
 * installed and works, then tfjs-node, wasm and cpu; a named backend that cannot start falls back
 * along the same chain with a notice, as PPO's learner does (backends/select.ts). webgpu is taken when
 * named (`--backend webgpu`): a software Vulkan adapter would make it the slowest choice on a machine
 * without a GPU, so `auto` does not try it. The plain-JS learners (`js`, `wasm-simd`) train MLPs only.
 */
import type * as tfTypes from "@tensorflow/tfjs-core";
import { BackendUnavailableError, isInstalled, loadTfjs, type BackendRequest } from "../backends/select.js";

type TfjsName = Parameters<typeof loadTfjs>[0];

const AUTO_ORDER: readonly TfjsName[] = ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu"];
const TFJS_NAMES: readonly TfjsName[] = [...AUTO_ORDER, "webgpu"];

/** The backends to try for a request, in order. */
export function twosomeBackendOrder(requested: BackendRequest): TfjsName[] {
  let request: BackendRequest = requested;
  if (request === "auto") return AUTO_ORDER.filter((b) => isInstalled(b));
  if (!TFJS_NAMES.includes(request as TfjsName)) {
    throw new BackendUnavailableError(`${request}: that learner trains MLPs only; algorithm "twosome" runs the LLM on a TensorFlow.js backend (auto, wasm, cpu, tfjs-node, tfjs-node-gpu, webgpu)`);
  }
  request = request as TfjsName;
  const rest = AUTO_ORDER.slice(Math.max(0, AUTO_ORDER.indexOf(request) + 1)).filter((b) => b !== request && isInstalled(b));
  return [request, ...(request === "webgpu" ? AUTO_ORDER.slice(2) : rest)];
}

/** Opens the first backend of the order that starts; says which in `log`, and why others did not. */
export async function openTwosomeBackend(request: BackendRequest, log: (line: string) => void): Promise<{ tf: typeof tfTypes; backend: TfjsName }> {
  const reasons: string[] = [];
  for (const name of twosomeBackendOrder(request)) {
    try {
      const tf = await loadTfjs(name);
      log(`backend: ${name} (TWOSOME policy${reasons.length > 0 ? `; ${reasons.join("; ")}` : ""})`);
      return { tf, backend: name };
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      reasons.push(err.message);
    }
  }
  throw new BackendUnavailableError(`no TensorFlow.js backend could start for the TWOSOME policy: ${reasons.join("; ") || "none is installed"}`);
}
