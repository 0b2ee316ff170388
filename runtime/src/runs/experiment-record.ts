/**
 * What a run folder records about its experiment (experiment.json), and how a run folder's kept
 * code (bundle.js) is turned back into a resolved experiment for resume.
 */
import { evaluateExperiment } from "../experiment/compile.js";
import { ExperimentError, resolveExperiment, type ResolvedExperiment } from "../experiment/resolve.js";
import { hyperparametersReadBy, type Hyperparameters } from "../experiment/hyperparameters.js";
import type { AlgorithmId } from "../experiment/algorithms.js";
import type { LlmSettings } from "../experiment/llm-settings.js";
import type { RunDir } from "./run-dir.js";

/** What experiment.json records: the resolved experiment, JSON only (the env and reward are code, kept in bundle.js). */
export interface ExperimentRecord {
  name: string;
  envId: string;
  algorithm: AlgorithmId;
  task: string | null;
  seed: number;
  /** After defaults and overrides: exactly what trained (the keys its algorithm reads). */
  hyperparameters: Partial<Hyperparameters>;
  /** algorithm "twosome": the LLM policy's settings, the model as an absolute path. */
  llm?: LlmSettings & { model: string };
  /** True when the experiment shapes the reward (its `reward` function is in bundle.js). */
  customReward: boolean;
  /** Absolute path of the experiment file at the time of the run. */
  sourcePath: string;
  /** sha256 (hex) of source.rl.ts. */
  sourceSha256: string;
  /** ISO 8601. */
  createdAt: string;
  /** Present when the run is a sweep member. */
  sweep?: SweepRef;
}

/** A sweep member's place in its sweep (experiment.json `sweep`), so runs can be grouped by sweep. */
export interface SweepRef {
  id: string;
  /** Member index (the Slurm array task id). */
  index: number;
  /** Configuration index in the sweep's grid. */
  config: number;
}

export function experimentRecord(e: ResolvedExperiment, createdAt: Date = new Date(), sweep?: SweepRef): ExperimentRecord {
  return {
    name: e.name,
    envId: e.envId,
    algorithm: e.algorithm,
    task: e.task,
    seed: e.seed,
    hyperparameters: hyperparametersReadBy(e.hyperparameters, e.algorithm),
    ...(e.llm ? { llm: e.llm } : {}),
    customReward: e.reward !== null,
    sourcePath: e.source.path,
    sourceSha256: e.source.sha256,
    createdAt: createdAt.toISOString(),
    ...(sweep ? { sweep } : {}),
  };
}

/**
 * Re-evaluate bundle.js and resolve it with the recorded seed and hyperparameters (and, for a
 * TWOSOME run, its recorded model unless `model` names another file: CLI --model).
 */
export function loadRecordedExperiment(runDir: RunDir, model?: string): ResolvedExperiment {
  const record = runDir.readExperiment();
  const sourcePath = typeof record.sourcePath === "string" ? record.sourcePath : runDir.file("source");
  const source = {
    path: sourcePath,
    text: runDir.readSourceText(),
    sha256: typeof record.sourceSha256 === "string" ? record.sourceSha256 : "",
    bundle: runDir.readBundle(),
  };
  const config = evaluateExperiment(source.bundle, source.path);
  const overrides: { seed?: number; hyperparameters?: Partial<Hyperparameters>; model?: string } = {};
  const recordedModel = (record.llm as { model?: unknown } | undefined)?.model;
  if (model !== undefined) overrides.model = model;
  else if (typeof recordedModel === "string") overrides.model = recordedModel;
  if (typeof record.seed === "number") overrides.seed = record.seed;
  if (record.hyperparameters !== null && typeof record.hyperparameters === "object") {
    overrides.hyperparameters = record.hyperparameters as Partial<Hyperparameters>;
  }
  try {
    return resolveExperiment(config, source, overrides);
  } catch (err) {
    if (err instanceof ExperimentError) {
      throw new ExperimentError(`${runDir.id}: the recorded experiment no longer resolves: ${err.detail}`, { file: runDir.file("experiment") }, { cause: err });
    }
    throw err;
  }
}
