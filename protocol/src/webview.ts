/**
 * extension ⇄ dashboard webview: `postMessage` payloads, a union discriminated by `type`.
 * Declared once here; `media/src/dashboard.ts` and `extension/src/dashboard-panel.ts` both switch on it,
 * so an unhandled message type is a compile error on both sides.
 */
import type { MetricsRecord, RunState } from "./runtime.js";

/** One run as the dashboard draws it. */
export interface DashboardRun {
  runId: string;
  /** Legend label, e.g. `cartpole-ppo · seed 1 · 0419-1530`. */
  label: string;
  experimentName: string;
  seed: number | null;
  /** Runs with the same key differ only by seed: drawn as mean ± band when grouping is on. */
  groupKey: string;
  /** The band's legend label (a sweep configuration's), instead of the experiment name. */
  groupLabel?: string;
  state: RunState;
  metrics: MetricsRecord[];
}

/** Saved with `vscode.setState`, and handed to the serializer when VS Code restores the panel. */
export interface DashboardState {
  /** Runs shown (others are loaded but hidden). Empty means all. */
  selectedRunIds: string[];
  /** EMA weight in [0, 0.999]; 0 = raw. */
  smoothing: number;
  xAxis: "step" | "wall";
  groupSeeds: boolean;
}

export const DEFAULT_DASHBOARD_STATE: DashboardState = { selectedRunIds: [], smoothing: 0.6, xAxis: "step", groupSeeds: false };

export type ExtensionToWebview =
  /** Full data; replaces everything the webview had (sent on `ready`). */
  | { type: "init"; runs: DashboardRun[]; focusRunIds: string[]; reportLatency: boolean }
  /** A run was added or re-read from disk (e.g. after resume). */
  | { type: "run"; run: DashboardRun }
  /** New metrics records for a live run, in order (at most one message per run every 50 ms). `sentAt`: the runtime's Date.now() when the oldest of them was handed over for sending. */
  | { type: "metrics"; runId: string; records: MetricsRecord[]; sentAt: number }
  | { type: "runState"; runId: string; state: RunState }
  | { type: "removeRun"; runId: string }
  /** Make these runs the visible selection (Compare Runs, Open in Dashboard). */
  | { type: "focus"; runIds: string[] };

export type WebviewToExtension =
  /** The script loaded and its listener is attached: (re)send the data. */
  | { type: "ready" }
  /** Save `data` (CSV text) to a file the user picks. */
  | { type: "exportCsv"; suggestedName: string; csv: string }
  /** Save a chart image (`data:image/png;base64,…`). */
  | { type: "exportPng"; suggestedName: string; dataUrl: string }
  /** A metrics message reached the screen (only when `reportLatency`): runtime send → chart drawn. */
  | { type: "rendered"; runId: string; globalStep: number; sentAt: number; renderedAt: number }
  | { type: "error"; message: string };

/** Narrowing guard for messages arriving from the webview (untrusted until checked). */
export function isWebviewToExtension(m: unknown): m is WebviewToExtension {
  if (typeof m !== "object" || m === null) return false;
  const t = (m as { type?: unknown }).type;
  return t === "ready" || t === "exportCsv" || t === "exportPng" || t === "rendered" || t === "error";
}

// ── extension ⇄ evolution page (media/src/evolution.ts, extension/src/llm/evolve-view.ts) ──────────

import type { EvolutionPageModel } from "../../media/src/evolution-page.js";

export type EvolutionToWebview =
  /** The whole page: on `ready`, and whenever a candidate finishes or the evolution ends. */
  | { type: "evolution"; model: EvolutionPageModel }
  /** While a candidate trains: only the activity line and the elapsed time change. */
  | { type: "activity"; activity: string; wallSeconds: number };

export type EvolutionFromWebview =
  /** The script loaded: (re)send the page. */
  | { type: "ready" }
  /** "Apply winner" was clicked: preview the winner's diff, then apply. */
  | { type: "applyWinner" }
  | { type: "error"; message: string };

/** Narrowing guard for messages arriving from the evolution page (untrusted until checked). */
export function isEvolutionFromWebview(m: unknown): m is EvolutionFromWebview {
  const t = (m as { type?: unknown } | null)?.type;
  return t === "ready" || t === "applyWinner" || (t === "error" && typeof (m as { message?: unknown }).message === "string");
}

/** Narrowing guard for messages arriving at the evolution page. */
export function isEvolutionToWebview(m: unknown): m is EvolutionToWebview {
  if (typeof m !== "object" || m === null) return false;
  const o = m as { type?: unknown; model?: unknown; activity?: unknown; wallSeconds?: unknown };
  if (o.type === "evolution") return typeof o.model === "object" && o.model !== null && Array.isArray((o.model as { candidates?: unknown }).candidates);
  return o.type === "activity" && typeof o.activity === "string" && typeof o.wallSeconds === "number";
}
