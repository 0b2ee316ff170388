/**
 * Completion in experiment files: env ids inside `env: "`, hyperparameter keys inside
 * `hyperparameters: {`, observation fields after `obs.` / `nextObs.`, and the meanings of a
 * discrete env's actions after `action ===`. Contexts are read from the text before the cursor
 * (robust while the file is half-typed; cursor-context.ts, in time independent of the line's
 * length) and the parsed experiment (which names are bound to what).
 */
import { CompletionItemKind, MarkupKind, type CompletionItem } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { EnvSpec } from "../../runtime/src/envs/types.js";
import { HYPERPARAMETERS, appliesTo } from "../../runtime/src/experiment/hyperparameters.js";
import { LLM_FIELDS } from "../../runtime/src/experiment/llm-settings.js";
import { ALGORITHMS } from "../../runtime/src/experiment/algorithms.js";
import { envSpecs } from "./env-catalog.js";
import type { ExperimentAst, RewardInfo, Span } from "./experiment-ast.js";
import { experimentEnvSpec } from "./checks.js";
import { comparisonPrefix, LOOKBEHIND, memberAccessPrefix, objectKeyPrefix, stringValuePrefix } from "./cursor-context.js";
import {
  algorithmActionsSummary,
  algorithmDocumentation,
  envDocumentation,
  hyperparameterDocumentation,
  llmFieldDocumentation,
  observationFieldDocumentation,
  spacesSummary,
} from "./docs.js";

/** The end of the word the cursor is in: at most `LOOKBEHIND` characters on (a replacement range, not a scan of the line). */
function wordEnd(text: string, offset: number, pattern: RegExp): number {
  let end = offset;
  const limit = Math.min(text.length, offset + LOOKBEHIND);
  while (end < limit && pattern.test(text[end]!)) end++;
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
  const algorithm = ast.algorithm?.value === "twosome" ? "twosome" : "ppo";
  return HYPERPARAMETERS.filter((h) => !present.has(h.key) && appliesTo(h, algorithm)).map((h, i) => ({
    label: h.key,
    kind: CompletionItemKind.Property,
    detail: `${h.type}, default ${JSON.stringify(h.default)}`,
    documentation: { kind: MarkupKind.Markdown, value: hyperparameterDocumentation(h, spec?.actionSpace.kind) },
    sortText: String(i).padStart(3, "0"),
    textEdit: { range: replaceRange(doc, span), newText: h.key },
  }));
}

/** Keys of the llm block (`inside` ""), or of its lora object (`inside` "lora."), not yet written. */
function llmItems(doc: TextDocument, ast: ExperimentAst, span: Span, inside: "" | "lora."): CompletionItem[] {
  const present = new Set(ast.llm?.entries.filter((e) => e.keySpan.start !== span.start).map((e) => e.path));
  return LLM_FIELDS.filter((f) => (inside === "" ? !f.path.includes(".") : f.path.startsWith(inside)) && !present.has(f.path)).map((f, i) => ({
    label: f.path.slice(inside.length),
    kind: CompletionItemKind.Property,
    detail: `default ${f.default}`,
    documentation: { kind: MarkupKind.Markdown, value: llmFieldDocumentation(f) },
    sortText: String(i).padStart(3, "0"),
    textEdit: { range: replaceRange(doc, span), newText: f.path.slice(inside.length) },
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

  const envTyped = stringValuePrefix(text, offset, "env");
  if (envTyped !== null) {
    return envItems(doc, { start: offset - envTyped.length, end: wordEnd(text, offset, /[\w.\-/]/) });
  }

  const spec = ast ? experimentEnvSpec(ast) : undefined;
  const algorithmTyped = stringValuePrefix(text, offset, "algorithm");
  if (algorithmTyped !== null) {
    return algorithmItems(doc, { start: offset - algorithmTyped.length, end: wordEnd(text, offset, /[\w.\-]/) }, spec);
  }

  const hp = ast?.hyperparameters;
  if (ast && hp && offset > hp.span.start && offset < hp.span.end) {
    const inValue = hp.entries.some((e) => offset > e.valueSpan.start && offset <= e.valueSpan.end && e.valueSpan.start !== e.keySpan.start);
    const keyTyped = inValue ? null : objectKeyPrefix(text, hp.span.start, offset);
    if (keyTyped !== null) {
      return hyperparameterItems(doc, ast, { start: offset - keyTyped.length, end: wordEnd(text, offset, /[\w$]/) }, spec);
    }
  }

  const llm = ast?.llm;
  if (ast && llm && offset > llm.span.start && offset < llm.span.end) {
    const lora = llm.entries.find((e) => e.path === "lora" && text[e.valueSpan.start] === "{");
    const inLora = lora !== undefined && offset > lora.valueSpan.start && offset < lora.valueSpan.end;
    const objectStart = inLora ? lora.valueSpan.start : llm.span.start;
    const inValue = llm.entries.some((e) => offset > e.valueSpan.start && offset <= e.valueSpan.end && e.valueSpan.start !== e.keySpan.start && !(e === lora && inLora));
    const keyTyped = inValue ? null : objectKeyPrefix(text, objectStart, offset);
    if (keyTyped !== null) return llmItems(doc, ast, { start: offset - keyTyped.length, end: wordEnd(text, offset, /[\w$]/) }, inLora ? "lora." : "");
  }

  if (!spec) return [];
  const member = memberAccessPrefix(text, offset);
  if (member) {
    const field = boundField(ast?.reward, member.param, member.object);
    if (field === "obs" || field === "nextObs") {
      return fieldItems(doc, spec, { start: offset - member.typed.length, end: wordEnd(text, offset, /[\w$]/) });
    }
  }
  const comparison = comparisonPrefix(text, offset);
  if (comparison && boundField(ast?.reward, comparison.param, comparison.object) === "action") {
    return actionItems(doc, spec, { start: offset - comparison.typed.length, end: wordEnd(text, offset, /\d/) });
  }
  return [];
}
