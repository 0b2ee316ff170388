/**
 * The language server's view of the environment registry (runtime/src/envs/registry.ts), the one
 * list of envs: this module only adapts it, and is the one place to change if it moves.
 */
import type { EnvSpec } from "../../runtime/src/envs/types.js";
import { ENV_SPECS, getEnvSpec, suggestEnvId } from "../../runtime/src/envs/registry.js";

export function envSpecs(): readonly EnvSpec[] {
  return ENV_SPECS;
}

export function findEnvSpec(id: string): EnvSpec | undefined {
  return getEnvSpec(id);
}

/** The registered id a misspelt one most likely means. */
export function suggestEnv(id: string): string | undefined {
  return suggestEnvId(id);
}
