// Compiles the WebAssembly SIMD learner kernels (AssemblyScript, runtime/src/nn/simd/assembly/) into
// dist/learner-simd.wasm. Run by scripts/build.mjs, so `npm ci` (prepare) and `npm run build` make it.
// Skipped when the .wasm is newer than its source and this script (asc takes a few seconds).
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const KERNEL_SOURCE = "runtime/src/nn/simd/assembly/kernels.ts";
export const KERNEL_OUTPUT = "dist/learner-simd.wasm";

/**
 * asc flags: stub runtime and no assertions (the kernels allocate nothing and trap on nothing), the
 * memory imported and shared (every worker thread instantiates the module on the same memory; the
 * maximum is wasm32's 4 GiB, the JS side declares the size it needs), SIMD and threads enabled.
 */
export const ASC_FLAGS = [
  "-O3",
  "--noAssert",
  "--runtime", "stub",
  "--use", "abort=",
  "--importMemory",
  "--sharedMemory",
  "--maximumMemory", "65536",
  "--enable", "simd,threads",
];

export async function buildSimdKernels({ force = false } = {}) {
  const here = fileURLToPath(import.meta.url);
  if (!force && existsSync(KERNEL_OUTPUT)) {
    const built = statSync(KERNEL_OUTPUT).mtimeMs;
    if (built > statSync(KERNEL_SOURCE).mtimeMs && built > statSync(here).mtimeMs) return false;
  }
  const { default: asc } = await import("assemblyscript/asc");
  mkdirSync(dirname(KERNEL_OUTPUT), { recursive: true });
  const { error, stderr } = await asc.main([KERNEL_SOURCE, "-o", KERNEL_OUTPUT, ...ASC_FLAGS]);
  if (error) throw new Error(`AssemblyScript failed to compile ${KERNEL_SOURCE}: ${error.message}\n${stderr.toString()}`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await buildSimdKernels({ force: process.argv.includes("--force") });
  console.log(built ? `built ${KERNEL_OUTPUT}` : `${KERNEL_OUTPUT} is up to date`);
}
