/**
 * Explanation facts of a TWOSOME (LLM-policy) run, pure: the visited text states of its greedy
 * evaluation episodes, each with π(a | s) over its valid action texts (TWOSOME's softmax over the
 * normalised action scores, Tan et al. 2024, §4.1), and sentences that state them with their sample
 * sizes, as the PPO facts' summary does. The measurement that feeds these lives in
 * runtime/src/llm-policy/explain-twosome.ts.
 */
import type { TextPolicyFacts, TextStateFacts } from "../../../protocol/src/explain.js";

/** One evaluation step: the state's prompt, its valid action texts and log π over them (same order). */
export interface TextStep {
  prompt: string;
  actions: readonly string[];
  logProbs: ArrayLike<number>;
}

/** States listed in the facts by default (the most visited). */
export const DEFAULT_TEXT_STATES = 5;

/**
 * The visited states, most visited first, at most `maxStates`. A state is its prompt and valid
 * actions; the greedy policy is a function of them, so its probabilities are those of its first visit.
 */
export function textStateFacts(steps: Iterable<TextStep>, maxStates = DEFAULT_TEXT_STATES): { distinctStates: number; states: TextStateFacts[] } {
  const byState = new Map<string, { order: number; facts: TextStateFacts }>();
  for (const step of steps) {
    if (step.actions.length !== step.logProbs.length) {
      throw new RangeError(`a text state has ${step.actions.length} actions but ${step.logProbs.length} log-probabilities`);
    }
    const key = JSON.stringify([step.prompt, step.actions]);
    const seen = byState.get(key);
    if (seen) {
      seen.facts.visits++;
      continue;
    }
    const actions = step.actions.map((text, i) => ({ text, probability: Math.exp(step.logProbs[i]!), i }));
    actions.sort((a, b) => b.probability - a.probability || a.i - b.i);
    byState.set(key, { order: byState.size, facts: { prompt: step.prompt, visits: 1, actions: actions.map(({ text, probability }) => ({ text, probability })) } });
  }
  const states = [...byState.values()].sort((a, b) => b.facts.visits - a.facts.visits || a.order - b.order);
  return { distinctStates: states.length, states: states.slice(0, Math.max(0, maxStates)).map((s) => s.facts) };
}

function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(0)} %`;
}

/** A prompt shortened for a sentence: whitespace collapsed, its last `max` characters (the state's most specific part). */
export function promptExcerpt(prompt: string, max = 120): string {
  const flat = prompt.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `…${flat.slice(flat.length - (max - 1))}`;
}

/** Shared words kept on each side of where prompts differ, for context. */
const CONTEXT_WORDS = 2;

/**
 * Excerpts that tell several states apart. One env's prompts share their framing (Overcooked's all
 * start with the room and end with the same task instruction), so an excerpt of either end can be
 * the same for every state. The words every prompt starts and ends with are cut ("…") but for two
 * on each side of the difference, and what is left is kept from its start, `max` characters at most. Without a shared start or end (or with one
 * prompt, or prompts that differ only in whitespace) each is `promptExcerpt`'s.
 */
export function distinguishingExcerpts(prompts: readonly string[], max = 120): string[] {
  const flats = prompts.map((p) => p.replace(/\s+/g, " ").trim());
  if (flats.length < 2) return prompts.map((p) => promptExcerpt(p, max));
  const first = flats[0]!;
  const shortest = Math.min(...flats.map((f) => f.length));
  let prefix = 0;
  while (prefix < shortest && flats.every((f) => f[prefix] === first[prefix])) prefix++;
  let suffix = 0;
  while (suffix < shortest - prefix && flats.every((f) => f[f.length - 1 - suffix] === first[first.length - 1 - suffix])) suffix++;
  // Cut at word boundaries inside the shared parts, keeping CONTEXT_WORDS of each next to the difference.
  // The space before the word the difference starts in, then CONTEXT_WORDS spaces further back…
  let before = first.lastIndexOf(" ", prefix - 1);
  for (let w = 0; w < CONTEXT_WORDS && before >= 0; w++) before = first.lastIndexOf(" ", before - 1);
  // …and the space after the word the difference ends in, then CONTEXT_WORDS spaces further on.
  let after = suffix > 0 ? first.indexOf(" ", first.length - suffix) : -1;
  for (let w = 0; w < CONTEXT_WORDS && after >= 0; w++) after = first.indexOf(" ", after + 1);
  const start = before + 1;
  const end = after < 0 ? 0 : first.length - after;
  const middles = flats.map((f) => f.slice(start, f.length - end).trim());
  if ((start === 0 && end === 0) || middles.some((m) => m === "") || flats.every((f) => f === first)) return prompts.map((p) => promptExcerpt(p, max));
  return middles.map((m) => {
    const cut = m.length > max - 2;
    const body = cut ? m.slice(0, max - 2).trimEnd() : m;
    return `${start > 0 ? "…" : ""}${body}${end > 0 || cut ? "…" : ""}`;
  });
}

/** The summary sentences: the sample, then each listed state with its action probabilities. */
export function summarizeTextPolicy(facts: TextPolicyFacts): string[] {
  const out = [
    `Over ${facts.episodes} greedy evaluation episode${facts.episodes === 1 ? "" : "s"} (n = ${facts.steps} steps) the policy succeeded in ${percent(facts.successRate)} of episodes and visited ${facts.distinctStates} distinct text state${facts.distinctStates === 1 ? "" : "s"}.`,
  ];
  facts.states.forEach((s, i) => {
    const actions = s.actions.map((a) => `"${a.text}" ${a.probability.toFixed(2)}`).join(", ");
    out.push(`State ${i + 1} (n = ${s.visits} of ${facts.steps} steps, "${promptExcerpt(s.prompt)}"): π = ${actions}.`);
  });
  return out;
}
