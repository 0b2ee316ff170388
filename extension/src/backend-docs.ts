/**
 * What each `rlStudio.backend` value does, shown by the Select Backend picker. package.json's
 * `enumDescriptions` carry the same strings (a unit test keeps them equal), and the `auto` text
 * follows runtime/src/backends/select.ts `createLearner` (the test checks its threshold and order).
 */
import type { BackendName } from "../../protocol/src/runtime.js";

export const BACKEND_DOCS: Record<BackendName | "auto", string> = {
  auto:
    "By network size: the fused plain-JavaScript js learner when a minibatch update costs under 2 GFLOP (6 × parameters × minibatch size; every classic-control network), else the first available of tfjs-node-gpu, webgpu, tfjs-node, wasm, then js.",
  js: "Plain JavaScript MLP with fused kernels (lowest per-op overhead for small networks).",
  wasm: "TensorFlow.js WebAssembly (SIMD); needs nothing beyond npm.",
  cpu: "TensorFlow.js pure-JavaScript CPU backend (never chosen by auto).",
  "tfjs-node": "TensorFlow C library (@tensorflow/tfjs-node must be installed).",
  "tfjs-node-gpu": "TensorFlow with CUDA (@tensorflow/tfjs-node-gpu, CUDA 11.2/cuDNN 8.1).",
  webgpu: "WebGPU through Dawn (the webgpu npm package).",
};
