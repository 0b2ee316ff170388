/**
 * Sweeps (seeds × hyperparameter grids, runtime/src/sweeps/): every message between the extension,
 * the runtime and the sweep page, declared once with its literal method name and its direction.
 */
import { NotificationType, RequestType } from "vscode-jsonrpc";
import type { MessageDirection } from "./runtime.js";

export const MEMBER_STATES = ["pending", "queued", "running", "completed", "failed", "stopped", "cancelled"] as const;
export type MemberState = (typeof MEMBER_STATES)[number];

/** One member as the Runs view and the sweep page show it. */
export interface SweepMemberView {
  index: number;
  config: number;
  seed: number;
  /** `learningRate=0.001 numEnvs=8`. */
  configText: string;
  state: MemberState;
  detail?: string;
  runId: string;
  runDir: string | null;
  globalStep: number;
  totalTimesteps: number;
  /** The member's log file. */
  log: string;
}

export interface SweepSummary {
  id: string;
  dir: string;
  experimentName: string;
  envId: string;
  executor: "local" | "slurm";
  members: number;
  counts: Partial<Record<MemberState, number>>;
}

export interface MeanStd {
  mean: number | null;
  /** Sample std over seeds (n − 1); null below two values. */
  std: number | null;
  n: number;
}

/** One configuration's results over its seeds (runtime/src/sweeps/aggregate.ts). */
export interface ConfigRow {
  config: number;
  values: Record<string, unknown>;
  seeds: number;
  completed: number;
  /** Mean return of the last 20 episodes, mean ± std over seeds. */
  finalMeanReturn: MeanStd;
  /** Best mean over 20 consecutive episodes, mean ± std over seeds. */
  bestMeanReturn: MeanStd;
  /** First step whose 20-episode mean reached the env's threshold, over the seeds that reached it. */
  stepsToSolve: MeanStd;
  solved: number;
}

/** Everything the sweep page shows. */
export interface SweepView {
  summary: SweepSummary;
  /** The grid's fields, in `--set` order. */
  fields: string[];
  members: SweepMemberView[];
  rows: ConfigRow[];
  /** The env's "solved" return, when it has one. */
  rewardThreshold: number | null;
}

// ── extension → runtime ──────────────────────────────────────────────────────

export interface RunSweepParams {
  experimentPath: string;
  /** As `--seeds`: `1-5`, `1,3,7`. */
  seeds: string;
  /** `--set` axes as typed: a field and its comma-separated values (`1e-3,3e-4`), parsed and checked against the hyperparameter table by the runtime. */
  grid: { field: string; values: string }[];
  runsRoot: string;
  /** Members at once (default: the number of cores). */
  parallel?: number;
  backend?: string;
}

export interface RunSweepResult {
  sweepId: string;
  sweepDir: string;
  members: number;
}

/** Create a sweep (the whole grid validated first) and run it in a local pool of processes. */
export namespace RunSweepRequest {
  export const method = "runtime/runSweep" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<RunSweepParams, RunSweepResult, void>(method);
}

/** Stop a sweep's running members gracefully (checkpointed, resumable); Slurm sweeps: scancel. */
export namespace CancelSweepRequest {
  export const method = "runtime/cancelSweep" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<{ sweepDir: string }, { cancelled: string[] }, void>(method);
}

export namespace ListSweepsRequest {
  export const method = "runtime/listSweeps" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<{ sweepsRoot: string }, { sweeps: SweepSummary[] }, void>(method);
}

export namespace ReadSweepRequest {
  export const method = "runtime/readSweep" as const;
  export const direction: MessageDirection = "extensionToRuntime";
  export const type = new RequestType<{ sweepDir: string }, SweepView, void>(method);
}

// ── runtime → extension ──────────────────────────────────────────────────────

export interface SweepStatusParams {
  sweepId: string;
  sweepDir: string;
  members: SweepMemberView[];
  /** The pool has finished (every member ended, or the sweep was cancelled). */
  done: boolean;
}

/** While a sweep this runtime runs is going: its members' states, about once a second, and once at the end. */
export namespace SweepStatusNotification {
  export const method = "sweep/status" as const;
  export const direction: MessageDirection = "runtimeToExtension";
  export const type = new NotificationType<SweepStatusParams>(method);
}

// ── extension ⇄ sweep page (media/src/sweep.ts, extension/src/sweeps/sweep-panel.ts) ─────────

export type SweepToWebview = { type: "sweep"; view: SweepView };

export type SweepFromWebview =
  /** The script loaded: (re)send the view. */
  | { type: "ready" }
  /** "Open in Dashboard": the sweep's runs, seeds grouped. */
  | { type: "openDashboard" }
  | { type: "error"; message: string };

export function isSweepFromWebview(m: unknown): m is SweepFromWebview {
  const t = (m as { type?: unknown } | null)?.type;
  return t === "ready" || t === "openDashboard" || (t === "error" && typeof (m as { message?: unknown }).message === "string");
}

export function isSweepToWebview(m: unknown): m is SweepToWebview {
  const o = m as { type?: unknown; view?: { rows?: unknown; members?: unknown } } | null;
  return o?.type === "sweep" && Array.isArray(o.view?.rows) && Array.isArray(o.view?.members);
}
