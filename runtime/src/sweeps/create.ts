/**
 * Creating a sweep: the experiment is compiled once and every configuration of the grid is
 * resolved against it — the table's per-field checks and the cross-field rules (minibatches
 * dividing the batch, totalTimesteps ≥ one rollout) — BEFORE the sweep folder exists or anything
 * runs or is submitted. A bad value is reported naming its field and value (and the
 * configuration it breaks).
 */
import { resolve } from "node:path";
import { compileExperiment, evaluateExperiment } from "../experiment/compile.js";
import { ExperimentError, resolveExperiment } from "../experiment/resolve.js";
import type { Hyperparameters } from "../experiment/hyperparameters.js";
import { defaultRunsRoot, findWorkspaceRoot } from "../runs/run-id.js";
import { describeConfig, expandConfigs, expandMembers, SweepGridError, type GridAxis } from "./grid.js";
import { SweepDir, sweepsRootFor, type SlurmOptions } from "./sweep-dir.js";

export interface SweepRequest {
  experimentPath: string;
  /** Seeds; default: the experiment's own seed. */
  seeds?: number[];
  grid: GridAxis[];
  totalTimesteps?: number;
  runsRoot?: string;
  sweepsRoot?: string;
  backend: string;
  /** Local: the pool size. */
  parallel?: number;
  /** Present for a Slurm sweep. */
  slurm?: SlurmOptions;
  /** The source text to use instead of the file's (an editor's unsaved buffer). */
  sourceText?: string;
}

/** Validate the whole grid and write the sweep folder. */
export async function createSweep(req: SweepRequest): Promise<SweepDir> {
  const compiled = await compileExperiment(req.experimentPath, req.sourceText);
  const config = evaluateExperiment(compiled.code, compiled.path);
  const source = { path: compiled.path, text: compiled.sourceText, sha256: compiled.sha256, bundle: compiled.code };
  const configs = expandConfigs(req.grid);
  const base = resolveExperiment(config, source);
  const seeds = req.seeds ?? [base.seed];
  const totals: number[] = [];
  configs.forEach((c, i) => {
    try {
      const resolved = resolveExperiment(config, source, {
        hyperparameters: c as Partial<Hyperparameters>,
        ...(req.totalTimesteps !== undefined ? { totalTimesteps: req.totalTimesteps } : {}),
      });
      totals.push(resolved.hyperparameters.totalTimesteps);
    } catch (err) {
      if (err instanceof ExperimentError) {
        throw new SweepGridError(`configuration ${i} of the grid (${describeConfig(c)}): ${err.detail}`, err.field?.replace(/^hyperparameters\./, ""));
      }
      throw err;
    }
  });
  const members = expandMembers(configs.length, seeds).map((m) => ({ ...m, totalTimesteps: totals[m.config]! }));
  const workspace = findWorkspaceRoot(compiled.path);
  return SweepDir.create(
    resolve(req.sweepsRoot ?? sweepsRootFor(workspace)),
    {
      format: "rl-studio/sweep@1",
      createdAt: new Date().toISOString(),
      experiment: { path: compiled.path, name: base.name, envId: base.envId, sourceSha256: compiled.sha256 },
      runsRoot: resolve(req.runsRoot ?? defaultRunsRoot(compiled.path)),
      seeds,
      grid: req.grid,
      configs,
      members,
      overrides: req.totalTimesteps !== undefined ? { totalTimesteps: req.totalTimesteps } : {},
      backend: req.backend,
      executor: req.slurm ? "slurm" : "local",
      ...(req.parallel !== undefined ? { parallel: req.parallel } : {}),
      ...(req.slurm ? { slurm: { options: req.slurm, submissions: [] } } : {}),
    },
    compiled.sourceText,
  );
}
