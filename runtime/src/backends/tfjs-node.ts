/**
 * @tensorflow/tfjs-node and @tensorflow/tfjs-node-gpu: TensorFlow's C library under tfjs. Never
 * dependencies (their install downloads libtensorflow from Google storage, and the GPU build pins
 * CUDA 11.2 / cuDNN 8.1), used when the user installed them. When one fails to load, or loads without
 * finding its GPU, the message says exactly what is missing and how to install it.
 */
import type * as tfTypes from "@tensorflow/tfjs-core";

export type TfjsNodePackage = "tfjs-node" | "tfjs-node-gpu";

/** The CUDA 11.2 / cuDNN 8.1 libraries libtensorflow-gpu 2.9 (tfjs-node-gpu 4.x) opens at start. */
export const CUDA_LIBRARIES = [
  "libcudart.so.11.0",
  "libcublas.so.11",
  "libcublasLt.so.11",
  "libcufft.so.10",
  "libcurand.so.10",
  "libcusolver.so.11",
  "libcusparse.so.11",
  "libcudnn.so.8",
] as const;

const CUDA_INSTALL =
  "install the CUDA 11.2 runtime libraries (cuda-cudart-11-2, libcublas-11-2, libcufft-11-2, libcurand-11-2, libcusolver-11-2, libcusparse-11-2 from NVIDIA's CUDA repository) " +
  "and cuDNN 8.1 for CUDA 11.2 (libcudnn8=8.1.*-1+cuda11.2), and put their folder (e.g. /usr/local/cuda-11.2/lib64) on LD_LIBRARY_PATH";

function firstLine(message: string): string {
  return message.split("\n").find((l) => l.trim() !== "")?.trim() ?? message;
}

/**
 * What to tell the user when `require("@tensorflow/<pkg>")` threw `err`. Pure (the tests feed it the
 * errors Node and the package raise).
 */
export function explainTfjsNodeLoadError(pkg: TfjsNodePackage, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const message = e instanceof Error ? e.message : String(err);
  const full = `@tensorflow/${pkg}`;
  if (e.code === "MODULE_NOT_FOUND" && message.includes(`'${full}'`)) {
    return (
      `package not installed (npm install ${full}: its install downloads libtensorflow${pkg === "tfjs-node-gpu" ? "-gpu" : ""} 2.9 from Google storage` +
      (pkg === "tfjs-node-gpu" ? ", and it runs on an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1" : "") +
      ")"
    );
  }
  const missingCuda = CUDA_LIBRARIES.filter((lib) => message.includes(lib.replace(/\.so.*/, ".so")));
  if (missingCuda.length > 0) {
    return `its native library could not load ${missingCuda.join(", ")} (${firstLine(message)}): ${CUDA_INSTALL}`;
  }
  if (/tfjs_binding\.node/.test(message)) {
    return (
      `its native addon (tfjs_binding.node) could not be loaded (${firstLine(message)}): the package's install step did not finish. ` +
      `Run \`npm rebuild ${full}\` with access to storage.googleapis.com (it downloads libtensorflow${pkg === "tfjs-node-gpu" ? "-gpu" : ""} 2.9.1 into node_modules/${full}/deps)`
    );
  }
  if (/libtensorflow[^ ]*\.so/.test(message)) {
    return (
      `libtensorflow is missing (${firstLine(message)}): run \`npm rebuild ${full}\` with access to storage.googleapis.com, ` +
      `or place libtensorflow${pkg === "tfjs-node-gpu" ? "-gpu" : ""} 2.9.1's lib folder at node_modules/${full}/deps/lib`
    );
  }
  if (/GLIBC_|GLIBCXX_/.test(message)) {
    return `its native library needs a newer C library than this system has (${firstLine(message)}): libtensorflow 2.9 needs glibc ≥ 2.27`;
  }
  return `failed to load (${firstLine(message)})`;
}

/** What the loaded TensorFlow backend reports about itself (NodeJSKernelBackend's fields). */
interface NodeBackendInfo {
  isGPUPackage?: boolean;
  isUsingGpuDevice?: boolean;
}

/** After `tf.setBackend("tensorflow")`: whether TensorFlow runs on a GPU, as a notice suffix. */
export function describeTfjsNodeDevice(pkg: TfjsNodePackage, tf: typeof tfTypes): string {
  const info = tf.backend() as unknown as NodeBackendInfo;
  if (pkg === "tfjs-node") return "TensorFlow on the CPU";
  if (info.isUsingGpuDevice) return "TensorFlow on a CUDA GPU";
  return `TensorFlow found no usable CUDA GPU and runs on the CPU; to use the GPU, ${CUDA_INSTALL} (TensorFlow opens ${CUDA_LIBRARIES.join(", ")})`;
}
