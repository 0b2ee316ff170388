/**
 * Thin edges of reward design: the CLI verbs (`rl-studio suggest-reward`, `evolve-reward`) and the
 * pieces the JSON-RPC server needs. All behaviour is in suggest.ts / evolve.ts; here only model
 * setup, printing and disposal.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ModelManager, isModelUri, type ModelManagerOptions } from "../llm/model-manager.js";
import { LlamaProvider } from "../llm/llama-provider.js";
import { LlmUnavailableError, type LlmProvider } from "../llm/provider.js";
import { suggestRewards, type SuggestResult } from "./suggest.js";
import { evolveReward, type EvolutionResult, type EvolveProgress } from "./evolve.js";

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  signal?: AbortSignal;
}

export interface LlmFlags {
  /** A .gguf path or hf: URI; default the RL_STUDIO_LLM_MODEL environment variable. */
  model?: string;
  gpu?: "auto" | "off";
  json?: boolean;
}

/** The model manager for settings (`rlStudio.llm.*` in the editor, flags on the CLI). One per process. */
export function createModelManager(settings: ModelManagerOptions): ModelManager {
  return new ModelManager(settings);
}

/** What the CLI says when no model is given: the editor's NO_MODEL_MESSAGE, in the terminal's terms. */
export const CLI_NO_MODEL_MESSAGE = "no model: pass --model PATH (a .gguf file or an hf: URI) or set RL_STUDIO_LLM_MODEL (in the editor: rlStudio.llm.model)";

/**
 * The model the flags name, checked before any work: a missing setting or file is the user's to
 * fix, so it is said at once, in one line, instead of after the experiment loads and samples.
 * A URI is left to the ModelManager (it may already be downloaded).
 */
export function cliModel(flags: Pick<LlmFlags, "model">): string {
  const model = (flags.model ?? process.env.RL_STUDIO_LLM_MODEL ?? "").trim();
  if (model === "") throw new LlmUnavailableError("no-model", CLI_NO_MODEL_MESSAGE);
  if (!isModelUri(model)) {
    const path = resolve(model);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new LlmUnavailableError("failed", `model file not found: ${path} (--model PATH must be a .gguf file or an hf: URI; in the editor: rlStudio.llm.model)`);
    }
  }
  return model;
}

/** Runs `fn` with a provider for the flags' model (cliModel), disposing the model and llama.cpp after. */
export async function withProvider<T>(flags: LlmFlags, fn: (provider: LlmProvider) => Promise<T>): Promise<T> {
  const manager = new ModelManager({ model: cliModel(flags), gpu: flags.gpu ?? "auto" });
  const provider = new LlamaProvider(manager);
  try {
    return await fn(provider);
  } finally {
    await provider.dispose();
    await manager.dispose();
  }
}

export async function runSuggestRewardCommand(path: string, flags: LlmFlags & { count: number }, io: CommandIo): Promise<SuggestResult> {
  return withProvider(flags, async (provider) => {
    const result = await suggestRewards(path, { provider, count: flags.count, ...(io.signal ? { signal: io.signal } : {}) });
    if (flags.json) {
      io.stdout(JSON.stringify({ status: "ok", ...result }));
      return result;
    }
    result.candidates.forEach((c, i) => {
      io.stdout(`candidate ${i + 1}${c.repaired ? " (repaired)" : ""}: ${c.rationale}`);
      io.stdout(`  ${c.code.replace(/\n/g, "\n  ")}`);
    });
    for (const r of result.rejected) io.stderr(`rejected: ${r.reason}`);
    io.stderr(`${result.candidates.length} valid, ${result.rejected.length} rejected; ${result.stats.generatedTokens} tokens in ${result.stats.seconds.toFixed(1)} s`);
    return result;
  });
}

export async function runEvolveRewardCommand(
  path: string,
  flags: LlmFlags & { candidates: number; iterations: number; budget?: number },
  io: CommandIo,
): Promise<EvolutionResult> {
  return withProvider(flags, async (provider) => {
    const onProgress = (e: EvolveProgress) => {
      if (flags.json) return;
      if (e.phase === "designing") io.stderr(`iteration ${e.iteration}/${e.iterations}: asking the LLM for ${flags.candidates} candidates…`);
      if (e.phase === "candidate-done") {
        const r = e.result;
        io.stderr(`  candidate ${r.iteration}.${r.index} ${r.status}${r.fitness !== null ? `: fitness ${r.fitness.toFixed(1)}` : ""}${r.error ? ` (${r.error.split("\n")[0]})` : ""}`);
      }
    };
    const result = await evolveReward(path, {
      provider,
      candidates: flags.candidates,
      iterations: flags.iterations,
      ...(flags.budget !== undefined ? { budget: flags.budget } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      onProgress,
    });
    if (flags.json) io.stdout(JSON.stringify({ status: result.status, id: result.id, dir: result.dir, best: result.best, candidates: result.candidates.length }));
    else {
      io.stdout(`evolution ${result.status}: ${result.dir}`);
      if (result.best) io.stdout(`best (fitness ${result.best.fitness?.toFixed(1)}, iteration ${result.best.iteration}):\n  ${result.best.code.replace(/\n/g, "\n  ")}`);
      else io.stdout("no candidate trained successfully");
    }
    return result;
  });
}
