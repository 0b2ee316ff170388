/**
 * llama.cpp (through node-llama-cpp) as the reference for the TensorFlow.js transformer and the
 * tokenizer: one Llama instance per call, CPU only, one thread, disposed afterwards.
 */
import type * as L from "node-llama-cpp" with { "resolution-mode": "import" };
import { importNodeLlamaCpp } from "../../runtime/src/llm/node-llama.js";
import { IN_CI } from "../test-model.mjs";

/**
 * Call at the start of a test that needs node-llama-cpp (an optional dependency): true when it is
 * installed; when it is not, throws under CI=true (the test fails) and otherwise marks the test
 * skipped, saying so — the rule test/test-model.mjs applies to the test model.
 */
export function requireNodeLlamaCpp(t: { skip: (message: string) => void }): boolean {
  try {
    require.resolve("node-llama-cpp");
    return true;
  } catch {
    const why = "node-llama-cpp is not installed (an optional dependency; npm ci installs it)";
    if (IN_CI) throw new Error(`${why}; under CI=true a missing tool is a failure, not a skip`);
    t.skip(why);
    return false;
  }
}

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
