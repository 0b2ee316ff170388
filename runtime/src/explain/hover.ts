/**
 * Markdown for the editor's hovers (env id, reward component, run in the Runs view) and plain
 * text for the terminal, from a saved explanation. Pure: the language server and the extension
 * read `explanation.json` (see `findLatestExplanation`) and hand it here.
 */
import { basename } from "node:path";
import { isTextPolicyExplanation, type Explanation, type TextPolicyExplanation } from "../../../protocol/src/explain.js";
import { formatCount, formatNumber, formatPercent } from "./format.js";
import { distinguishingExcerpts } from "./text-policy.js";
import { markdownCode, markdownText as escapeMarkdown } from "../../../common/src/markdown.js";

export interface HoverOptions {
  /** Target of the "Open explanation" link, e.g. a `command:rlStudio.openExplanation?…` URI; no link when absent. */
  openLink?: string;
  /** Summary sentences shown (default 5). */
  maxSentences?: number;
  /** A TWOSOME run's explanation: text states shown, the most visited first (default 3). */
  maxStates?: number;
  /** A TWOSOME run's explanation: actions shown per state, the most probable first (default 3). */
  maxActions?: number;
}

function header(e: Explanation): string {
  const f = e.facts;
  return `**${escapeMarkdown(f.experimentName)}** · ${escapeMarkdown(f.envId)} · run ${markdownCode(f.runId)} at ${formatCount(f.globalStep)} steps`;
}

function link(options: HoverOptions): string[] {
  return options.openLink ? ["", `[Open explanation](${options.openLink})`] : [];
}

/** The hover on an env id or a run: narrative if accepted, else the first summary sentences, and the link. */
export function formatHover(e: Explanation, options: HoverOptions = {}): string {
  if (isTextPolicyExplanation(e)) return formatTextPolicyHover(e, options);
  const lines = [header(e), ""];
  if (e.narrative) {
    lines.push(escapeMarkdown(e.narrative), "", `_Narrative by the local language model; every number in it was checked against the measurements._`);
  } else {
    for (const s of e.summary.slice(0, options.maxSentences ?? 5)) lines.push(`- ${escapeMarkdown(s)}`);
    if (e.narrativeRejected?.length) lines.push("", `_The language model's narrative was rejected: it invented ${e.narrativeRejected.map(markdownCode).join(", ")}._`);
  }
  lines.push(...link(options));
  return lines.join("\n");
}

/**
 * A TWOSOME run's hover: the success rate with its sample, then the most visited text states, each
 * with the part of its prompt that tells it from the others and its most probable action texts
 * (the greedy one in bold).
 */
export function formatTextPolicyHover(e: TextPolicyExplanation, options: HoverOptions = {}): string {
  const f = e.facts;
  const lines = [
    header(e),
    "",
    `LLM policy (${markdownCode(basename(f.model))} with the run's LoRA adapter): success rate **${formatPercent(f.successRate)}** over ${formatCount(f.episodes)} greedy evaluation episode${f.episodes === 1 ? "" : "s"} ` +
      `(n = ${formatCount(f.steps)} steps, ${formatCount(f.distinctStates)} distinct text state${f.distinctStates === 1 ? "" : "s"}).`,
    "",
  ];
  const shown = f.states.slice(0, options.maxStates ?? 3);
  const excerpts = distinguishingExcerpts(shown.map((s) => s.prompt), 80);
  shown.forEach((s, i) => {
    const actions = s.actions.slice(0, options.maxActions ?? 3).map((a, j) => {
      const text = `${escapeMarkdown(`"${a.text}"`)} ${a.probability.toFixed(2)}`;
      return j === 0 ? `**${text}**` : text;
    });
    const more = s.actions.length > actions.length ? ` (+${s.actions.length - actions.length} more)` : "";
    lines.push(`- State ${i + 1} (n = ${formatCount(s.visits)}), ${escapeMarkdown(`"${excerpts[i]}"`)}: π = ${actions.join(", ")}${more}`);
  });
  if (f.distinctStates > shown.length) lines.push("", `_${formatCount(f.distinctStates - shown.length)} more state${f.distinctStates - shown.length === 1 ? "" : "s"} in the explanation; the most probable action (bold) is the one the greedy policy takes._`);
  else if (shown.length > 0) lines.push("", "_The most probable action (bold) is the one the greedy policy takes._");
  lines.push(...link(options));
  return lines.join("\n");
}

/** The hover on a reward component: its measured contribution; null when the run does not have that component (a TWOSOME run's explanation measures none). */
export function formatComponentHover(e: Explanation, component: string, options: HoverOptions = {}): string | null {
  if (isTextPolicyExplanation(e)) return null;
  const d = e.facts.deterministic.components;
  const c = d?.components.find((x) => x.name === component);
  if (!d || !c) return null;
  const mixed = d.components.some((x) => x.total < 0) && d.components.some((x) => x.total > 0);
  const share = mixed ? `${formatPercent(c.absShare)} of the shaped reward's total magnitude` : `${formatPercent(c.share)} of the shaped return`;
  const lines = [
    header(e),
    "",
    `Reward component **${escapeMarkdown(component)}**: ${share}; ${formatNumber(c.meanPerStep)} per step, ${formatNumber(c.meanPerEpisode)} per episode ` +
      `(${formatCount(d.steps)} steps of ${formatCount(d.episodes)} deterministic evaluation episodes).`,
    "",
    `Shaped return: mean ${formatNumber(d.shapedReturn.mean)} ± ${formatNumber(d.shapedReturn.std)}; env return: mean ${formatNumber(e.facts.deterministic.return.mean)}.`,
    ...link(options),
  ];
  return lines.join("\n");
}

/** The terminal report of `rl-studio explain`. */
export function formatExplanationText(e: Explanation, savedTo?: string): string {
  const f = e.facts;
  const policy = isTextPolicyExplanation(e) ? `; LLM policy ${basename(e.facts.model)} with the run's LoRA adapter` : "";
  const lines = [`${f.runId} (${f.envId}, ${formatCount(f.globalStep)} training steps${policy})`, ""];
  if (e.narrative) lines.push(e.narrative, "");
  for (const s of e.summary) lines.push(`  • ${s}`);
  if (e.narrativeNote) lines.push("", `(${e.narrativeNote})`);
  if (savedTo) lines.push("", `saved: ${savedTo}`);
  return lines.join("\n");
}
