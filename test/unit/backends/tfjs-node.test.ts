import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as tfTypes from "@tensorflow/tfjs-core";
import { CUDA_LIBRARIES, describeTfjsNodeDevice, explainTfjsNodeLoadError } from "../../../runtime/src/backends/tfjs-node.js";

/** An error as Node's require raises it. */
function nodeError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

test("a package that is not installed: how to install it and what it needs", () => {
  const msg = explainTfjsNodeLoadError("tfjs-node-gpu", nodeError("Cannot find module '@tensorflow/tfjs-node-gpu'\nRequire stack:\n- /x/select.ts", "MODULE_NOT_FOUND"));
  assert.match(msg, /^package not installed \(npm install @tensorflow\/tfjs-node-gpu: its install downloads libtensorflow-gpu 2\.9 from Google storage, and it runs on an NVIDIA GPU with CUDA 11\.2 and cuDNN 8\.1\)$/);
  assert.doesNotMatch(explainTfjsNodeLoadError("tfjs-node", nodeError("Cannot find module '@tensorflow/tfjs-node'", "MODULE_NOT_FOUND")), /CUDA/);
});

test("a missing CUDA or cuDNN library: names it and the exact CUDA 11.2 / cuDNN 8.1 packages", () => {
  const msg = explainTfjsNodeLoadError("tfjs-node-gpu", nodeError("libcudnn.so.8: cannot open shared object file: No such file or directory"));
  assert.match(msg, /^its native library could not load libcudnn\.so\.8 \(libcudnn\.so\.8: cannot open shared object file/);
  assert.match(msg, /CUDA 11\.2 runtime libraries \(cuda-cudart-11-2, libcublas-11-2, libcufft-11-2, libcurand-11-2, libcusolver-11-2, libcusparse-11-2/);
  assert.match(msg, /cuDNN 8\.1 for CUDA 11\.2 \(libcudnn8=8\.1\.\*-1\+cuda11\.2\)/);
  assert.match(msg, /LD_LIBRARY_PATH/);
  const cudart = explainTfjsNodeLoadError("tfjs-node-gpu", nodeError("libcudart.so.11.0: cannot open shared object file"));
  assert.match(cudart, /could not load libcudart\.so\.11\.0/);
});

test("a missing native addon or libtensorflow: rebuild the package with access to Google storage", () => {
  const addon = explainTfjsNodeLoadError(
    "tfjs-node-gpu",
    nodeError("The Node.js native addon module (tfjs_binding.node) can not be found at path: /n/lib/napi-v8/tfjs_binding.node. Please run command 'npm rebuild @tensorflow/tfjs-node build-addon-from-source'"),
  );
  assert.match(addon, /^its native addon \(tfjs_binding\.node\) could not be loaded .*Run `npm rebuild @tensorflow\/tfjs-node-gpu` with access to storage\.googleapis\.com \(it downloads libtensorflow-gpu 2\.9\.1/);
  const lib = explainTfjsNodeLoadError("tfjs-node", nodeError("libtensorflow.so.2: cannot open shared object file: No such file or directory"));
  assert.match(lib, /^libtensorflow is missing .*npm rebuild @tensorflow\/tfjs-node` .*deps\/lib$/);
});

test("loaded without a usable GPU: says TensorFlow runs on the CPU and what to install", () => {
  const fakeTf = (info: object) => ({ backend: () => info }) as unknown as typeof tfTypes;
  assert.equal(describeTfjsNodeDevice("tfjs-node-gpu", fakeTf({ isGPUPackage: true, isUsingGpuDevice: true })), "TensorFlow on a CUDA GPU");
  const cpu = describeTfjsNodeDevice("tfjs-node-gpu", fakeTf({ isGPUPackage: true, isUsingGpuDevice: false }));
  assert.match(cpu, /^TensorFlow found no usable CUDA GPU and runs on the CPU; to use the GPU, install the CUDA 11\.2 runtime/);
  for (const lib of CUDA_LIBRARIES) assert.ok(cpu.includes(lib), lib);
  assert.equal(describeTfjsNodeDevice("tfjs-node", fakeTf({})), "TensorFlow on the CPU");
});

test("train --backend tfjs-node-gpu whose native addon fails to load: the notice says what to run, and training falls back", (t) => {
  // A stand-in package on NODE_PATH whose entry point loads its addon as the real one does
  // (process.dlopen of lib/napi-v8/tfjs_binding.node), which is absent: Node's own dlopen error.
  const dir = mkdtempSync(join(tmpdir(), "rls-tfjs-node-gpu-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pkg = join(dir, "modules", "@tensorflow", "tfjs-node-gpu");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "@tensorflow/tfjs-node-gpu", version: "4.22.0", main: "index.js" }));
  writeFileSync(join(pkg, "index.js"), `process.dlopen(module, require("path").join(__dirname, "lib", "napi-v8", "tfjs_binding.node"));\n`);
  writeFileSync(join(dir, "package.json"), "{}\n");
  writeFileSync(
    join(dir, "exp.rl.ts"),
    `import { defineExperiment } from "rl-studio";\nexport default defineExperiment({ name: "t", env: "CartPole-v1", algorithm: "ppo", hyperparameters: { numEnvs: 2, numSteps: 16 }, seed: 1 });\n`,
  );
  const repo = resolve(__dirname, "..", "..", "..");
  const r = spawnSync(
    process.execPath,
    ["--import", pathToFileURL(require.resolve("tsx")).href, join(repo, "runtime", "src", "cli", "main.ts"), "train", "exp.rl.ts", "--backend", "tfjs-node-gpu", "--total-timesteps", "64", "--json"],
    { cwd: dir, encoding: "utf8", env: { ...process.env, NODE_PATH: join(dir, "modules") } },
  );
  assert.equal(r.status, 0, r.stderr);
  const notice = r.stderr.split("\n").find((l) => l.startsWith("tfjs-node-gpu: "));
  assert.ok(notice, r.stderr);
  assert.match(notice, /^tfjs-node-gpu: its native addon \(tfjs_binding\.node\) could not be loaded \(.*tfjs_binding\.node: cannot open shared object file: No such file or directory\)/);
  assert.match(notice, /Run `npm rebuild @tensorflow\/tfjs-node-gpu` with access to storage\.googleapis\.com/);
  assert.match(notice, /; falling back; tfjs-node: package not installed .*; falling back; backend: wasm$/);
  assert.equal(JSON.parse(r.stdout.trim().split("\n").at(-1)!).backend, "wasm");
});
