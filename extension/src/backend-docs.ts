/**
 * What each `rlStudio.backend` value does, shown by the Select Backend picker. package.json's
 * `enumDescriptions` carry the same strings (a unit test keeps them equal), and the `auto` text
 * follows runtime/src/backends/select.ts `createLearner` (the test checks it against the cost model).
 */
import type { BackendName } from "../../protocol/src/runtime.js";

export const BACKEND_DOCS: Record<BackendName | "auto", string> = {
  auto:
    "By a measured cost model: the backend with the lowest estimated time per PPO update for this network and minibatch (coefficients from npm run bench -- backends; a fused learner, wasm-simd or js, for every classic-control network), re-checked by timing a few updates at run start when a GPU backend (webgpu on a hardware adapter, tfjs-node-gpu) is present and the network is large enough for it to matter. Never the tfjs cpu backend.",
  js: "Plain JavaScript MLP with fused kernels in float64 (the reference the others are checked against; the fallback where WebAssembly SIMD is missing).",
  "wasm-simd": "RL Studio's own fused learner in WebAssembly SIMD (float32, f32x4 kernels; worker threads when idle cores and a large minibatch pay for them); needs nothing beyond npm.",
  wasm: "TensorFlow.js WebAssembly (SIMD); needs nothing beyond npm.",
  cpu: "TensorFlow.js pure-JavaScript CPU backend (never chosen by auto).",
  "tfjs-node": "TensorFlow C library (@tensorflow/tfjs-node must be installed).",
  "tfjs-node-gpu": "TensorFlow with CUDA (@tensorflow/tfjs-node-gpu, CUDA 11.2/cuDNN 8.1).",
  webgpu: "WebGPU through Dawn (the webgpu npm package).",
};
