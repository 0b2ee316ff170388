/**
 * Pure text helpers of the LLM reward features (no `vscode` import, unit-tested): where the
 * experiment's `reward` property is in a source text, what accepting a candidate makes of the
 * file, when ghost text may be offered, and what the status bar says for each model state.
 *
 * The runtime finds the reward property with the TypeScript AST (runtime/src/reward-design/reward-source.ts)
 * in the file on disk; the editor needs the same answer for the text being typed (unsaved, often
 * not even parseable), so this is a small lexical scanner: it skips comments, strings and template
 * literals and follows bracket depth, which is all a property's extent needs.
 */
import type { LlmModelState, SuggestRewardParams } from "../../../protocol/src/reward-design.js";

export interface OffsetRange {
  start: number;
  end: number;
}

export interface RewardProperty {
  /** Offset of the `reward` key. */
  keyStart: number;
  /** Offset just after the `:`. */
  colon: number;
  /** 0-based offsets of the whole property `reward: …` (without a trailing comma). */
  start: number;
  end: number;
  /** True when nothing follows `reward:` on its line (the user is about to write one). */
  empty: boolean;
}

export interface RewardLocation {
  /** The reward property, or null when the experiment object has none. */
  property: RewardProperty | null;
  /** What accepting a candidate replaces: the property, or (start = end) the insertion point after the last property. */
  range: OffsetRange;
}

/** Marks every offset that is code (true) or inside a comment (false); string and template contents count as code but are reported by `stringAt`. */
interface Scan {
  /** Offsets of significant characters (not whitespace, not comments), in order, with string literals collapsed to their first offset. */
  tokens: { at: number; ch: string; end: number }[];
}

const IDENT = /[A-Za-z0-9_$]/;

function scan(text: string): Scan {
  const tokens: Scan["tokens"] = [];
  let i = 0;
  const n = text.length;
  /** Brace depth inside each open `${` of a template literal, to know where it closes. */
  const templateStack: number[] = [];
  let braceDepth = 0;
  const readTemplate = (from: number): number => {
    // from: just after the opening backtick or the closing `}` of a substitution; returns the offset after the closing backtick, or of `${`.
    let j = from;
    while (j < n) {
      const c = text[j];
      if (c === "\\") j += 2;
      else if (c === "`") return j + 1;
      else if (c === "$" && text[j + 1] === "{") {
        templateStack.push(braceDepth);
        braceDepth++;
        return -(j + 2);
      } else j++;
    }
    return n;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === "/" && text[i + 1] === "/") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      const end = Math.min(n, j + 1);
      tokens.push({ at: i, ch: c, end });
      i = end;
      continue;
    }
    if (c === "`") {
      const r = readTemplate(i + 1);
      const end = r < 0 ? -r : r;
      tokens.push({ at: i, ch: "`", end });
      i = end;
      continue;
    }
    if (c === "}" && templateStack.length > 0 && braceDepth - 1 === templateStack[templateStack.length - 1]) {
      // The end of a `${…}` substitution: the template literal goes on.
      templateStack.pop();
      braceDepth--;
      const r = readTemplate(i + 1);
      const end = r < 0 ? -r : r;
      tokens.push({ at: i, ch: "`", end });
      i = end;
      continue;
    }
    if (c === "{") braceDepth++;
    else if (c === "}") braceDepth--;
    if (IDENT.test(c)) {
      let j = i + 1;
      while (j < n && IDENT.test(text[j]!)) j++;
      tokens.push({ at: i, ch: text.slice(i, j), end: j });
      i = j;
      continue;
    }
    tokens.push({ at: i, ch: c, end: i + 1 });
    i++;
  }
  return { tokens };
}

const OPEN = new Set(["{", "(", "["]);
const CLOSE = new Set(["}", ")", "]"]);

function keyName(t: { ch: string }, text: string, at: number, end: number): string | null {
  if (t.ch === '"' || t.ch === "'") return text.slice(at + 1, end - 1);
  return IDENT.test(t.ch[0] ?? "") ? t.ch : null;
}

/**
 * The `reward` property of the experiment object (the object literal with an `env` key), or where
 * one would go; null when no experiment object is found. Same contract as the runtime's findRewardProperty.
 */
export function locateReward(text: string): RewardLocation | null {
  const { tokens } = scan(text);
  // Find object literals: for each `{`, its properties' keys at depth 1 and its closing token.
  interface Obj {
    open: number;
    keys: Map<string, number>;
    close: number | null;
    lastValueEnd: number | null;
  }
  const stack: { ch: string; obj: Obj | null }[] = [];
  const objects: Obj[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (OPEN.has(t.ch)) {
      const obj = t.ch === "{" ? { open: k, keys: new Map<string, number>(), close: null, lastValueEnd: null } : null;
      if (obj) objects.push(obj);
      stack.push({ ch: t.ch, obj });
      continue;
    }
    if (CLOSE.has(t.ch)) {
      const top = stack.pop();
      if (top?.obj) top.obj.close = k;
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top?.obj) continue;
    const prev = tokens[k - 1];
    const next = tokens[k + 1];
    if (next?.ch === ":" && (prev?.ch === "{" || prev?.ch === ",")) {
      const name = keyName(t, text, t.at, t.end);
      if (name !== null && !top.obj.keys.has(name)) top.obj.keys.set(name, k);
    }
  }
  const experiment = objects.find((o) => o.keys.has("env"));
  if (!experiment) return null;
  const rewardKey = experiment.keys.get("reward");
  if (rewardKey !== undefined) {
    const property = propertyAt(text, tokens, rewardKey);
    return { property, range: { start: property.start, end: property.end } };
  }
  // No reward: insert after the last property (before its trailing comma, as the runtime does).
  if (experiment.close === null) return null;
  let last = experiment.close - 1;
  if (tokens[last]?.ch === ",") last--;
  const at = last > experiment.open ? tokens[last]!.end : tokens[experiment.open]!.end;
  return { property: null, range: { start: at, end: at } };
}

function propertyAt(text: string, tokens: Scan["tokens"], keyIndex: number): RewardProperty {
  const key = tokens[keyIndex]!;
  const colonToken = tokens[keyIndex + 1]!;
  const colon = colonToken.end;
  const first = tokens[keyIndex + 2];
  const second = tokens[keyIndex + 3];
  // Nothing, a comma, the end of the object or the next `key:` after the colon: no value written yet.
  const noValue = first === undefined || first.ch === "," || first.ch === "}" || (keyName(first, text, first.at, first.end) !== null && second?.ch === ":");
  if (noValue) {
    // `reward:` with nothing after it on the line: the property is the key and colon.
    return { keyStart: key.at, colon, start: key.at, end: colon, empty: true };
  }
  let depth = 0;
  let end = colon;
  for (let k = keyIndex + 2; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (OPEN.has(t.ch)) depth++;
    else if (CLOSE.has(t.ch)) {
      if (depth === 0) break;
      depth--;
    } else if (t.ch === "," && depth === 0) break;
    end = t.end;
  }
  return { keyStart: key.at, colon, start: key.at, end, empty: false };
}

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
  const location = locateReward(text);
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
