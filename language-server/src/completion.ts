/**
 * Completion in experiment files: env ids inside `env: "`, hyperparameter keys inside
 * `hyperparameters: {`, observation fields after `obs.` / `nextObs.`, and the meanings of a
 * discrete env's actions after `action ===`. Contexts are read from the text before the cursor
 * (robust while the file is half-typed) and the parsed experiment (which names are bound to what).
 */
import { CompletionItemKind, MarkupKind, type CompletionItem } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { EnvSpec } from "../../runtime/src/envs/types.js";
import { HYPERPARAMETERS } from "../../runtime/src/experiment/hyperparameters.js";
import { ALGORITHMS } from "../../runtime/src/experiment/algorithms.js";
import { envSpecs } from "./env-catalog.js";
import type { ExperimentAst, RewardInfo, Span } from "./experiment-ast.js";
import { experimentEnvSpec } from "./checks.js";
import {
  algorithmActionsSummary,
  algorithmDocumentation,
  envDocumentation,
  hyperparameterDocumentation,
  observationFieldDocumentation,
  spacesSummary,
} from "./docs.js";

const IDENT = "[A-Za-z_$][\\w$]*";
const ENV_PREFIX = /\benv\s*:\s*["'`]([\w.\-/]*)$/;
const ALGORITHM_PREFIX = /\balgorithm\s*:\s*["'`]([\w.\-]*)$/;
const FIELD_PREFIX = new RegExp(`(?:(${IDENT})\\s*\\.\\s*)?(${IDENT})\\s*\\.\\s*(${IDENT})?$`);
const ACTION_PREFIX = new RegExp(`(?:(${IDENT})\\s*\\.\\s*)?(${IDENT})\\s*(?:===|!==|==|!=)\\s*(\\d*)$`);
const KEY_PREFIX = new RegExp(`[{,]\\s*(${IDENT})?$`);

function wordEnd(text: string, offset: number, pattern: RegExp): number {
  let end = offset;
  while (end < text.length && pattern.test(text[end]!)) end++;
  return end;
}

function replaceRange(doc: TextDocument, span: Span) {
  return { start: doc.positionAt(span.start), end: doc.positionAt(span.end) };
}

function envItems(doc: TextDocument, span: Span): CompletionItem[] {
  return envSpecs().map((spec, i) => ({
    label: spec.id,
    kind: CompletionItemKind.EnumMember,
    detail: spacesSummary(spec),
    documentation: { kind: MarkupKind.Markdown, value: envDocumentation(spec) },
    sortText: String(i).padStart(3, "0"),
    textEdit: { range: replaceRange(doc, span), newText: spec.id },
  }));
}

function algorithmItems(doc: TextDocument, span: Span, spec: EnvSpec | undefined): CompletionItem[] {
  return ALGORITHMS.map((alg, i) => ({
    label: alg.id,
    kind: CompletionItemKind.EnumMember,
    detail: algorithmActionsSummary(alg),
    documentation: { kind: MarkupKind.Markdown, value: algorithmDocumentation(alg, spec) },
    sortText: String(i).padStart(3, "0"),
    textEdit: { range: replaceRange(doc, span), newText: alg.id },
  }));
}

function hyperparameterItems(doc: TextDocument, ast: ExperimentAst, span: Span, spec: EnvSpec | undefined): CompletionItem[] {
  const present = new Set(ast.hyperparameters?.entries.filter((e) => e.keySpan.start !== span.start).map((e) => e.key));
  return HYPERPARAMETERS.filter((h) => !present.has(h.key)).map((h, i) => ({
    label: h.key,
    kind: CompletionItemKind.Property,
    detail: `${h.type}, default ${JSON.stringify(h.default)}`,
    documentation: { kind: MarkupKind.Markdown, value: hyperparameterDocumentation(h, spec?.actionSpace.kind) },
    sortText: String(i).padStart(3, "0"),
    textEdit: { range: replaceRange(doc, span), newText: h.key },
  }));
}

function fieldItems(doc: TextDocument, spec: EnvSpec, span: Span): CompletionItem[] {
  return spec.observationFields.map((f, i) => ({
    label: f.name,
    kind: CompletionItemKind.Field,
    detail: f.description,
    documentation: { kind: MarkupKind.Markdown, value: observationFieldDocumentation(spec, f) },
    sortText: String(i).padStart(3, "0"),
    textEdit: { range: replaceRange(doc, span), newText: f.name },
  }));
}

function actionItems(doc: TextDocument, spec: EnvSpec, span: Span): CompletionItem[] {
  if (spec.actionSpace.kind !== "discrete") return [];
  return spec.actionMeanings.map((meaning, i) => ({
    label: String(i),
    kind: CompletionItemKind.EnumMember,
    detail: meaning,
    documentation: { kind: MarkupKind.Markdown, value: `Action ${i} of ${spec.id}: ${meaning}.\n\n${spec.docs.actionSpace}` },
    sortText: String(i).padStart(3, "0"),
    textEdit: { range: replaceRange(doc, span), newText: String(i) },
  }));
}

/** Which transition field `object` (optionally `param.object`) names in the reward function. */
function boundField(reward: RewardInfo | undefined, param: string | undefined, name: string): string | undefined {
  if (param !== undefined) return reward?.transitionParam === param ? name : undefined;
  // Without a parsed reward (half-typed), the conventional names still mean what they say.
  return reward?.locals.get(name) ?? (reward?.transitionParam === undefined && !reward?.locals.size ? name : undefined);
}

export function completions(doc: TextDocument, ast: ExperimentAst | undefined, offset: number): CompletionItem[] {
  const text = doc.getText();
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const prefix = text.slice(lineStart, offset);

  const envMatch = ENV_PREFIX.exec(prefix);
  if (envMatch) {
    const start = offset - envMatch[1]!.length;
    return envItems(doc, { start, end: wordEnd(text, offset, /[\w.\-/]/) });
  }

  const spec = ast ? experimentEnvSpec(ast) : undefined;
  const algorithmMatch = ALGORITHM_PREFIX.exec(prefix);
  if (algorithmMatch) {
    const start = offset - algorithmMatch[1]!.length;
    return algorithmItems(doc, { start, end: wordEnd(text, offset, /[\w.\-]/) }, spec);
  }

  const hp = ast?.hyperparameters;
  if (ast && hp && offset > hp.span.start && offset < hp.span.end) {
    const inValue = hp.entries.some((e) => offset > e.valueSpan.start && offset <= e.valueSpan.end && e.valueSpan.start !== e.keySpan.start);
    const keyMatch = KEY_PREFIX.exec(text.slice(hp.span.start, offset));
    if (!inValue && keyMatch) {
      const start = offset - (keyMatch[1]?.length ?? 0);
      return hyperparameterItems(doc, ast, { start, end: wordEnd(text, offset, /[\w$]/) }, spec);
    }
  }

  if (!spec) return [];
  const fieldMatch = FIELD_PREFIX.exec(prefix);
  if (fieldMatch) {
    const field = boundField(ast?.reward, fieldMatch[1], fieldMatch[2]!);
    if (field === "obs" || field === "nextObs") {
      const start = offset - (fieldMatch[3]?.length ?? 0);
      return fieldItems(doc, spec, { start, end: wordEnd(text, offset, /[\w$]/) });
    }
  }
  const actionMatch = ACTION_PREFIX.exec(prefix);
  if (actionMatch && boundField(ast?.reward, actionMatch[1], actionMatch[2]!) === "action") {
    const start = offset - actionMatch[3]!.length;
    return actionItems(doc, spec, { start, end: wordEnd(text, offset, /\d/) });
  }
  return [];
}
