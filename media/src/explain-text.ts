/**
 * The explanation panel's view of a TWOSOME (LLM-policy) run, pure (no DOM, unit-tested): the
 * header line, and per visited text state (most visited first, as the facts list them) the prompt
 * with an excerpt that tells it from the others for the collapsed line, and its action texts with π(a | s), the greedy one
 * (the most probable; ties: the first listed, the env's order) marked.
 */
import type { TextPolicyFacts } from "../../protocol/src/explain.js";
// The same excerpts as the hover's (pure; bundles into the webview).
import { distinguishingExcerpts } from "../../runtime/src/explain/text-policy.js";
import { fmt, pct } from "./explain-scene.js";

export interface TextActionRow {
  text: string;
  probability: number;
  /** π with two decimals, as the summary writes it. */
  label: string;
  /** The action the greedy policy takes in this state. */
  greedy: boolean;
}

export interface TextStateView {
  /** "State 1 · 12 of 37 steps (32%)". */
  title: string;
  /** The part of the prompt that tells it from the other states' (the collapsed line; distinguishingExcerpts). */
  excerpt: string;
  /** The whole prompt, as the LLM read it. */
  prompt: string;
  actions: TextActionRow[];
}

/** The file name of a model path (either separator; the webview has no node:path). */
function fileName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** The header line under the title: run, checkpoint, model, sample and success rate; `when` is the explanation's date as the page shows it. */
export function textPolicyMeta(f: TextPolicyFacts, when: string): string {
  return (
    `run ${f.runId} · ${fmt(f.globalStep)} training steps · LLM policy ${fileName(f.model)} with the run's LoRA adapter · ` +
    `${fmt(f.episodes)} greedy episode${f.episodes === 1 ? "" : "s"} (${fmt(f.steps)} steps) · success rate ${pct(f.successRate)} · ${when}`
  );
}

/** One view per listed state; `excerptLength` characters at most in the collapsed line. */
export function textStateViews(f: TextPolicyFacts, excerptLength = 100): TextStateView[] {
  const excerpts = distinguishingExcerpts(f.states.map((s) => s.prompt), excerptLength);
  return f.states.map((s, i) => {
    let best = 0;
    s.actions.forEach((a, k) => {
      if (a.probability > s.actions[best]!.probability) best = k;
    });
    const share = f.steps > 0 ? ` (${pct(s.visits / f.steps)})` : "";
    return {
      title: `State ${i + 1} · ${fmt(s.visits)} of ${fmt(f.steps)} steps${share}`,
      excerpt: excerpts[i]!,
      prompt: s.prompt,
      actions: s.actions.map((a, k) => ({ text: a.text, probability: a.probability, label: a.probability.toFixed(2), greedy: k === best })),
    };
  });
}

/** The note under the states: how many the facts list of all visited. */
export function textStatesNote(f: TextPolicyFacts): string {
  const listed = f.states.length;
  const rest = f.distinctStates - listed;
  const which = rest > 0 ? `the ${fmt(listed)} most visited of ${fmt(f.distinctStates)} distinct text states` : `all ${fmt(f.distinctStates)} distinct text state${f.distinctStates === 1 ? "" : "s"}`;
  return `π(a | s) over the valid action texts in ${which} of the greedy evaluation episodes; the marked action is the one the greedy policy takes.`;
}
