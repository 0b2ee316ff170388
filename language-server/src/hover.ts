/**
 * Hover in experiment files: a hyperparameter key, the algorithm, the env id, an observation field
 * read by the reward, and a reward component's measured contribution in the latest run of this
 * experiment (run folders under the `rlStudio.runsFolder` setting, read through a cache).
 * Where the latest run was explained (`rl-studio explain`, saved as explanation.json), the env id
 * and reward components also show what the trained policy measurably does.
 */
import { MarkupKind, type Hover } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { HYPERPARAMETERS } from "../../runtime/src/experiment/hyperparameters.js";
import { experimentEnvSpec } from "./checks.js";
import { algorithmDocumentation, envDocumentation, hyperparameterDocumentation, llmFieldDocumentation, observationFieldDocumentation } from "./docs.js";
import { LLM_FIELDS } from "../../runtime/src/experiment/llm-settings.js";
import type { ExperimentAst, Span } from "./experiment-ast.js";
import { latestRunContributions } from "./run-contributions.js";
import { latestSubgoalAchievement, RECENT_EPISODES } from "./run-subgoals.js";
import type { RunFolderCache } from "./run-cache.js";
import { formatComponentHover, formatHover } from "../../runtime/src/explain/hover.js";
import { findAlgorithm } from "../../runtime/src/experiment/algorithms.js";
import { markdownCode, markdownText } from "../../common/src/markdown.js";
import { openExplanationLink } from "../../protocol/src/language-server.js";


/** Where the document's runs are: null for an unsaved document. */
export interface HoverRuns {
  /** The runs root of the document's workspace (the `rlStudio.runsFolder` setting), computed on demand. */
  root: () => string;
  cache: RunFolderCache;
}

function latestExplanation(ast: ExperimentAst, runs: HoverRuns | null) {
  if (!ast.name || runs === null) return null;
  try {
    return runs.cache.latestExplanation(runs.root(), ast.name.value);
  } catch {
    return null;
  }
}

const within = (span: Span, offset: number) => offset >= span.start && offset <= span.end;

function hover(doc: TextDocument, span: Span, markdown: string): Hover {
  return { contents: { kind: MarkupKind.Markdown, value: markdown }, range: { start: doc.positionAt(span.start), end: doc.positionAt(span.end) } };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

/**
 * `runs`: where the saved document's run folders are (null for an unsaved document), read
 * through the run-folder cache.
 */
export function hoverAt(doc: TextDocument, ast: ExperimentAst | undefined, offset: number, runs: HoverRuns | null): Hover | null {
  if (!ast) return null;
  const spec = experimentEnvSpec(ast);

  const entry = ast.hyperparameters?.entries.find((e) => within(e.keySpan, offset));
  if (entry) {
    const h = HYPERPARAMETERS.find((x) => x.key === entry.key);
    if (h) return hover(doc, entry.keySpan, hyperparameterDocumentation(h, spec?.actionSpace.kind));
  }

  const llmEntry = ast.llm?.entries.find((e) => within(e.keySpan, offset));
  const llmField = llmEntry && LLM_FIELDS.find((f) => f.path === llmEntry.path);
  if (llmEntry && llmField) return hover(doc, llmEntry.keySpan, llmFieldDocumentation(llmField));

  if (ast.algorithm && within(ast.algorithm.span, offset)) {
    const alg = findAlgorithm(ast.algorithm.value);
    if (alg) return hover(doc, ast.algorithm.span, algorithmDocumentation(alg, spec));
  }

  if (ast.env && spec && within(ast.env.span, offset)) {
    const explained = latestExplanation(ast, runs);
    const behaviour = explained ? `${formatHover(explained.explanation, { openLink: openExplanationLink(explained.runDir) })}\n\n---\n\n` : "";
    return hover(doc, ast.env.span, behaviour + envDocumentation(spec));
  }

  const subgoalHover = hoverSubgoal(doc, ast, offset, runs, spec);
  if (subgoalHover) return subgoalHover;

  const reward = ast.reward;
  if (!reward) return null;
  const access = reward.observationAccesses.find((a) => within(a.fieldSpan, offset));
  if (access && spec) {
    const f = spec.observationFields.find((x) => x.name === access.field);
    if (f) return hover(doc, access.fieldSpan, observationFieldDocumentation(spec, f));
  }

  const component = reward.components.find((c) => within(c.span, offset));
  if (component) {
    // The component's name is the user's text, run ids are folder names: both stay text (common/src/markdown.ts).
    const title = `**Reward component ${markdownCode(component.name)}**`;
    if (!ast.name || runs === null) {
      return hover(doc, component.span, `${title}\n\nNo run yet: save the file and train it (the Train code lens) to measure this component's contribution.`);
    }
    const latest = latestRunContributions(runs.root(), ast.name.value, runs.cache);
    if (!latest) return hover(doc, component.span, `${title}\n\nNo run yet of "${markdownText(ast.name.value)}": train it (the Train code lens) to measure this component's contribution.`);
    if (latest.episodes === 0) return hover(doc, component.span, `${title}\n\nRun ${markdownCode(latest.runId)} has not finished an episode yet.`);
    const c = latest.components.get(component.name);
    if (!c) {
      return hover(
        doc,
        component.span,
        `${title}\n\nNot measured in run ${markdownCode(latest.runId)} (the reward there returned: ${[...latest.components.keys()].map(markdownCode).join(", ") || "no named components"}).`,
      );
    }
    const others = [...latest.components]
      .filter(([k]) => k !== component.name)
      .map(([k, v]) => `${markdownCode(k)} ${fmt(v.meanPerEpisode)}`)
      .join(", ");
    const explained = latestExplanation(ast, runs);
    const evaluated = explained ? formatComponentHover(explained.explanation, component.name, { openLink: openExplanationLink(explained.runDir) }) : null;
    return hover(
      doc,
      component.span,
      `${title}\n\nIn the latest run ${markdownCode(latest.runId)} (${latest.episodes} episodes): mean ${fmt(c.meanPerEpisode)} per episode, ` +
        `${pct(c.share)} of the shaped return's magnitude. Mean episodic return ${fmt(latest.meanEpisodicReturn)}.` +
        (others ? `\n\nOther components per episode: ${others}.` : "") +
        (evaluated ? `\n\n---\n\n${evaluated}` : ""),
    );
  }
  return null;
}

/** A sub-goal's name: its measured achievement in the latest runs; a field read by its predicate: the field's docs. */
function hoverSubgoal(doc: TextDocument, ast: ExperimentAst, offset: number, runs: HoverRuns | null, spec: ReturnType<typeof experimentEnvSpec>): Hover | null {
  for (const sg of ast.subgoals ?? []) {
    const access = sg.observationAccesses.find((a) => within(a.fieldSpan, offset));
    if (access && spec) {
      const f = spec.observationFields.find((x) => x.name === access.field);
      if (f) return hover(doc, access.fieldSpan, observationFieldDocumentation(spec, f));
    }
    if (!sg.name || !within(sg.name.span, offset)) continue;
    const name = sg.name.value;
    const title = `**Sub-goal ${markdownCode(name)}**`;
    if (!ast.name || runs === null) return hover(doc, sg.name.span, `${title}\n\nNo run yet: save the file and train it (the Train code lens) to measure how often it is reached.`);
    const latest = latestSubgoalAchievement(runs.root(), ast.name.value, runs.cache);
    if (latest.length === 0) return hover(doc, sg.name.span, `${title}\n\nNo run yet of "${markdownText(ast.name.value)}": train it (the Train code lens) to measure how often it is reached.`);
    const lines = latest.map((r) => {
      if (r.episodes === 0) return `- ${markdownCode(r.runId)}: no finished episode yet`;
      if (!r.hasSubgoals) return `- ${markdownCode(r.runId)}: trained without sub-goals`;
      const m = r.rates.get(name);
      if (!m) return `- ${markdownCode(r.runId)}: reached in none of its last ${r.episodes} episodes`;
      return `- ${markdownCode(r.runId)}: reached in ${pct(m.rate)} of its last ${r.episodes} episodes${m.medianStep !== null ? `, typically at step ${fmt(m.medianStep)}` : ""}`;
    });
    return hover(doc, sg.name.span, `${title}\n\nAchievement in the latest runs (share of each run's last ${RECENT_EPISODES} finished episodes that reached it, in order):\n\n${lines.join("\n")}`);
  }
  return null;
}
