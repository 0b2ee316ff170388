/**
 * The LLM's part of an explanation: it only phrases measured facts. The prompt holds the facts
 * (without the long replay trajectories) and the deterministic summary; the narrative that comes
 * back is accepted only if every number in it can be found in what the prompt gave
 * (`checkNarrativeNumbers`), allowing roundings and fraction ↔ percentage. Anything else is an
 * invented figure: the narrative is rejected and the summary is shown instead.
 */
import type { BehaviourFacts } from "../../../protocol/src/explain.js";
import { summarize } from "./summary.js";

/** Writes a narrative from facts (the local LLM in the runtime; a scripted fake in tests). */
export interface NarrativeWriter {
  write(facts: BehaviourFacts, signal?: AbortSignal): Promise<string>;
}

/** The facts as the LLM sees them: everything but the per-step replay arrays of the two kept episodes. */
export function compactFacts(facts: BehaviourFacts): Omit<BehaviourFacts, "typicalEpisode" | "worstEpisode"> & {
  typicalEpisode: Omit<BehaviourFacts["typicalEpisode"], "observations" | "states" | "actions" | "rewards" | "values" | "probabilities">;
  worstEpisode: Omit<BehaviourFacts["worstEpisode"], "observations" | "states" | "actions" | "rewards" | "values" | "probabilities">;
} {
  const brief = (t: BehaviourFacts["typicalEpisode"]) => ({
    role: t.role,
    mode: t.mode,
    episode: t.episode,
    seed: t.seed,
    return: t.return,
    length: t.length,
    ending: t.ending,
  });
  return { ...facts, typicalEpisode: brief(facts.typicalEpisode), worstEpisode: brief(facts.worstEpisode) };
}

/** Numbers in JSON to 4 significant digits: the prompt stays short and the check accepts these roundings. */
function roundedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v));
}

/** System and user messages for the narrative. */
export function buildNarrativePrompt(facts: BehaviourFacts): { system: string; user: string } {
  const system = [
    "You explain what a trained reinforcement-learning policy does, to an RL practitioner, in plain language.",
    "Use ONLY the measured facts given. Every number you write must appear in the facts or the summary",
    "(you may round it, or write a fraction as a percentage). Do not compute new figures, do not guess, and",
    "do not add numbers that are not there. Name observation fields and actions as the facts name them.",
    "Write one or two short paragraphs, at most 150 words, no headings, no lists.",
  ].join(" ");
  const user = [
    `Environment: ${facts.envId}. Task: ${facts.task ?? "(not stated)"}.`,
    "Summary of the measurements:",
    ...summarize(facts).map((s) => `- ${s}`),
    "Measured facts (JSON):",
    roundedJson(compactFacts(facts)),
    "Explain the policy's behaviour: what it does in which states, how its episodes end, and what drives its reward.",
  ].join("\n");
  return { system, user };
}

/** A number written in text. */
interface NumberToken {
  text: string;
  value: number;
  /** Digits after the decimal point. */
  decimals: number;
  percent: boolean;
}

/**
 * Numbers in `text`: digits with optional thousands separators, decimals, exponent, a k/M suffix
 * and a percent sign or word. Digits glued to letters (CartPole-v1, theta2, 3rd) are names, not
 * figures, and are skipped. Number words ("ninety") are not checked.
 */
export function extractNumbers(text: string): NumberToken[] {
  const re = /(?<![\p{L}\p{N}_.])[-−–]?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:[eE][-+]?\d+)?)\s?([kKM](?![\p{L}\p{N}_]))?(\s?%|\s?percent\b)?(?![\p{L}\p{N}_])/gu;
  const out: NumberToken[] = [];
  for (const m of text.matchAll(re)) {
    const digits = m[1]!.replace(/,/g, "");
    let value = Number(digits);
    let decimals = m[2]?.length ?? 0;
    if (m[3]) {
      const scale = m[3] === "M" ? 1e6 : 1e3;
      value *= scale;
      decimals = Math.max(0, decimals - Math.log10(scale));
    }
    if (!Number.isFinite(value)) continue;
    out.push({ text: m[0].trim(), value, decimals, percent: m[4] !== undefined });
  }
  return out;
}

/** Every finite number in a JSON-like value, and the numbers written inside its strings. */
function collectNumbers(value: unknown, into: number[]): void {
  if (typeof value === "number") {
    if (Number.isFinite(value)) into.push(value);
  } else if (typeof value === "string") {
    for (const t of extractNumbers(value)) into.push(t.percent ? t.value / 100 : t.value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectNumbers(v, into);
  } else if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) collectNumbers(v, into);
  }
}

function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** Does `x` written with `decimals` decimals equal `v` rounded (or truncated) to as many? Signs are ignored: "leans left by 0.05" states −0.05. */
function sameFigure(v: number, x: number, decimals: number): boolean {
  const a = Math.abs(v);
  const tol = 1e-9 * Math.max(1, x);
  if (Math.abs(roundTo(a, decimals) - x) <= tol) return true;
  const f = 10 ** decimals;
  return Math.abs(Math.trunc(a * f) / f - x) <= tol;
}

/**
 * Every number in `narrative` must match a number of the facts the LLM was given (compact facts,
 * their summary, the numbers inside their strings) after rounding to the precision it was written
 * with; a percentage must match a fact ×100 (a fraction, share, frequency) or a fact as written.
 */
export function checkNarrativeNumbers(narrative: string, facts: BehaviourFacts): { ok: boolean; invented: string[] } {
  const known: number[] = [];
  collectNumbers(compactFacts(facts), known);
  collectNumbers(summarize(facts), known);
  const values = [...new Set(known)];
  const fractions = values.filter((v) => Math.abs(v) <= 1).map((v) => v * 100);
  const invented: string[] = [];
  for (const t of extractNumbers(narrative)) {
    const x = Math.abs(t.value);
    const pool = t.percent ? [...fractions, ...values] : values;
    if (!pool.some((v) => sameFigure(v, x, t.decimals))) invented.push(t.text);
  }
  return { ok: invented.length === 0, invented: [...new Set(invented)] };
}
