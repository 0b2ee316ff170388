/**
 * Loading node-llama-cpp, which is ESM-only and optional.
 *
 * The runtime is CommonJS (and bundled to CJS by esbuild, with node-llama-cpp external), so a
 * plain `import()` would be rewritten to `require()`, which cannot load ESM with top-level await.
 * `new Function("return import(…)")` keeps a real dynamic import; it resolves relative to the
 * process's working directory, so the package is first located with `require.resolve` (its
 * exports map has a "node" condition) and imported by file URL.
 */
import { pathToFileURL } from "node:url";
import { availableParallelism } from "node:os";
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import { LlmUnavailableError } from "./provider.js";

export type NodeLlamaCppModule = typeof NodeLlamaCpp;

const dynamicImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

let loading: Promise<NodeLlamaCppModule> | null = null;

/** node-llama-cpp's module, loaded once; a clear error when the optional package is not installed. */
export function importNodeLlamaCpp(): Promise<NodeLlamaCppModule> {
  loading ??= (async () => {
    let entry: string;
    try {
      entry = require.resolve("node-llama-cpp");
    } catch (err) {
      throw new LlmUnavailableError(
        "failed",
        "node-llama-cpp is not installed (it is an optional dependency of RL Studio; reinstall without --no-optional to use the local LLM)",
        { cause: err },
      );
    }
    return (await dynamicImport(pathToFileURL(entry).href)) as NodeLlamaCppModule;
  })();
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

/**
 * Threads for llama.cpp on this machine: half the logical CPUs (≈ the physical cores with SMT),
 * at least 1, at most 8. Always passed explicitly: node-llama-cpp's default uses every core, which
 * oversubscribes a small machine shared with training (`npm run bench -- llm` prints, as its
 * `threads` lines, one generation's time with 1 thread, with this count and with 2 per logical CPU).
 */
export function chooseThreads(logicalCpus: number = availableParallelism()): number {
  return Math.max(1, Math.min(8, Math.floor(logicalCpus / 2)));
}
