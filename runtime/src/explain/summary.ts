/**
 * The deterministic summary: short sentences built from the behaviour facts only, each carrying
 * its figure and the sample size it was measured on. This is what the hovers show, and what the
 * panel shows when no narrative was written or the narrative was rejected.
 */
import type { ActionBin, BehaviourFacts, CriticalState, EndingFacts, EpisodeTrajectory, FieldConditioning, ModeFacts } from "../../../protocol/src/explain.js";
import { formatCount, formatNumber, formatPercent, listPhrase } from "./format.js";
import { argmax } from "./stats.js";

/** How an ending reads: "truncation at 500 steps", "termination (pole angle)". */
export function endingPhrase(ending: { kind: "terminated" | "truncated"; cause: string }, maxEpisodeSteps: number): string {
  if (ending.kind === "truncated") return ending.cause === "time limit" ? `truncation at ${formatCount(maxEpisodeSteps)} steps` : `truncation (${ending.cause})`;
  return `termination (${ending.cause})`;
}

function quote(meaning: string | undefined, index: number): string {
  return meaning ? `"${meaning}"` : `action ${index}`;
}

function returnSentence(m: ModeFacts, label: string): string {
  const r = m.return;
  return (
    `${label}: mean return ${formatNumber(r.mean)} ± ${formatNumber(r.std)} over ${formatCount(r.n)} episodes ` +
    `(min ${formatNumber(r.min)}, median ${formatNumber(r.p50)}, max ${formatNumber(r.max)}; mean length ${formatNumber(m.length.mean)} steps).`
  );
}

function endingSentence(e: EndingFacts, facts: BehaviourFacts, label: string): string {
  const causes = e.causes;
  const phrase = (c: (typeof causes)[number]) => endingPhrase(c, facts.maxEpisodeSteps);
  const notTruncated = e.truncated === 0 ? [`truncation at ${formatCount(facts.maxEpisodeSteps)} steps`] : [];
  const never = [...e.neverFired.map((c) => `termination (${c})`), ...notTruncated];
  const tail = never.length > 0 ? `; none by ${listPhrase(never, "or")}` : "";
  if (causes.length === 1) {
    const c = causes[0]!;
    const length = c.kind === "terminated" ? ` after ${formatNumber(c.meanLength)} steps on average` : "";
    return `All ${formatCount(e.episodes)} ${label} episodes end by ${phrase(c)}${length}${tail}.`;
  }
  const parts = causes.map((c, k) => {
    const length = c.kind === "terminated" ? `, mean length ${formatNumber(c.meanLength)}` : "";
    return `${formatCount(c.count)} (${formatPercent(c.fraction, c.count, e.episodes)}) ${k === 0 ? "end " : ""}by ${phrase(c)}${length}`;
  });
  return `Of ${formatCount(e.episodes)} ${label} episodes, ${listPhrase(parts, "and")}${tail}.`;
}

function actionSentence(m: ModeFacts, facts: BehaviourFacts): string {
  const n = formatCount(m.steps);
  if (m.actionFrequency && m.actionCounts) {
    const freq = m.actionFrequency;
    const counts = m.actionCounts;
    const top = argmax(freq);
    if (freq[top]! >= 0.95) {
      return `With deterministic actions it chooses ${quote(facts.actionMeanings[top], top)} in ${formatPercent(freq[top]!, counts[top], m.steps)} of ${n} visited states.`;
    }
    const order = freq.map((f, a) => ({ f, a })).sort((x, y) => y.f - x.f).slice(0, 3);
    const parts = order.map(({ f, a }) => `${quote(facts.actionMeanings[a], a)} in ${formatPercent(f, counts[a], m.steps)}`);
    return `With deterministic actions it chooses ${listPhrase(parts, "and")} of ${n} visited states.`;
  }
  const means = (m.meanAction ?? []).map((x, k) => `${facts.actionMeanings[k] ?? `action ${k}`} ${formatNumber(x)}`);
  return `With deterministic actions the mean action is ${means.join(", ")} over ${n} visited states.`;
}

function rangePhrase(field: string, bin: ActionBin): string {
  if (bin.lo === null && bin.hi === null) return "all states";
  if (bin.lo === null) return `${field} < ${formatNumber(bin.hi!)}`;
  if (bin.hi === null) return `${field} ≥ ${formatNumber(bin.lo)}`;
  return `${field} in [${formatNumber(bin.lo)}, ${formatNumber(bin.hi)})`;
}

/** "where theta ≥ 0 (n = 4,812) it chooses "push right" in 97% of states". */
function binClause(field: string, bin: ActionBin, facts: BehaviourFacts): string {
  const where = `where ${rangePhrase(field, bin)} (n = ${formatCount(bin.n)})`;
  if (bin.actionFrequency && bin.actionCounts) {
    const a = argmax(bin.actionFrequency);
    return `${where} it chooses ${quote(facts.actionMeanings[a], a)} in ${formatPercent(bin.actionFrequency[a]!, bin.actionCounts[a], bin.n)} of states`;
  }
  const means = (bin.meanAction ?? []).map((x) => formatNumber(x)).join(", ");
  return `${where} the mean action is ${means}`;
}

/** The ranges a conditioning sentence reports: the split at zero (above first), else the two outer quantile bins, or the one bin there is. */
function reportedBins(c: FieldConditioning): ActionBin[] {
  const pair = c.signSplit ? [c.signSplit.above, c.signSplit.below] : [c.bins[c.bins.length - 1]!, c.bins[0]!];
  return pair[0] === pair[1] ? [pair[0]!] : pair;
}

/**
 * The two most influential observation fields (best sensitivity rank among the fields that vary;
 * the first two fields when nothing moved the policy), with their rank (null then) and their
 * conditioning over the deterministic rollouts' states: the fields the summary's conditioning
 * sentences, the panel's action-by-field charts and its conditioning table all report.
 */
export function influentialConditioning(facts: BehaviourFacts): { rank: number | null; conditioning: FieldConditioning }[] {
  const ranked = [...facts.sensitivity].filter((s) => s.delta > 0).sort((a, b) => a.rank - b.rank);
  const picks = ranked.length ? ranked.map((s) => ({ field: s.field, rank: s.rank as number | null })) : facts.observationFields.map((o) => ({ field: o.name, rank: null }));
  const out: { rank: number | null; conditioning: FieldConditioning }[] = [];
  for (const p of picks) {
    const c = facts.deterministic.conditioning.find((x) => x.field === p.field);
    if (c) out.push({ rank: p.rank, conditioning: c });
    if (out.length === 2) break;
  }
  return out;
}

/**
 * The conditional action frequencies the summary reports (deterministic rollouts): for the two
 * most influential fields (`influentialConditioning`), the ranges of `reportedBins`. The narrative
 * check accepts these probabilities, and no other bin's.
 */
export function reportedConditioning(facts: BehaviourFacts): { field: string; bins: ActionBin[] }[] {
  return influentialConditioning(facts).map(({ conditioning: c }) => ({ field: c.field, bins: reportedBins(c) }));
}

function conditioningSentence(field: string, bins: readonly ActionBin[], facts: BehaviourFacts): string {
  const clauses = bins.map((b) => binClause(field, b, facts));
  return `${capitalise(clauses.join("; "))} (deterministic rollouts).`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function sensitivitySentences(facts: BehaviourFacts): string[] {
  const s = facts.sensitivity.filter((f) => f.delta > 0);
  if (s.length === 0) return [];
  const measure = facts.actionKind === "discrete" ? "total variation of the action distribution" : "mean change of the mean action";
  const list = s.map((f) => `${f.field} ${formatNumber(f.meanEffect)} (std ${formatNumber(f.delta)})`).join(", ");
  if (s[0]!.meanEffect < 0.0005) {
    return [
      `No observation field moves the action distribution: moving any field by its std changes it by less than 0.001 (${measure}, over ${formatCount(s[0]!.n)} visited states).`,
    ];
  }
  const out = [`Influence of each observation field (${measure} when the field moves by its std, over ${formatCount(s[0]!.n)} visited states): ${list}.`];
  const top = s[0]!;
  const k = argmax(top.meanShift.map(Math.abs));
  const shift = top.meanShift[k]!;
  if (facts.actionKind === "discrete") {
    out.push(
      `Raising ${top.field} by ${formatNumber(top.delta)} ${shift >= 0 ? "raises" : "lowers"} the probability of ${quote(facts.actionMeanings[k], k)} by ${formatNumber(Math.abs(shift))} on average (n = ${formatCount(top.n)}).`,
    );
  } else {
    out.push(
      `Raising ${top.field} by ${formatNumber(top.delta)} ${shift >= 0 ? "raises" : "lowers"} the mean of ${facts.actionMeanings[k] ?? `action ${k}`} by ${formatNumber(Math.abs(shift))} on average (n = ${formatCount(top.n)}).`,
    );
  }
  return out;
}

function componentSentence(m: ModeFacts): string | null {
  const c = m.components;
  if (!c) return null;
  const mixedSigns = c.components.some((x) => x.total < 0) && c.components.some((x) => x.total > 0);
  const parts = c.components.map(
    (x) => `${x.name} ${formatPercent(mixedSigns ? x.absShare : x.share)} (${formatNumber(x.meanPerStep)} per step)`,
  );
  const of = mixedSigns ? "of the total magnitude of the shaped reward" : "of the shaped return";
  return `Reward components over ${formatCount(c.steps)} steps of ${formatCount(c.episodes)} deterministic episodes, share ${of}: ${parts.join(", ")}.`;
}

/** "Sub-goals (in order) over 50 deterministic episodes: buildSpeed 100 % (typically at step 12, 9–15), …". */
export function subgoalSentence(m: ModeFacts): string | null {
  const list = m.subgoals;
  if (!list || list.length === 0) return null;
  const parts = list.map((g) =>
    g.medianStep === null ? `${g.name} never` : `${g.name} ${formatPercent(g.rate)} (typically at step ${formatNumber(g.medianStep)}, ${g.minStep}–${g.maxStep})`,
  );
  return `Sub-goals reached, in order, over ${formatCount(m.episodes)} ${m.mode} episodes: ${parts.join(", ")}.`;
}

function episodeSentence(t: EpisodeTrajectory, facts: BehaviourFacts, median: number): string {
  // The episode was picked out of its mode's episodes: that count is the sentence's sample size.
  const of = `${formatCount(facts[t.mode].episodes)} ${t.mode} episodes`;
  const what = t.role === "typical" ? `Typical episode (return closest to the median ${formatNumber(median)} of ${of})` : `Worst episode (lowest return of ${of})`;
  return `${what}: episode ${t.episode} (seed ${t.seed}), return ${formatNumber(t.return)} over ${formatCount(t.length)} steps, ended by ${endingPhrase(t.ending, facts.maxEpisodeSteps)}.`;
}

function stateFields(c: CriticalState, facts: BehaviourFacts): string {
  const names = facts.observationFields.map((f) => f.name);
  const ranked = facts.sensitivity.map((s) => names.indexOf(s.field)).filter((j) => j >= 0);
  const shown = (ranked.length ? ranked : names.map((_, j) => j)).slice(0, 4);
  return shown.map((j) => `${names[j]} = ${formatNumber(c.obs[j]!)}`).join(", ");
}

/**
 * The largest value swing and the strongest preference, each with what it was the largest of:
 * a swing is picked among the one-step transitions inside episodes (steps − episodes of them),
 * a preference among all visited states.
 */
function criticalSentences(facts: BehaviourFacts): string[] {
  const out: string[] = [];
  const swing = facts.criticalStates.find((c) => c.kind === "valueSwing");
  if (swing && swing.score !== 0) {
    const m = facts[swing.mode];
    out.push(
      `Largest one-step value swing (n = ${formatCount(m.steps - m.episodes)} transitions in ${formatCount(m.episodes)} ${m.mode} episodes): V(s) ${swing.score < 0 ? "falls" : "rises"} by ${formatNumber(Math.abs(swing.score))} from ${formatNumber(swing.value)} at step ${swing.step} of episode ${swing.episode} (${stateFields(swing, facts)}).`,
    );
  }
  const gap = facts.criticalStates.find((c) => c.kind === "actionGap");
  if (gap && gap.probabilities && typeof gap.action === "number") {
    const m = facts[gap.mode];
    out.push(
      `Strongest preference (n = ${formatCount(m.steps)} visited states of the ${m.mode} rollouts): ${quote(facts.actionMeanings[gap.action], gap.action)} with probability ${formatNumber(gap.probabilities[gap.action]!)} at step ${gap.step} of episode ${gap.episode} (${stateFields(gap, facts)}).`,
    );
  }
  return out;
}

/** The summary sentences, most important first. */
export function summarize(facts: BehaviourFacts): string[] {
  const d = facts.deterministic;
  const out: string[] = [];
  out.push(returnSentence(d, "Deterministic policy"));
  out.push(endingSentence(d.endings, facts, "deterministic"));
  // A policy that (almost) always takes one action is said so first: nothing else describes it better.
  const oneAction = d.actionFrequency !== null && Math.max(...d.actionFrequency) >= 0.95;
  if (oneAction) out.push(actionSentence(d, facts));
  // Conditioning on the two most influential fields (or the first two when nothing moved the policy).
  for (const c of reportedConditioning(facts)) out.push(conditioningSentence(c.field, c.bins, facts));
  out.push(...sensitivitySentences(facts));
  const components = componentSentence(d);
  if (components) out.push(components);
  const subgoals = subgoalSentence(d);
  if (subgoals) out.push(subgoals);
  if (!oneAction) out.push(actionSentence(d, facts));
  out.push(returnSentence(facts.stochastic, "Sampled actions"));
  out.push(endingSentence(facts.stochastic.endings, facts, "sampled-action"));
  out.push(episodeSentence(facts.typicalEpisode, facts, d.return.p50));
  if (facts.worstEpisode.episode !== facts.typicalEpisode.episode) out.push(episodeSentence(facts.worstEpisode, facts, d.return.p50));
  out.push(...criticalSentences(facts));
  return out;
}
