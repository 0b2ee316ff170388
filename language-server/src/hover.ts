/**
 * Hover in experiment files: a hyperparameter key, the env id, an observation field read by the
 * reward, and a reward component's measured contribution in the latest run of this experiment.
 * Where the latest run was explained (`rl-studio explain`, saved as explanation.json), the env id
 * and reward components also show what the trained policy measurably does.
 */
import { MarkupKind, type Hover } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { HYPERPARAMETERS } from "../../runtime/src/ppo/hyperparameters.js";
import { experimentEnvSpec } from "./checks.js";
import { envDocumentation, hyperparameterDocumentation, observationFieldDocumentation } from "./docs.js";
import type { ExperimentAst, Span } from "./experiment-ast.js";
import { latestRunContributions } from "./run-contributions.js";
import { findLatestExplanation } from "../../runtime/src/explain/read.js";
import { formatComponentHover, formatHover } from "../../runtime/src/explain/hover.js";
import { defaultRunsRoot } from "../../runtime/src/runs/run-id.js";

/** The command link the extension registers to open the explanation panel of a run. */
export function openExplanationLink(runDir: string): string {
  return `command:rlStudio.openExplanation?${encodeURIComponent(JSON.stringify([runDir]))}`;
}

function latestExplanation(ast: ExperimentAst, experimentPath: string | null) {
  if (!ast.name || experimentPath === null) return null;
  try {
    return findLatestExplanation(defaultRunsRoot(experimentPath), { experimentName: ast.name.value });
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
 * `experimentPath`: the file's path on disk (null for an unsaved document), used to find the
 * workspace's run folders the way the runtime does.
 */
export function hoverAt(doc: TextDocument, ast: ExperimentAst | undefined, offset: number, experimentPath: string | null): Hover | null {
  if (!ast) return null;
  const spec = experimentEnvSpec(ast);

  const entry = ast.hyperparameters?.entries.find((e) => within(e.keySpan, offset));
  if (entry) {
    const h = HYPERPARAMETERS.find((x) => x.key === entry.key);
    if (h) return hover(doc, entry.keySpan, hyperparameterDocumentation(h, spec?.actionSpace.kind));
  }

  if (ast.env && spec && within(ast.env.span, offset)) {
    const explained = latestExplanation(ast, experimentPath);
    const behaviour = explained ? `${formatHover(explained.explanation, { openLink: openExplanationLink(explained.runDir) })}\n\n---\n\n` : "";
    return hover(doc, ast.env.span, behaviour + envDocumentation(spec));
  }

  const reward = ast.reward;
  if (!reward) return null;
  const access = reward.observationAccesses.find((a) => within(a.fieldSpan, offset));
  if (access && spec) {
    const f = spec.observationFields.find((x) => x.name === access.field);
    if (f) return hover(doc, access.fieldSpan, observationFieldDocumentation(spec, f));
  }

  const component = reward.components.find((c) => within(c.span, offset));
  if (component) {
    const title = `**Reward component \`${component.name}\`**`;
    if (!ast.name || experimentPath === null) {
      return hover(doc, component.span, `${title}\n\nNo run yet: save the file and train it (▶ Train) to measure this component's contribution.`);
    }
    const runs = latestRunContributions(experimentPath, ast.name.value);
    if (!runs) return hover(doc, component.span, `${title}\n\nNo run yet of "${ast.name.value}": train it (▶ Train) to measure this component's contribution.`);
    if (runs.episodes === 0) return hover(doc, component.span, `${title}\n\nRun \`${runs.runId}\` has not finished an episode yet.`);
    const c = runs.components.get(component.name);
    if (!c) {
      return hover(
        doc,
        component.span,
        `${title}\n\nNot measured in run \`${runs.runId}\` (the reward there returned: ${[...runs.components.keys()].join(", ") || "no named components"}).`,
      );
    }
    const others = [...runs.components]
      .filter(([k]) => k !== component.name)
      .map(([k, v]) => `\`${k}\` ${fmt(v.meanPerEpisode)}`)
      .join(", ");
    const explained = latestExplanation(ast, experimentPath);
    const evaluated = explained ? formatComponentHover(explained.explanation, component.name, { openLink: openExplanationLink(explained.runDir) }) : null;
    return hover(
      doc,
      component.span,
      `${title}\n\nIn the latest run \`${runs.runId}\` (${runs.episodes} episodes): mean ${fmt(c.meanPerEpisode)} per episode, ` +
        `${pct(c.share)} of the shaped return's magnitude. Mean episodic return ${fmt(runs.meanEpisodicReturn)}.` +
        (others ? `\n\nOther components per episode: ${others}.` : "") +
        (evaluated ? `\n\n---\n\n${evaluated}` : ""),
    );
  }
  return null;
}
