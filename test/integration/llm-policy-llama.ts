/**
 * llama.cpp (through node-llama-cpp) as the reference for the TensorFlow.js transformer and the
 * tokenizer: one Llama instance per call, CPU only, one thread, disposed afterwards.
 */
import type * as L from "node-llama-cpp" with { "resolution-mode": "import" };
import { importNodeLlamaCpp } from "../../runtime/src/llm/node-llama.js";

/**
 * `false` when node-llama-cpp (an optional dependency) is installed, else the skip reason; under
 * CI=true never a skip, so its absence fails the tests that need it.
 */
export const skipNoLlama: false | string = (() => {
  try {
    require.resolve("node-llama-cpp");
    return false;
  } catch {
    return process.env.CI === "true" ? false : "node-llama-cpp is not installed (an optional dependency; npm ci installs it)";
  }
})();

export async function withLlamaModel<T>(path: string, fn: (model: L.LlamaModel, llama: L.Llama) => Promise<T>): Promise<T> {
  const mod = await importNodeLlamaCpp();
  const llama = await mod.getLlama({ gpu: false, maxThreads: 1, build: "never", logLevel: mod.LlamaLogLevel.error, progressLogs: false });
  try {
    const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
    try {
      return await fn(model, llama);
    } finally {
      await model.dispose();
    }
  } finally {
    await llama.dispose();
  }
}
