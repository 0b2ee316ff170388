/**
 * The LLM's part of an explanation: it only phrases measured facts. The prompt holds the
 * deterministic summary and the headline facts (`headlineFacts`: what the panel's fact table and
 * the summary show); the narrative that comes back is accepted only if every number in it is one
 * of those figures (`checkNarrativeNumbers`), rounded to the precision it is written with, with its
 * sign, and a percentage only as one of the reported shares or probabilities. The per-bin
 * frequencies, quantile edges, heat-map cells and replay arrays are not quotable: among that many
 * numbers almost any invented figure would find a match. Anything else is an invented figure: the
 * narrative is rejected and the summary is shown instead.
 */
import type { ActionBin, BehaviourFacts, ModeFacts } from "../../../protocol/src/explain.js";
import { reportedConditioning, summarize } from "./summary.js";

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

/** A mode's headline figures: the "Returns and endings" and "Reward components" tables of the panel. */
function modeHeadline(m: ModeFacts) {
  return {
    episodes: m.episodes,
    steps: m.steps,
    return: m.return,
    length: m.length,
    endings: m.endings.causes.map((c) => ({ cause: c.cause, kind: c.kind, count: c.count, fraction: c.fraction, meanLength: c.meanLength })),
    actionCounts: m.actionCounts,
    actionFrequency: m.actionFrequency,
    meanAction: m.meanAction,
    components: m.components
      ? {
          steps: m.components.steps,
          episodes: m.components.episodes,
          components: m.components.components.map((c) => ({ name: c.name, share: c.share, absShare: c.absShare, meanPerStep: c.meanPerStep, meanPerEpisode: c.meanPerEpisode })),
        }
      : null,
  };
}

/**
 * The facts a narrative may quote: what the user sees beside it in the fact table (returns and
 * lengths, how episodes end with counts and shares, action frequencies, reward components, the
 * sensitivity ranking) and the conditional action frequencies the summary reports, with their n.
 * The summary's own sentences (typical and worst episode, critical states) add their figures as
 * written. This is also what the LLM is given, so it is never shown a figure it may not use.
 */
export function headlineFacts(facts: BehaviourFacts) {
  const brief = (t: BehaviourFacts["typicalEpisode"]) => ({ role: t.role, mode: t.mode, episode: t.episode, seed: t.seed, return: t.return, length: t.length, ending: t.ending });
  const bin = (b: ActionBin) => ({ lo: b.lo, hi: b.hi, n: b.n, actionCounts: b.actionCounts, actionFrequency: b.actionFrequency, meanAction: b.meanAction });
  return {
    envId: facts.envId,
    task: facts.task,
    actionMeanings: facts.actionMeanings,
    observationFields: facts.observationFields,
    terminationCauses: facts.terminationCauses,
    maxEpisodeSteps: facts.maxEpisodeSteps,
    rewardThreshold: facts.rewardThreshold,
    globalStep: facts.globalStep,
    episodesPerMode: facts.evaluation.episodesPerMode,
    deterministic: modeHeadline(facts.deterministic),
    stochastic: modeHeadline(facts.stochastic),
    actionByField: reportedConditioning(facts).map((c) => ({ field: c.field, mode: "deterministic", ranges: c.bins.map(bin) })),
    sensitivity: facts.sensitivity.map((s) => ({ field: s.field, rank: s.rank, delta: s.delta, meanEffect: s.meanEffect, n: s.n })),
    typicalEpisode: brief(facts.typicalEpisode),
    worstEpisode: brief(facts.worstEpisode),
  };
}

/**
 * Numbers in JSON to 4 significant digits (but every digit before the point: 12345.6 → 12346, not
 * 12350): the prompt stays short and the check accepts these roundings.
 */
function roundedJson(value: unknown): string {
  const round = (v: number) => Number(v.toPrecision(Math.min(21, Math.max(4, Math.floor(Math.log10(Math.abs(v))) + 1))));
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v) ? round(v) : v));
}

/** System and user messages for the narrative. */
export function buildNarrativePrompt(facts: BehaviourFacts): { system: string; user: string } {
  const system = [
    "You explain what a trained reinforcement-learning policy does, to an RL practitioner, in plain language.",
    "Use ONLY the measured facts given. Every number you write must be one of the figures in the summary or the facts,",
    "with its sign (you may round it, or write a fraction, share or frequency as a percentage). Do not compute new figures",
    "(no differences, sums or complements), do not guess, and do not add numbers that are not there. Name observation fields",
    "and actions as the facts name them. Write one or two short paragraphs, at most 150 words, no headings, no lists.",
  ].join(" ");
  const user = [
    `Environment: ${facts.envId}. Task: ${facts.task ?? "(not stated)"}.`,
    "Summary of the measurements:",
    ...summarize(facts).map((s) => `- ${s}`),
    "Measured facts (JSON):",
    roundedJson(headlineFacts(facts)),
    "Explain the policy's behaviour: what it does in which states, how its episodes end, and what drives its reward.",
  ].join("\n");
  return { system, user };
}

/** A number written in text. */
interface NumberToken {
  text: string;
  /** Signed, with a k/M suffix applied; a percentage as written (97 for "97%"). */
  value: number;
  /** Digits after the decimal point. */
  decimals: number;
  percent: boolean;
}

/**
 * Numbers in `text`, signed: an optional minus, digits with optional thousands separators,
 * decimals, exponent, a k/M suffix and a percent sign or word. Digits glued to letters (CartPole-v1, theta2, 3rd) are names, not
 * figures, and are skipped. Number words ("ninety") are not checked.
 */
export function extractNumbers(text: string): NumberToken[] {
  const re = /(?<![\p{L}\p{N}_.])[-−–]?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:[eE][-+]?\d+)?)\s?([kKM](?![\p{L}\p{N}_]))?(\s?%|\s?percent\b)?(?![\p{L}\p{N}_])/gu;
  const out: NumberToken[] = [];
  for (const m of text.matchAll(re)) {
    const digits = m[1]!.replace(/,/g, "");
    // A minus (hyphen, minus sign or en dash) glued to the digits is the number's sign.
    let value = (m[0].trimStart().match(/^[-−–]/) ? -1 : 1) * Number(digits);
    // The precision it is written with: "1.5e-3" has 4 decimals, "12.5k" none.
    const exponent = Number(m[1]!.match(/[eE]([-+]?\d+)$/)?.[1] ?? 0);
    let decimals = Math.max(0, (m[2]?.length ?? 0) - exponent);
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

/** Keys of `headlineFacts` whose numbers are fractions a narrative may write as percentages. */
const SHARE_KEYS = new Set(["fraction", "share", "absShare", "actionFrequency"]);

/** The figures a narrative may use: every number (signed), and the shares and probabilities among them (as fractions). */
export interface NarrativeFigures {
  values: number[];
  shares: number[];
}

/** Numbers of a JSON-like value into `into`; those under a share key are shares too; strings give the numbers written in them. */
function collectFigures(value: unknown, key: string, into: NarrativeFigures): void {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return;
    into.values.push(value);
    if (SHARE_KEYS.has(key)) into.shares.push(value);
  } else if (typeof value === "string") {
    for (const t of extractNumbers(value)) {
      // A percentage written in a sentence ("97%") is a reported share; a plain number is a value.
      if (t.percent) into.shares.push(t.value / 100);
      into.values.push(t.percent ? t.value / 100 : t.value);
    }
  } else if (Array.isArray(value)) {
    for (const v of value) collectFigures(v, key, into);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) collectFigures(v, k, into);
  }
}

/** What `checkNarrativeNumbers` accepts: the numbers of `headlineFacts` and of the summary sentences, as written there. */
export function narrativeFigures(facts: BehaviourFacts): NarrativeFigures {
  const figures: NarrativeFigures = { values: [], shares: [] };
  collectFigures(headlineFacts(facts), "", figures);
  collectFigures(summarize(facts), "", figures);
  return { values: [...new Set(figures.values)], shares: [...new Set(figures.shares)] };
}

function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/**
 * Does `x` written with `decimals` decimals state `v`: `v` rounded (or truncated) to as many, sign
 * included? "-0.05" is not 0.05: a narrative that flips a sign states a different fact.
 */
function sameFigure(v: number, x: number, decimals: number): boolean {
  const tol = 1e-9 * Math.max(1, Math.abs(x));
  if (Math.abs(roundTo(v, decimals) - x) <= tol) return true;
  const f = 10 ** decimals;
  return Math.abs(Math.trunc(v * f) / f - x) <= tol;
}

/**
 * Every number in `narrative` must be one of the figures the user sees beside it
 * (`narrativeFigures`), after rounding to the precision it was written with and with its sign; a
 * percentage must be a reported share or probability ×100, so "37%" is not matched by a mean
 * return of 37 or by a frequency of some quantile bin the summary never reports.
 */
export function checkNarrativeNumbers(narrative: string, facts: BehaviourFacts): { ok: boolean; invented: string[] } {
  const { values, shares } = narrativeFigures(facts);
  const percents = shares.map((v) => v * 100);
  const invented: string[] = [];
  for (const t of extractNumbers(narrative)) {
    const pool = t.percent ? percents : values;
    if (!pool.some((v) => sameFigure(v, t.value, t.decimals))) invented.push(t.text);
  }
  return { ok: invented.length === 0, invented: [...new Set(invented)] };
}
