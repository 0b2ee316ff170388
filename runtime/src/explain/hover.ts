/**
 * Markdown for the editor's hovers (env id, reward component, run in the Runs view) and plain
 * text for the terminal, from a saved explanation. Pure: the language server and the extension
 * read `explanation.json` (see `findLatestExplanation`) and hand it here.
 */
import type { Explanation } from "../../../protocol/src/explain.js";
import { formatCount, formatNumber, formatPercent } from "./format.js";
import { markdownCode, markdownText as escapeMarkdown } from "../../../common/src/markdown.js";

export interface HoverOptions {
  /** Target of the "Open explanation" link, e.g. a `command:rlStudio.openExplanation?…` URI; no link when absent. */
  openLink?: string;
  /** Summary sentences shown (default 5). */
  maxSentences?: number;
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

/** The hover on a reward component: its measured contribution; null when the run does not have that component. */
export function formatComponentHover(e: Explanation, component: string, options: HoverOptions = {}): string | null {
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
  const lines = [`${f.runId} (${f.envId}, ${formatCount(f.globalStep)} training steps)`, ""];
  if (e.narrative) lines.push(e.narrative, "");
  for (const s of e.summary) lines.push(`  • ${s}`);
  if (e.narrativeNote) lines.push("", `(${e.narrativeNote})`);
  if (savedTo) lines.push("", `saved: ${savedTo}`);
  return lines.join("\n");
}
