/**
 * Run folders → the protocol's `RunSummary`, for the Runs view and the dashboard. Reads what
 * any writer of a run folder leaves (the extension's runtime or the CLI), tolerating fields
 * it does not know; a run folder that cannot be read is reported as failed with the reason,
 * never dropped silently.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describeConfig } from "../sweeps/grid.js";
import type { RunSummary } from "../../../protocol/src/runtime.js";
import { decideResume, type ResumeInput } from "../runs/resume-decision.js";
import { effectiveState, probeStatusWriter, RunDir, type RunStatus } from "../runs/run-dir.js";

function str(o: Record<string, unknown>, ...keys: string[]): string | null {
  for (const k of keys) if (typeof o[k] === "string") return o[k] as string;
  return null;
}
function num(o: Record<string, unknown>, ...keys: string[]): number | null {
  for (const k of keys) if (typeof o[k] === "number" && Number.isFinite(o[k])) return o[k] as number;
  return null;
}

/** Keys that differ between seeds of the same experiment and must not split a seed group. */
const NOT_IN_GROUP_KEY = new Set(["seed", "createdAt", "runId", "experimentPath", "sourcePath", "path", "startedAt"]);

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

export function groupKeyOf(experiment: Record<string, unknown>): string {
  const rest = Object.fromEntries(Object.entries(experiment).filter(([k]) => !NOT_IN_GROUP_KEY.has(k)));
  // A sweep member's seeds share its sweep and configuration; the member index differs per seed.
  const sweep = sweepOf(experiment);
  if (sweep) rest.sweep = { id: sweep.id, config: sweep.config };
  return createHash("sha256").update(stableStringify(rest)).digest("hex").slice(0, 16);
}

/** experiment.json's `sweep` ({ id, index, config }), when the run is a sweep member. */
function sweepOf(experiment: Record<string, unknown>): { id: string; index: number; config: number } | null {
  const s = experiment.sweep as { id?: unknown; index?: unknown; config?: unknown } | undefined;
  return s && typeof s.id === "string" && typeof s.index === "number" && typeof s.config === "number" ? { id: s.id, index: s.index, config: s.config } : null;
}

/** The configuration of a sweep member in words: the hyperparameters its sweep varies (read from the sweep's manifest). */
function sweepConfigText(experiment: Record<string, unknown>, sweepId: string, runDir: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(dirname(dirname(runDir)), "sweeps", sweepId, "sweep.json"), "utf8")) as { grid?: { field: string }[] };
    const h = (experiment.hyperparameters ?? {}) as Record<string, unknown>;
    return describeConfig(Object.fromEntries((manifest.grid ?? []).map((a) => [a.field, h[a.field]])));
  } catch {
    return "";
  }
}

/** `envId` as experiment.json records it: a string id, or `{ id }` for a resolved custom env. */
function envIdOf(experiment: Record<string, unknown>): string {
  const env = experiment.env ?? experiment.envId;
  if (typeof env === "string") return env;
  if (env !== null && typeof env === "object" && typeof (env as { id?: unknown }).id === "string") return (env as { id: string }).id;
  return "unknown env";
}

/**
 * Summary of one run folder. `liveRunIds` are the runs this process is training right now;
 * `lastReturn` is filled from the last metrics record that has `charts/episodic_return`.
 */
export function summarizeRun(run: RunDir, liveRunIds: ReadonlySet<string>): RunSummary {
  const base: RunSummary = {
    runId: run.id,
    runDir: run.path,
    experimentName: run.id,
    envId: "unknown env",
    seed: null,
    experimentPath: null,
    state: "failed",
    globalStep: 0,
    totalTimesteps: 0,
    lastEpisodicReturn: null,
    backend: null,
    createdAt: null,
    error: null,
    groupKey: run.id,
    live: liveRunIds.has(run.id),
    unconfirmed: false,
  };
  try {
    const experiment = run.readExperiment();
    const hyper = (experiment.hyperparameters ?? {}) as Record<string, unknown>;
    base.experimentName = str(experiment, "name") ?? run.id;
    base.envId = envIdOf(experiment);
    base.seed = num(experiment, "seed");
    base.experimentPath = str(experiment, "experimentPath", "sourcePath", "path");
    base.createdAt = str(experiment, "createdAt");
    base.totalTimesteps = num(hyper, "totalTimesteps") ?? 0;
    base.groupKey = groupKeyOf(experiment);
    const sweep = sweepOf(experiment);
    if (sweep) base.sweep = { ...sweep, configText: sweepConfigText(experiment, sweep.id, run.path) };
    const status = run.readStatus();
    if (status) {
      base.state = base.live ? status.state : effectiveState(status);
      base.globalStep = status.globalStep;
      base.totalTimesteps = status.totalTimesteps || base.totalTimesteps;
      base.backend = status.backend ?? null;
      base.error = status.error ?? null;
      base.unconfirmed = isUnconfirmed({ runId: run.id, live: base.live, shownState: base.state, status, ownPids: [process.pid], probe: () => probeStatusWriter(status) });
    } else {
      // experiment.json written, no status yet: the run never started training.
      base.state = base.live ? "running" : "stopped";
    }
    base.lastEpisodicReturn = lastEpisodicReturn(run);
  } catch (err) {
    base.state = "failed";
    base.error = err instanceof Error ? err.message : String(err);
  }
  return base;
}

/**
 * A run shown running that the Runs view marks unconfirmed: not trained by this runtime (`live`),
 * shown "running" (`effectiveState` of its status), and its resume would be refused only because
 * the process status.json names cannot be confirmed to be its trainer — the decision `resumeRun`
 * takes (`decideResume`), so the mark and the editor's Resume Anyway cover the same runs. Pure:
 * `probe` (the OS's answer about status.pid) is asked only when the first two hold.
 */
export function isUnconfirmed(input: {
  runId: string;
  live: boolean;
  shownState: RunSummary["state"];
  status: RunStatus;
  ownPids: readonly number[];
  probe: () => ResumeInput["probe"];
}): boolean {
  if (input.live || input.shownState !== "running") return false;
  const d = decideResume({ runId: input.runId, status: input.status, force: false, ownPids: input.ownPids, probe: input.probe() });
  return d.action === "refuse" && d.overridable;
}

function lastEpisodicReturn(run: RunDir): number | null {
  const metrics = run.readMetrics();
  for (let i = metrics.length - 1; i >= 0; i--) {
    const v = metrics[i]!.metrics["charts/episodic_return"];
    if (v !== undefined && Number.isFinite(v)) return v;
  }
  return null;
}
