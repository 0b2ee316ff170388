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
