/**
 * llama.cpp (through node-llama-cpp) as the reference for the TensorFlow.js transformer and the
 * tokenizer: one Llama instance per call, CPU only, one thread, disposed afterwards.
 */
import type * as L from "node-llama-cpp" with { "resolution-mode": "import" };
import { importNodeLlamaCpp } from "../../runtime/src/llm/node-llama.js";

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
