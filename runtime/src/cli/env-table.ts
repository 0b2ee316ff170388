/**
 * The built-in environments as `rl-studio envs` shows them: JSON for programs, a compact text
 * listing for people. Pure functions of the specs, shared by the CLI and the JSON-RPC server.
 */
import type { EnvSpec, MacroActionSpec, TextSpec } from "../envs/types.js";

/** JSON has no ±Infinity: an unbounded side is written as null. */
function bound(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export interface EnvJson {
  id: string;
  description: string;
  observationSpace: { kind: "box"; shape: [number] };
  /** Named elements of the observation vector; `low`/`high` null where unbounded. */
  observationFields: { name: string; description: string; low: number | null; high: number | null; episodeRange: [number, number] | null }[];
  actionSpace: { kind: "discrete"; n: number } | { kind: "box"; shape: [number]; low: number[]; high: number[] };
  actionMeanings: string[];
  maxEpisodeSteps: number;
  rewardThreshold: number | null;
  terminationCauses: string[];
  /** The text view an LLM policy reads (env.text), or null. */
  text: TextSpec | null;
  /** Macro-action stepping (one step = several primitive steps), or null. */
  macroActions: MacroActionSpec | null;
}

export function envToJson(spec: EnvSpec): EnvJson {
  const a = spec.actionSpace;
  return {
    id: spec.id,
    description: spec.description,
    observationSpace: { kind: "box", shape: [spec.observationFields.length] },
    observationFields: spec.observationFields.map((f) => ({
      name: f.name,
      description: f.description,
      low: bound(f.low),
      high: bound(f.high),
      episodeRange: f.episodeRange ? [f.episodeRange[0], f.episodeRange[1]] : null,
    })),
    actionSpace: a.kind === "discrete" ? { kind: "discrete", n: a.n } : { kind: "box", shape: [a.low.length], low: [...a.low], high: [...a.high] },
    actionMeanings: [...spec.actionMeanings],
    maxEpisodeSteps: spec.maxEpisodeSteps,
    rewardThreshold: spec.rewardThreshold ?? null,
    terminationCauses: [...spec.terminationCauses],
    text: spec.text ? { ...spec.text } : null,
    macroActions: spec.macroActions ? { ...spec.macroActions } : null,
  };
}

/** A number as a person reads it in a range: 4 significant digits, ±inf spelled out. */
export function formatBound(x: number): string {
  if (x === Infinity) return "+inf";
  if (x === -Infinity) return "-inf";
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

/** Gymnasium's notation for the spaces: `Discrete(2)`, `Box(4,)`. */
export function formatActionSpace(spec: EnvSpec): string {
  const a = spec.actionSpace;
  if (a.kind === "discrete") return `Discrete(${a.n})`;
  const ranges = a.low.map((lo, i) => `[${formatBound(lo)}, ${formatBound(a.high[i]!)}]`);
  return `Box(${a.low.length},) ${ranges.join(" ")}`;
}

/** Columns padded to their widest cell, joined by two spaces; trailing spaces trimmed. */
export function formatColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
}

/** The text `rl-studio envs` prints: per env, its spaces, named observation fields with ranges and action meanings. */
export function formatEnvTable(specs: readonly EnvSpec[]): string {
  const out: string[] = [];
  for (const spec of specs) {
    const threshold = spec.rewardThreshold !== undefined ? `, solved at return ${spec.rewardThreshold}` : "";
    out.push(`${spec.id}  (max ${spec.maxEpisodeSteps} steps${threshold})`);
    out.push(`  observation: Box(${spec.observationFields.length},)`);
    const fieldRows = spec.observationFields.map((f, i) => [
      `    [${i}] ${f.name}`,
      `[${formatBound(f.low)}, ${formatBound(f.high)}]`,
      f.episodeRange ? `in episode [${formatBound(f.episodeRange[0])}, ${formatBound(f.episodeRange[1])}]` : "",
      f.description,
    ]);
    out.push(...formatColumns(fieldRows));
    out.push(`  action: ${formatActionSpace(spec)}`);
    out.push(...formatColumns(spec.actionMeanings.map((m, i) => [`    ${i}`, m])));
    if (spec.terminationCauses.length > 0) out.push(`  terminates on: ${spec.terminationCauses.join("; ")}`);
    if (spec.text) {
      const offered = spec.text.validActions === "all" ? "every action offered, reworded by state" : `up to ${spec.text.maxValidActions} valid actions per state (info.actionMask)`;
      out.push(`  text view: env.text prompt + action texts, ${offered}; success = ${spec.text.successCause}; reference γ ${spec.text.referenceGamma}`);
    }
    if (spec.macroActions) {
      out.push(
        `  macro-actions: a step runs one macro-action (info.primitiveSteps primitive steps, reward discounted by ${spec.macroActions.rewardDiscount} inside it); truncated after ${spec.macroActions.maxPrimitiveSteps} primitive steps`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}
