/**
 * Pure text helpers of the LLM reward features (no `vscode` import, unit-tested): what accepting a
 * candidate makes of the file, when ghost text may be offered, and what the status bar says for
 * each model state. Where the `reward` property is comes from the one finder the runtime and the
 * language server use too (common/src/experiment-object.ts), which answers for the text being
 * typed (unsaved, often not even parseable).
 */
import type { LlmModelState, SuggestRewardParams } from "../../../protocol/src/reward-design.js";
import { findRewardProperty, type Span } from "../../../common/src/experiment-object.js";
import { pathRules } from "../paths.js";

export type OffsetRange = Span;

/** The indentation (spaces/tabs) of the line holding `offset`. */
export function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/**
 * Re-indent a candidate's `reward: …` snippet (written with the property at `indent` = two spaces,
 * runtime/src/reward-design/snippet.ts) for a property at `target`: every line after the first.
 */
export function reindent(code: string, target: string, written = "  "): string {
  const lines = code.split("\n");
  return lines
    .map((line, i) => {
      if (i === 0) return line;
      return line.startsWith(written) ? target + line.slice(written.length) : line;
    })
    .join("\n");
}

/**
 * The file with a candidate applied: `range` replaced by the candidate's `reward: …` property (its
 * trailing comma dropped where the file already has one after the range), or, for an insertion
 * point (start = end), the property added after the last one. `range` is in UTF-16 offsets of `source`.
 */
export function applyCandidate(source: string, range: OffsetRange, code: string): string {
  if (!(range.start >= 0 && range.start <= range.end && range.end <= source.length)) {
    throw new RangeError(`reward range ${range.start}–${range.end} is outside the file (length ${source.length})`);
  }
  const property = code.trim().replace(/,\s*$/, "");
  const before = source.slice(0, range.start);
  const after = source.slice(range.end);
  if (range.start === range.end) {
    const indent = indentAt(source, range.start);
    return `${before},\n${indent}${reindent(property, indent)}${after}`;
  }
  const indent = indentAt(source, range.start);
  const hasComma = /^\s*,/.test(after);
  const closesObject = /^\s*[}]/.test(after);
  // Keep the file's style: a comma after every property except where it already ends the object without one.
  const comma = hasComma || closesObject ? "" : ",";
  return `${before}${reindent(property, indent)}${comma}${after}`;
}

/** Where the cursor (offset) is relative to the reward property: ghost text is offered only inside it. */
export interface GhostTarget {
  /** What the ghost text replaces (one line: VS Code's inline completions replace within a line). */
  range: OffsetRange;
  /** The text of that range now. */
  replaced: string;
}

/**
 * Ghost text is offered only when the cursor is inside the experiment's `reward` property or on
 * an empty `reward:` line, and only where the property fits on the cursor's line (an inline
 * completion's range must start and end on one line; a multi-line reward is replaced through
 * Suggest Reward's diff instead). Returns the range to replace, or null.
 */
export function ghostTarget(text: string, offset: number): GhostTarget | null {
  const location = findRewardProperty(text);
  const p = location?.property;
  if (!p) return null;
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const nl = text.indexOf("\n", offset);
  const lineEnd = nl < 0 ? text.length : nl;
  if (p.start < lineStart || p.start > lineEnd) return null;
  if (p.empty) {
    if (offset < p.colon) return null;
    const end = lineStart + text.slice(lineStart, lineEnd).replace(/\s+$/, "").length;
    // Up to the cursor at least: VS Code shows an inline completion whose range reaches the cursor.
    const range = { start: p.start, end: Math.max(end, p.colon, offset) };
    return { range, replaced: text.slice(range.start, range.end) };
  }
  if (p.end > lineEnd || offset < p.start || offset > p.end) return null;
  return { range: { start: p.start, end: p.end }, replaced: text.slice(p.start, p.end) };
}

/**
 * The text the runtime compiles for a ghost-text suggestion: the buffer without the reward property
 * being written (and its comma). Half-typed, that property does not parse (`reward: ` on its own
 * line is a syntax error), and the suggestion replaces it anyway.
 */
export function ghostSourceText(text: string, target: GhostTarget): string {
  const after = text.slice(target.range.end);
  const comma = /^[ \t]*,/.exec(after);
  return text.slice(0, target.range.start) + after.slice(comma ? comma[0].length : 0);
}

/** The text to put at a ghost target: the candidate's property, with its comma unless one follows. */
export function ghostInsertText(text: string, target: GhostTarget, code: string): string {
  const property = code.trim().replace(/,\s*$/, "");
  const after = text.slice(target.range.end);
  const comma = /^\s*[,}]/.test(after) ? "" : ",";
  return reindent(property, indentAt(text, target.range.start)) + comma;
}

export interface LlmStatusView {
  text: string;
  tooltip: string;
  /** Command id the item runs, with its arguments. */
  command: { id: string; args?: unknown[] } | null;
  error: boolean;
}

export const DOWNLOAD_MODEL_COMMAND = "rlStudio.downloadModel";
const GENERIC_NO_MODEL = /^no model: set rlStudio\.llm\.model/;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
}

/** Percentage of a download, or null when the size is not known yet. */
export function downloadPercent(downloadedBytes: number, totalBytes: number): number | null {
  return totalBytes > 0 ? Math.min(100, Math.floor((100 * downloadedBytes) / totalBytes)) : null;
}

/**
 * What the status bar shows for a model state. `configured` is `rlStudio.llm.model`: the runtime
 * reports "no-model" until first use even when one is set, and that reads "not loaded", not "no model".
 */
export function llmStatusView(state: LlmModelState, configured: string): LlmStatusView {
  switch (state.state) {
    case "no-model":
      if (configured.trim() && GENERIC_NO_MODEL.test(state.message)) {
        return { text: "$(sparkle) LLM: not loaded", tooltip: `RL Studio LLM: ${configured.trim()} loads on first use (Suggest Reward, Evolve Reward).`, command: null, error: false };
      }
      return { text: "$(sparkle) LLM: no model", tooltip: `RL Studio LLM: ${state.message}. Click to download a model.`, command: { id: DOWNLOAD_MODEL_COMMAND }, error: false };
    case "downloading": {
      const percent = downloadPercent(state.downloadedBytes, state.totalBytes);
      const amount = percent === null ? megabytes(state.downloadedBytes) : `${percent}%`;
      return { text: `$(cloud-download) LLM: downloading ${amount}`, tooltip: `RL Studio LLM: downloading ${state.uri} (${megabytes(state.downloadedBytes)}${state.totalBytes > 0 ? ` of ${megabytes(state.totalBytes)}` : ""}).`, command: null, error: false };
    }
    case "loading":
      return { text: "$(loading~spin) LLM: loading", tooltip: `RL Studio LLM: loading ${state.path}…`, command: null, error: false };
    case "ready":
      return {
        text: "$(sparkle) LLM: ready",
        tooltip: `RL Studio LLM ready: ${state.path} (${state.gpu === false ? "CPU" : `GPU: ${state.gpu}`}, ${state.threads} thread${state.threads === 1 ? "" : "s"}, context ${state.contextSize} tokens).`,
        command: null,
        error: false,
      };
    case "failed":
      return { text: "$(error) LLM: failed", tooltip: `RL Studio LLM failed: ${state.reason}. Click to open the LLM settings.`, command: { id: "workbench.action.openSettings", args: ["rlStudio.llm"] }, error: true };
  }
}

/** A runtime error's own message: vscode-jsonrpc prefixes "Request <method> failed with message: ". */
export function runtimeMessage(message: string): string {
  return message.replace(/^Request \S+ failed with message: /, "");
}

/** True when a runtime error means no model is available (the runtime's NO_MODEL_MESSAGE and its variants). */
export function isNoModelError(message: string): boolean {
  return /\bno model\b/i.test(message);
}

/** A positive integer typed in an input box, or the reason it is not one (for `validateInput`). */
export function positiveIntegerError(value: string, { min = 1, max = Number.MAX_SAFE_INTEGER, optional = false } = {}): string | null {
  const v = value.trim().replace(/_/g, "");
  if (v === "" && optional) return null;
  if (!/^\d+$/.test(v)) return `a whole number from ${min} to ${max.toLocaleString("en-US")}`;
  const n = Number(v);
  return n < min || n > max ? `a whole number from ${min} to ${max.toLocaleString("en-US")}` : null;
}

/** The label of a candidate in pickers and tables: its component names. */
export function componentsLabel(components: readonly { name: string }[]): string {
  return components.length > 0 ? components.map((c) => c.name).join(" + ") : "(no components)";
}

/**
 * The suggestion request for an editor document: the text as typed goes along when it is unsaved,
 * so the runtime compiles what the user sees (and its answer's offsets point into that text).
 */
export function suggestRewardParams(document: { fsPath: string; text: string; isDirty: boolean }, count?: number): SuggestRewardParams {
  return { experimentPath: document.fsPath, ...(count !== undefined ? { count } : {}), ...(document.isDirty ? { sourceText: document.text } : {}) };
}

/**
 * Why Apply Evolved Reward must not edit the file an evolution.json names (`experimentPath`), or
 * null when its shape allows it: an absolute path of an experiment file (`*.rl.ts`). evolution.json
 * is a file on disk like any other; whether the file lies inside the workspace is checked next, by
 * `workspaceWriteError` (as for every Apply).
 */
export function evolvedRewardTargetError(experimentPath: unknown, platform: NodeJS.Platform = process.platform): string | null {
  if (typeof experimentPath !== "string" || experimentPath.trim() === "") return "its evolution.json names no experiment file (experimentPath)";
  const shown = JSON.stringify(experimentPath);
  if (!pathRules(platform).isAbsolute(experimentPath)) return `its evolution.json names ${shown}, not an absolute path of an experiment file`;
  if (!experimentPath.endsWith(".rl.ts")) return `its evolution.json names ${shown}, which is not an experiment file (*.rl.ts)`;
  return null;
}
