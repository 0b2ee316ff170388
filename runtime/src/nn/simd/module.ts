/**
 * Finding, checking and compiling the WebAssembly SIMD learner kernels (dist/learner-simd.wasm, built
 * from ./assembly/kernels.ts by scripts/build-wasm.mjs). Every way this can fail — an engine without
 * WebAssembly SIMD or shared memory, a missing or corrupt file — becomes a one-line reason the caller
 * shows before falling back to the plain-JS learner; nothing here throws for those.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const KERNEL_FILE = "learner-simd.wasm";

/** The exports of kernels.ts (pointers are byte offsets into the shared memory). */
export interface KernelExports {
  gemm(M: number, N: number, K: number, a: number, aRow: number, aCol: number, b: number, ldb: number, c: number, ldc: number, init: number, bias: number, epi: number, h: number): void;
  columnSumsInto(M: number, N: number, x: number, ldx: number, out: number): void;
  transpose(rows: number, cols: number, src: number, dst: number): void;
  tanhArray(src: number, dst: number, n: number): void;
  prepareNetwork(net: number): void;
  forwardRows(net: number, r0: number, r1: number): void;
  backwardRows(net: number, r0: number, r1: number, grad: number): void;
  fillZero(p: number, n: number): void;
  addInto(dst: number, src: number, n: number): void;
  sumSquares(x: number, n: number): number;
  scale(x: number, n: number, s: number): void;
  adam(p: number, g: number, m: number, v: number, n: number, beta1: number, beta2: number, stepSize: number, invSqrtBc2: number, eps: number): void;
  peakMulAdd(iterations: number): number;
  heapBase(): number;
}

/**
 * The smallest module using a SIMD instruction: (func (result v128) (v128.const i32x4 0 0 0 0)).
 * `WebAssembly.validate` on it tells an engine without SIMD from a damaged kernel file.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () → v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b, // code: v128.const 0, end
]);

/**
 * Why this engine cannot run the kernels, or null when it can (SIMD, and shared memory for the threads).
 * `wasm` is the engine's WebAssembly object (a test passes one without SIMD: Node 20 has no flag to turn it off).
 */
export function engineSupportProblem(wasm: Pick<typeof WebAssembly, "validate"> | null = typeof WebAssembly === "object" ? WebAssembly : null): string | null {
  if (!wasm) return "this JavaScript engine has no WebAssembly";
  if (!wasm.validate(SIMD_PROBE)) return "this JavaScript engine has no WebAssembly SIMD";
  if (typeof SharedArrayBuffer !== "function") return "this JavaScript engine has no SharedArrayBuffer (shared WebAssembly memory)";
  return null;
}

/** Where the kernel file is: beside the bundle (dist/), or in the checkout's dist/ when running from sources (tests, tsx). */
export function kernelCandidates(): string[] {
  return [__filename.endsWith(".ts") ? join(__dirname, "..", "..", "..", "..", "dist", KERNEL_FILE) : join(__dirname, KERNEL_FILE)];
}

export type KernelLoad = { ok: true; module: WebAssembly.Module; path: string } | { ok: false; reason: string };

let cached: KernelLoad | null = null;

/**
 * Compiles the kernel module once per process (synchronously: ~13 KB, a few milliseconds).
 * `paths` overrides the lookup (tests point it at a missing or corrupt file).
 */
export function loadKernelModule(paths?: readonly string[]): KernelLoad {
  if (!paths && cached) return cached;
  const result = compileFirst(paths ?? kernelCandidates());
  if (!paths) cached = result;
  return result;
}

function compileFirst(paths: readonly string[]): KernelLoad {
  const problem = engineSupportProblem();
  if (problem) return { ok: false, reason: problem };
  const path = paths.find((p) => existsSync(p));
  if (!path) return { ok: false, reason: `${paths.join(" or ")} is missing (reinstall, or \`npm run build\` in a checkout)` };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { ok: false, reason: `${path} could not be read: ${(err as Error).message}` };
  }
  try {
    return { ok: true, module: new WebAssembly.Module(new Uint8Array(bytes)), path };
  } catch (err) {
    return { ok: false, reason: `${path} is not a valid kernel module (${(err as Error).message.split("\n")[0]}); reinstall or run \`npm run build\`` };
  }
}

/** Instantiates the kernels on `memory` (imported as env.memory) and checks the exports are the ones expected. */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports as unknown as KernelExports;
  for (const name of ["gemm", "forwardRows", "backwardRows", "prepareNetwork", "adam", "sumSquares", "heapBase"] as const) {
    if (typeof exports[name] !== "function") throw new Error(`${KERNEL_FILE} lacks the export '${name}' (built from another version of the sources?)`);
  }
  return exports;
}
